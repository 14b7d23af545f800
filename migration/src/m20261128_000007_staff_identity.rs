//! Consultancy staff ID-card numbers encrypted at rest like experts': a keyed hash column
//! takes over uniqueness ("one open employment per person") and exact lookup.

use sea_orm_migration::prelude::*;

use crate::columns::{add_columns, add_index, drop_columns, drop_index, text_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ConsultancyStaff {
    Table,
    IdCardHmac,
    EndedOn,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add_columns(
            manager,
            ConsultancyStaff::Table,
            vec![text_null(ConsultancyStaff::IdCardHmac)],
        )
        .await?;
        // The clear-text indexes go: the stored number is ciphertext from now on.
        for name in [
            "uq_consultancy_staff_one_open_employment",
            "idx_consultancy_staff_person",
        ] {
            drop_index(manager, name, ConsultancyStaff::Table).await?;
        }
        add_index(
            manager,
            "idx_consultancy_staff_person_hmac",
            ConsultancyStaff::Table,
            vec![ConsultancyStaff::IdCardHmac],
            false,
        )
        .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_consultancy_staff_one_open_employment_hmac")
                    .table(ConsultancyStaff::Table)
                    .col(ConsultancyStaff::IdCardHmac)
                    .unique()
                    .and_where(Expr::col(ConsultancyStaff::EndedOn).is_null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in [
            "uq_consultancy_staff_one_open_employment_hmac",
            "idx_consultancy_staff_person_hmac",
        ] {
            drop_index(manager, name, ConsultancyStaff::Table).await?;
        }
        drop_columns(
            manager,
            ConsultancyStaff::Table,
            [ConsultancyStaff::IdCardHmac],
        )
        .await
    }
}
