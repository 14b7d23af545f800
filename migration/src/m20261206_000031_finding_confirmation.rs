//! Recheck findings are confirmed before they are published province-wide: a recorded
//! finding waits for its consultancy's written response (陈述申辩) until a due day, then the
//! province confirms or withdraws it.
//!
//! Back-fill: a finding already published was, in effect, confirmed by its publication: it
//! becomes CONFIRMED (with no response window and no decision record). The others stay
//! RECORDED, and their consultancies get the default window (10 days) counted from the day
//! of the upgrade, China time: they were never told of them, so their time starts now.

use chrono::{Days, Duration, Utc};
use sea_orm_migration::prelude::*;

use crate::columns::{
    add_columns, add_index, date_null, instant_null, long_text_null, text_null, uuid_null,
};

/// The response window of findings recorded before this step (the server's default setting,
/// `CLEANPROD_FINDING_RESPONSE_DAYS`).
const BACKFILL_RESPONSE_DAYS: u64 = 10;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RecheckFindings {
    Table,
    Id,
    Year,
    Status,
    ResponseDueOn,
    Response,
    RespondedAt,
    RespondedBy,
    DecidedAt,
    DecidedBy,
    DecisionNote,
}

#[derive(DeriveIden)]
enum PublishedFindings {
    Table,
    FindingId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add_columns(
            manager,
            RecheckFindings::Table,
            vec![
                ColumnDef::new(RecheckFindings::Status)
                    .string()
                    .not_null()
                    .default("RECORDED")
                    .to_owned(),
                date_null(RecheckFindings::ResponseDueOn),
                long_text_null(RecheckFindings::Response),
                instant_null(RecheckFindings::RespondedAt),
                uuid_null(RecheckFindings::RespondedBy),
                instant_null(RecheckFindings::DecidedAt),
                uuid_null(RecheckFindings::DecidedBy),
                text_null(RecheckFindings::DecisionNote),
            ],
        )
        .await?;
        manager
            .exec_stmt(
                Query::update()
                    .table(RecheckFindings::Table)
                    .value(RecheckFindings::Status, "CONFIRMED")
                    .and_where(
                        Expr::col(RecheckFindings::Id).in_subquery(
                            Query::select()
                                .column(PublishedFindings::FindingId)
                                .from(PublishedFindings::Table)
                                .to_owned(),
                        ),
                    )
                    .to_owned(),
            )
            .await?;
        let china_today = (Utc::now() + Duration::hours(8)).date_naive();
        let due = china_today
            .checked_add_days(Days::new(BACKFILL_RESPONSE_DAYS))
            .unwrap_or(china_today);
        manager
            .exec_stmt(
                Query::update()
                    .table(RecheckFindings::Table)
                    .value(RecheckFindings::ResponseDueOn, due)
                    .and_where(Expr::col(RecheckFindings::Status).eq("RECORDED"))
                    .to_owned(),
            )
            .await?;
        // What a publication reads: the year's findings by status.
        add_index(
            manager,
            "idx_recheck_findings_year_status",
            RecheckFindings::Table,
            vec![RecheckFindings::Year, RecheckFindings::Status],
            false,
        )
        .await?;
        Ok(())
    }
}
