//! Less written per draw, found under the benchmark's run of draws (`bench/run.sh`):
//! - `expert_pool_snapshots`: each pool a round is drawn from, stored once, named by the
//!   SHA-256 of its bytes; `panel_draws.pool_snapshot` names a round's. Rounds drawn from
//!   now on store their eligible and excluded lists as bits and reason sets against it
//!   (`rules::draw_record`, version 2): about 1 KB a round instead of about 37 KB at 2 000
//!   experts. Rounds stored before keep their self-contained lists (version 1).
//! - The index that keeps an expert to one standing seat a day leads with the date, not the
//!   expert: a batch of draws on a few dates writes a few of its pages, not one per seat.
//! - Seat counters are keyed by (year, expert), so a year's counters lie together; on SQLite
//!   the table has no rowid, one B-tree instead of two.
//! - Two of a seat's nine indexes go or shrink: nothing looks seats up by their draw, and
//!   the one replacement per declined seat is kept by a unique index of replacements only
//!   (a first draw's seats replace nobody).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

use crate::columns::{instant, int, table};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ExpertPoolSnapshots {
    Table,
    Name,
    Experts,
    Entries,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PanelSeats {
    Table,
    ExpertId,
    ReviewDate,
    Status,
    DrawId,
    ReplacesSeatId,
}

const DAY_EXPERT: &str = "uq_panel_seats_day_expert";
const EXPERT_DAY: &str = "uq_panel_seats_expert_day";
const BY_DRAW: &str = "idx_panel_seats_draw";
const REPLACES: &str = "uq_panel_seats_replaces";
const REPLACEMENT: &str = "uq_panel_seats_replacement";

/// One replacement per declined seat: with `only_replacements`, seats that replace nobody
/// stay out of the index (they could never collide). The two forms have different names:
/// on SQLite, another pooled connection may not have seen the old one dropped yet.
fn replaces_index(only_replacements: bool) -> IndexCreateStatement {
    let mut index = Index::create()
        .name(if only_replacements {
            REPLACEMENT
        } else {
            REPLACES
        })
        .table(PanelSeats::Table)
        .col(PanelSeats::ReplacesSeatId)
        .unique()
        .to_owned();
    if only_replacements {
        index.and_where(Expr::col(PanelSeats::ReplacesSeatId).is_not_null());
    }
    index
}

fn drop_seat_index(name: &str) -> IndexDropStatement {
    Index::drop().name(name).table(PanelSeats::Table).to_owned()
}

/// A standing seat holds its expert's day (see `m20261128_000004_panels`), keyed `first`.
fn standing_seat_index(name: &str, first: PanelSeats, second: PanelSeats) -> IndexCreateStatement {
    Index::create()
        .name(name)
        .table(PanelSeats::Table)
        .col(first)
        .col(second)
        .unique()
        .and_where(Expr::col(PanelSeats::Status).ne("DECLINED"))
        .to_owned()
}

/// The seat counters rebuilt on SQLite with the key `(key)`, with or without a rowid.
fn sqlite_seat_counts(key: &str, rowid: bool) -> String {
    format!(
        r#"CREATE TABLE "expert_seat_counts_rebuilt" (
             "expert_id" uuid_text NOT NULL,
             "year" integer NOT NULL,
             "seats" integer NOT NULL,
             PRIMARY KEY ({key}),
             FOREIGN KEY ("expert_id") REFERENCES "experts" ("id") ON DELETE RESTRICT
           ){without};
           INSERT INTO "expert_seat_counts_rebuilt" ("expert_id", "year", "seats")
             SELECT "expert_id", "year", "seats" FROM "expert_seat_counts";
           DROP TABLE "expert_seat_counts";
           ALTER TABLE "expert_seat_counts_rebuilt" RENAME TO "expert_seat_counts";
           CREATE INDEX "idx_expert_seat_counts_year" ON "expert_seat_counts" ("year", "seats");"#,
        without = if rowid { "" } else { " WITHOUT ROWID" },
    )
}

/// Keys the seat counters by (year, expert) when `year_first`, else by (expert, year).
async fn key_seat_counts(manager: &SchemaManager<'_>, year_first: bool) -> Result<(), DbErr> {
    let key = if year_first {
        r#""year", "expert_id""#
    } else {
        r#""expert_id", "year""#
    };
    let sql = match manager.get_database_backend() {
        DatabaseBackend::Postgres => format!(
            r#"ALTER TABLE "expert_seat_counts"
                 DROP CONSTRAINT "expert_seat_counts_pkey",
                 ADD PRIMARY KEY ({key})"#
        ),
        // SQLite cannot change a key in place: the table is rebuilt, without a rowid when the
        // year leads.
        _ => sqlite_seat_counts(key, !year_first),
    };
    manager.get_connection().execute_unprepared(&sql).await?;
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        table(ExpertPoolSnapshots::Table)
            .cols([
                ColumnDef::new(ExpertPoolSnapshots::Name)
                    .string_len(64)
                    .not_null()
                    .primary_key()
                    .to_owned(),
                int(ExpertPoolSnapshots::Experts),
                ColumnDef::new(ExpertPoolSnapshots::Entries)
                    .blob()
                    .not_null()
                    .to_owned(),
                instant(ExpertPoolSnapshots::CreatedAt),
            ])
            .create(manager)
            .await?;
        let db = manager.get_connection();
        // One statement both databases take: a nullable column with its reference (SQLite
        // cannot add a constraint to an existing table any other way).
        db.execute_unprepared(
            r#"ALTER TABLE "panel_draws" ADD COLUMN "pool_snapshot" varchar(64) NULL
                 REFERENCES "expert_pool_snapshots" ("name") ON DELETE RESTRICT"#,
        )
        .await?;

        manager
            .create_index(standing_seat_index(
                DAY_EXPERT,
                PanelSeats::ReviewDate,
                PanelSeats::ExpertId,
            ))
            .await?;
        manager.drop_index(drop_seat_index(EXPERT_DAY)).await?;
        manager.drop_index(drop_seat_index(BY_DRAW)).await?;
        manager.drop_index(drop_seat_index(REPLACES)).await?;
        manager.create_index(replaces_index(true)).await?;

        key_seat_counts(manager, true).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        key_seat_counts(manager, false).await?;
        manager
            .create_index(standing_seat_index(
                EXPERT_DAY,
                PanelSeats::ExpertId,
                PanelSeats::ReviewDate,
            ))
            .await?;
        manager.drop_index(drop_seat_index(DAY_EXPERT)).await?;
        manager.drop_index(drop_seat_index(REPLACEMENT)).await?;
        manager.create_index(replaces_index(false)).await?;
        manager
            .create_index(
                Index::create()
                    .name(BY_DRAW)
                    .table(PanelSeats::Table)
                    .col(PanelSeats::DrawId)
                    .to_owned(),
            )
            .await?;
        // Rounds stored against a snapshot cannot be read without it: going down loses them.
        db.execute_unprepared(r#"ALTER TABLE "panel_draws" DROP COLUMN "pool_snapshot""#)
            .await?;
        manager
            .drop_table(Table::drop().table(ExpertPoolSnapshots::Table).to_owned())
            .await?;
        Ok(())
    }
}
