//! The county level: a COUNTY_ADMIN user is bound to one county of one city, and a city may
//! delegate the evaluation and acceptance of an audit to the enterprise's county. The plan
//! keeps those of energy, steel, coking and coal chemicals, building materials, nonferrous,
//! chemicals and industrial coating with the city (原则上由市生态环境局负责); the sectors
//! table records which.

use sea_orm_migration::prelude::*;

use crate::columns::{
    add_columns, add_index, drop_columns, drop_index, flag, instant_null, text_null, uuid_null,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    County,
}

#[derive(DeriveIden)]
enum Audits {
    Table,
    CityCode,
    DelegatedCounty,
    DelegatedAt,
    DelegatedBy,
}

#[derive(DeriveIden)]
enum Sectors {
    Table,
    ReviewsStayWithCity,
}

/// The plan's sectors whose evaluations and acceptances stay with the city.
const CITY_SECTORS: [&str; 7] = [
    "ENERGY",
    "STEEL",
    "COKING_COAL_CHEMICAL",
    "BUILDING_MATERIALS",
    "NONFERROUS",
    "CHEMICAL",
    "INDUSTRIAL_COATING",
];

const DELEGATED_INDEX: &str = "idx_audits_city_delegated_county";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add_columns(manager, Users::Table, vec![text_null(Users::County)]).await?;
        add_columns(
            manager,
            Audits::Table,
            vec![
                text_null(Audits::DelegatedCounty),
                instant_null(Audits::DelegatedAt),
                uuid_null(Audits::DelegatedBy),
            ],
        )
        .await?;
        add_index(
            manager,
            DELEGATED_INDEX,
            Audits::Table,
            vec![Audits::CityCode, Audits::DelegatedCounty],
            false,
        )
        .await?;
        add_columns(
            manager,
            Sectors::Table,
            vec![flag(Sectors::ReviewsStayWithCity).default(false).to_owned()],
        )
        .await?;
        let listed = CITY_SECTORS
            .iter()
            .map(|code| format!("'{code}'"))
            .collect::<Vec<_>>()
            .join(", ");
        manager
            .get_connection()
            .execute_unprepared(&format!(
                "UPDATE sectors SET reviews_stay_with_city = TRUE WHERE code IN ({listed})"
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_columns(manager, Sectors::Table, [Sectors::ReviewsStayWithCity]).await?;
        drop_index(manager, DELEGATED_INDEX, Audits::Table).await?;
        drop_columns(
            manager,
            Audits::Table,
            [
                Audits::DelegatedCounty,
                Audits::DelegatedAt,
                Audits::DelegatedBy,
            ],
        )
        .await?;
        drop_columns(manager, Users::Table, [Users::County]).await
    }
}
