//! Consultancy staff ID-card numbers encrypted at rest like experts': a keyed hash column
//! takes over uniqueness ("one open employment per person") and exact lookup.

use sea_orm_migration::prelude::*;

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
        manager
            .alter_table(
                Table::alter()
                    .table(ConsultancyStaff::Table)
                    .add_column(ColumnDef::new(ConsultancyStaff::IdCardHmac).string().null())
                    .to_owned(),
            )
            .await?;
        // The clear-text indexes go: the stored number is ciphertext from now on.
        manager
            .drop_index(
                Index::drop()
                    .name("uq_consultancy_staff_one_open_employment")
                    .table(ConsultancyStaff::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_consultancy_staff_person")
                    .table(ConsultancyStaff::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_consultancy_staff_person_hmac")
                    .table(ConsultancyStaff::Table)
                    .col(ConsultancyStaff::IdCardHmac)
                    .to_owned(),
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
            manager
                .drop_index(
                    Index::drop()
                        .name(name)
                        .table(ConsultancyStaff::Table)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(ConsultancyStaff::Table)
                    .drop_column(ConsultancyStaff::IdCardHmac)
                    .to_owned(),
            )
            .await
    }
}
