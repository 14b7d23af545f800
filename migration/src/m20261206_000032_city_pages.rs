//! A city's pages in id order without reading the whole city: its enterprises, its audits by
//! status and its open audits (the overdue list) each get an index that ends with `id`, the
//! order every page is read in. Before, a page read every matching row and sorted them: at
//! national scale (a city of 13 000 audits) 5–25 ms a page on SQLite, against 0.1–0.2 ms
//! walking the index in order and stopping at the page's end.
//!
//! `idx_audits_city_status` (city, status) is a prefix of its replacement and goes.

use sea_orm_migration::prelude::*;

use crate::columns::{add_index, drop_index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Audits {
    Table,
    CityCode,
    Status,
    Closed,
    Id,
}

#[derive(DeriveIden)]
enum Enterprises {
    Table,
    CityCode,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_index(manager, "idx_audits_city_status", Audits::Table).await?;
        add_index(
            manager,
            "idx_audits_city_status_id",
            Audits::Table,
            vec![Audits::CityCode, Audits::Status, Audits::Id],
            false,
        )
        .await?;
        add_index(
            manager,
            "idx_audits_city_closed_id",
            Audits::Table,
            vec![Audits::CityCode, Audits::Closed, Audits::Id],
            false,
        )
        .await?;
        add_index(
            manager,
            "idx_enterprises_city_id",
            Enterprises::Table,
            vec![Enterprises::CityCode, Enterprises::Id],
            false,
        )
        .await
    }
}
