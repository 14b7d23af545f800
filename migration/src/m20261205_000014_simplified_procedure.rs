//! 简化审核程序: the path a city chooses for the SIMPLIFIED audits of an annual list, kept on
//! the list and copied to each audit when the list is published (FULL for every audit so far).

use sea_orm_migration::prelude::*;

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
        manager
            .alter_table(
                Table::alter()
                    .table(AnnualAuditLists::Table)
                    .add_column(
                        ColumnDef::new(AnnualAuditLists::SimplifiedProcedure)
                            .string()
                            .not_null()
                            .default("FULL"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Audits::Table)
                    .add_column(
                        ColumnDef::new(Audits::Procedure)
                            .string()
                            .not_null()
                            .default("FULL"),
                    )
                    .to_owned(),
            )
            .await
    }
}
