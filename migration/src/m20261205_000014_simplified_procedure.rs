//! 简化审核程序: the path a city chooses for the SIMPLIFIED audits of an annual list, kept on
//! the list and copied to each audit when the list is published (FULL for every audit so far).

use sea_orm_migration::prelude::*;

use crate::columns::{add_columns, text};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AnnualAuditLists {
    Table,
    SimplifiedProcedure,
}

#[derive(DeriveIden)]
enum Audits {
    Table,
    Procedure,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add_columns(
            manager,
            AnnualAuditLists::Table,
            vec![procedure(AnnualAuditLists::SimplifiedProcedure)],
        )
        .await?;
        add_columns(manager, Audits::Table, vec![procedure(Audits::Procedure)]).await
    }
}

/// Every audit so far went the full way.
fn procedure(col: impl IntoIden) -> ColumnDef {
    text(col).default("FULL").to_owned()
}
