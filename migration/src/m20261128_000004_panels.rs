//! Panels: verifiable draws and their rounds, seats, the yearly seat counters that hold the
//! cap between instances, the yearly recheck samples and the findings of rechecks with the
//! experts they trace back to.
//!
//! The one-seat-a-day rule and "one expert once per panel" are unique indexes, so two
//! instances drawing at once cannot break them; the yearly cap is a counter row per expert
//! and year that a draw raises with a conditional update (see `services::panels`).

use sea_orm_migration::prelude::*;

use crate::columns::{
    amount_null, date, fk, flag, instant, int, long_text_null, text, text_null, uuid, uuid_null,
    uuid_pk,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Cities {
    Table,
    Code,
}

#[derive(DeriveIden)]
enum Experts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Audits {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Reviews {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Consultancies {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ConsultancyStaff {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Panels {
    Table,
    Id,
    ReviewId,
    AuditId,
    ReviewKind,
    ReviewDate,
    OrganiserCityCode,
    Size,
    Composition,
    ExcludeSameCity,
    DrawnBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PanelDraws {
    Table,
    Id,
    PanelId,
    RoundNo,
    Kind,
    Algorithm,
    ReviewId,
    ReviewDate,
    ServerRandom,
    WitnessNonce,
    Seed,
    Slots,
    ReplacedSeatId,
    ReplacedSlot,
    AlreadyInvited,
    EligibleCount,
    EligibleDigest,
    PoolDigest,
    Eligible,
    ExcludedCounts,
    ExcludedTotal,
    Excluded,
    Context,
    DrawnBy,
    DrawnAt,
}

#[derive(DeriveIden)]
enum PanelSeats {
    Table,
    Id,
    PanelId,
    DrawId,
    ReviewId,
    ReviewDate,
    ExpertId,
    SlotIndex,
    Status,
    DeclineReason,
    RespondedAt,
    RespondedBy,
    ReplacesSeatId,
    AttendanceRecordedAt,
    AttendanceRecordedBy,
    Rating,
    RatingComment,
    RatedBy,
    RatedAt,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ExpertSeatCounts {
    Table,
    ExpertId,
    Year,
    Seats,
}

#[derive(DeriveIden)]
enum RecheckSamples {
    Table,
    Id,
    Year,
    Rate,
    ReviewDate,
    Algorithm,
    ServerRandom,
    WitnessNonce,
    Seed,
    PopulationCount,
    PopulationDigest,
    Population,
    SampleSize,
    DrawnBy,
    DrawnAt,
}

#[derive(DeriveIden)]
enum RecheckSampleItems {
    Table,
    SampleId,
    Position,
    SampledReviewId,
    AuditId,
    RecheckReviewId,
}

#[derive(DeriveIden)]
enum RecheckFindings {
    Table,
    Id,
    ReviewId,
    AuditId,
    Year,
    CityCode,
    Kind,
    Description,
    ConsultancyId,
    LeadAuditorStaffId,
    RecordedBy,
    RecordedAt,
}

#[derive(DeriveIden)]
enum RecheckFindingExperts {
    Table,
    FindingId,
    SeatId,
    ExpertId,
    PassedReviewId,
}

async fn index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden,
    cols: Vec<DynIden>,
) -> Result<(), DbErr> {
    let mut index = Index::create();
    index.name(name).table(table);
    for col in cols {
        index.col(col);
    }
    manager.create_index(index.to_owned()).await
}

macro_rules! cols {
    ($($c:expr),+ $(,)?) => { vec![$($c.into_iden()),+] };
}

fn long_text(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).text().not_null().to_owned()
}

fn blob(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).blob().not_null().to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Panels::Table)
                    .col(uuid_pk(Panels::Id))
                    .col(uuid(Panels::ReviewId))
                    .col(uuid(Panels::AuditId))
                    .col(text(Panels::ReviewKind))
                    .col(date(Panels::ReviewDate))
                    .col(text_null(Panels::OrganiserCityCode))
                    .col(int(Panels::Size))
                    .col(long_text(Panels::Composition))
                    .col(flag(Panels::ExcludeSameCity))
                    .col(uuid_null(Panels::DrawnBy))
                    .col(instant(Panels::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_panels_review",
                        (Panels::Table, Panels::ReviewId),
                        (Reviews::Table, Reviews::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_panels_audit",
                        (Panels::Table, Panels::AuditId),
                        (Audits::Table, Audits::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_panels_organiser_city",
                        (Panels::Table, Panels::OrganiserCityCode),
                        (Cities::Table, Cities::Code),
                    ))
                    .to_owned(),
            )
            .await?;
        // One panel per review: a second draw, from any instance, is refused here.
        manager
            .create_index(
                Index::create()
                    .name("uq_panels_review")
                    .table(Panels::Table)
                    .col(Panels::ReviewId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_panels_audit",
            Panels::Table,
            cols![Panels::AuditId],
        )
        .await?;
        index(
            manager,
            "idx_panels_organiser_date",
            Panels::Table,
            cols![Panels::OrganiserCityCode, Panels::ReviewDate],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(PanelDraws::Table)
                    .col(uuid_pk(PanelDraws::Id))
                    .col(uuid(PanelDraws::PanelId))
                    .col(int(PanelDraws::RoundNo))
                    .col(text(PanelDraws::Kind))
                    .col(text(PanelDraws::Algorithm))
                    .col(uuid(PanelDraws::ReviewId))
                    .col(date(PanelDraws::ReviewDate))
                    .col(text(PanelDraws::ServerRandom))
                    .col(long_text(PanelDraws::WitnessNonce))
                    .col(text(PanelDraws::Seed))
                    .col(long_text(PanelDraws::Slots))
                    .col(uuid_null(PanelDraws::ReplacedSeatId))
                    .col(ColumnDef::new(PanelDraws::ReplacedSlot).integer().null())
                    .col(long_text(PanelDraws::AlreadyInvited))
                    .col(int(PanelDraws::EligibleCount))
                    .col(text(PanelDraws::EligibleDigest))
                    .col(text(PanelDraws::PoolDigest))
                    .col(blob(PanelDraws::Eligible))
                    .col(long_text(PanelDraws::ExcludedCounts))
                    .col(int(PanelDraws::ExcludedTotal))
                    .col(blob(PanelDraws::Excluded))
                    .col(long_text(PanelDraws::Context))
                    .col(uuid_null(PanelDraws::DrawnBy))
                    .col(instant(PanelDraws::DrawnAt))
                    .foreign_key(&mut fk(
                        "fk_panel_draws_panel",
                        (PanelDraws::Table, PanelDraws::PanelId),
                        (Panels::Table, Panels::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        // Rounds are numbered per panel; two replacements racing for the same number collide.
        manager
            .create_index(
                Index::create()
                    .name("uq_panel_draws_round")
                    .table(PanelDraws::Table)
                    .col(PanelDraws::PanelId)
                    .col(PanelDraws::RoundNo)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PanelSeats::Table)
                    .col(uuid_pk(PanelSeats::Id))
                    .col(uuid(PanelSeats::PanelId))
                    .col(uuid(PanelSeats::DrawId))
                    .col(uuid(PanelSeats::ReviewId))
                    .col(date(PanelSeats::ReviewDate))
                    .col(uuid(PanelSeats::ExpertId))
                    .col(int(PanelSeats::SlotIndex))
                    .col(text(PanelSeats::Status))
                    .col(text_null(PanelSeats::DeclineReason))
                    .col(
                        ColumnDef::new(PanelSeats::RespondedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(uuid_null(PanelSeats::RespondedBy))
                    .col(uuid_null(PanelSeats::ReplacesSeatId))
                    .col(
                        ColumnDef::new(PanelSeats::AttendanceRecordedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(uuid_null(PanelSeats::AttendanceRecordedBy))
                    .col(amount_null(PanelSeats::Rating))
                    .col(long_text_null(PanelSeats::RatingComment))
                    .col(uuid_null(PanelSeats::RatedBy))
                    .col(
                        ColumnDef::new(PanelSeats::RatedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(int(PanelSeats::Version))
                    .col(instant(PanelSeats::CreatedAt))
                    .col(instant(PanelSeats::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_panel_seats_panel",
                        (PanelSeats::Table, PanelSeats::PanelId),
                        (Panels::Table, Panels::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_panel_seats_draw",
                        (PanelSeats::Table, PanelSeats::DrawId),
                        (PanelDraws::Table, PanelDraws::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_panel_seats_review",
                        (PanelSeats::Table, PanelSeats::ReviewId),
                        (Reviews::Table, Reviews::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_panel_seats_expert",
                        (PanelSeats::Table, PanelSeats::ExpertId),
                        (Experts::Table, Experts::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_panel_seats_replaces",
                        (PanelSeats::Table, PanelSeats::ReplacesSeatId),
                        (PanelSeats::Table, PanelSeats::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        // A seat that stands (anything but DECLINED) holds its expert's day: no expert sits
        // on two panels on one day, whichever instance draws.
        manager
            .create_index(
                Index::create()
                    .name("uq_panel_seats_expert_day")
                    .table(PanelSeats::Table)
                    .col(PanelSeats::ExpertId)
                    .col(PanelSeats::ReviewDate)
                    .unique()
                    .and_where(Expr::col(PanelSeats::Status).ne("DECLINED"))
                    .to_owned(),
            )
            .await?;
        // Nobody is invited to one panel twice (a replacement never re-draws a decliner).
        manager
            .create_index(
                Index::create()
                    .name("uq_panel_seats_panel_expert")
                    .table(PanelSeats::Table)
                    .col(PanelSeats::PanelId)
                    .col(PanelSeats::ExpertId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // One standing seat per slot, and one replacement per declined seat.
        manager
            .create_index(
                Index::create()
                    .name("uq_panel_seats_panel_slot")
                    .table(PanelSeats::Table)
                    .col(PanelSeats::PanelId)
                    .col(PanelSeats::SlotIndex)
                    .unique()
                    .and_where(Expr::col(PanelSeats::Status).ne("DECLINED"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_panel_seats_replaces")
                    .table(PanelSeats::Table)
                    .col(PanelSeats::ReplacesSeatId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "idx_panel_seats_day",
                cols![PanelSeats::ReviewDate, PanelSeats::Status],
            ),
            (
                "idx_panel_seats_expert",
                cols![PanelSeats::ExpertId, PanelSeats::ReviewDate],
            ),
            ("idx_panel_seats_review", cols![PanelSeats::ReviewId]),
            ("idx_panel_seats_draw", cols![PanelSeats::DrawId]),
        ] {
            index(manager, name, PanelSeats::Table, cols).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(ExpertSeatCounts::Table)
                    .col(uuid(ExpertSeatCounts::ExpertId))
                    .col(int(ExpertSeatCounts::Year))
                    .col(int(ExpertSeatCounts::Seats))
                    .primary_key(
                        Index::create()
                            .col(ExpertSeatCounts::ExpertId)
                            .col(ExpertSeatCounts::Year),
                    )
                    .foreign_key(&mut fk(
                        "fk_expert_seat_counts_expert",
                        (ExpertSeatCounts::Table, ExpertSeatCounts::ExpertId),
                        (Experts::Table, Experts::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        // The draw reads only who has reached the cap in the year.
        index(
            manager,
            "idx_expert_seat_counts_year",
            ExpertSeatCounts::Table,
            cols![ExpertSeatCounts::Year, ExpertSeatCounts::Seats],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(RecheckSamples::Table)
                    .col(uuid_pk(RecheckSamples::Id))
                    .col(int(RecheckSamples::Year))
                    .col(text(RecheckSamples::Rate))
                    .col(date(RecheckSamples::ReviewDate))
                    .col(text(RecheckSamples::Algorithm))
                    .col(text(RecheckSamples::ServerRandom))
                    .col(long_text(RecheckSamples::WitnessNonce))
                    .col(text(RecheckSamples::Seed))
                    .col(int(RecheckSamples::PopulationCount))
                    .col(text(RecheckSamples::PopulationDigest))
                    .col(long_text(RecheckSamples::Population))
                    .col(int(RecheckSamples::SampleSize))
                    .col(uuid_null(RecheckSamples::DrawnBy))
                    .col(instant(RecheckSamples::DrawnAt))
                    .to_owned(),
            )
            .await?;
        // The year's sample is drawn once.
        manager
            .create_index(
                Index::create()
                    .name("uq_recheck_samples_year")
                    .table(RecheckSamples::Table)
                    .col(RecheckSamples::Year)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RecheckSampleItems::Table)
                    .col(uuid(RecheckSampleItems::SampleId))
                    .col(int(RecheckSampleItems::Position))
                    .col(uuid(RecheckSampleItems::SampledReviewId))
                    .col(uuid(RecheckSampleItems::AuditId))
                    .col(uuid(RecheckSampleItems::RecheckReviewId))
                    .primary_key(
                        Index::create()
                            .col(RecheckSampleItems::SampleId)
                            .col(RecheckSampleItems::Position),
                    )
                    .foreign_key(&mut fk(
                        "fk_recheck_sample_items_sample",
                        (RecheckSampleItems::Table, RecheckSampleItems::SampleId),
                        (RecheckSamples::Table, RecheckSamples::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_recheck_sample_items_sampled",
                        (
                            RecheckSampleItems::Table,
                            RecheckSampleItems::SampledReviewId,
                        ),
                        (Reviews::Table, Reviews::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_recheck_sample_items_audit",
                        (RecheckSampleItems::Table, RecheckSampleItems::AuditId),
                        (Audits::Table, Audits::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_recheck_sample_items_recheck",
                        (
                            RecheckSampleItems::Table,
                            RecheckSampleItems::RecheckReviewId,
                        ),
                        (Reviews::Table, Reviews::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "idx_recheck_sample_items_sampled",
                cols![RecheckSampleItems::SampledReviewId],
            ),
            (
                "idx_recheck_sample_items_recheck",
                cols![RecheckSampleItems::RecheckReviewId],
            ),
        ] {
            index(manager, name, RecheckSampleItems::Table, cols).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(RecheckFindings::Table)
                    .col(uuid_pk(RecheckFindings::Id))
                    .col(uuid(RecheckFindings::ReviewId))
                    .col(uuid(RecheckFindings::AuditId))
                    .col(int(RecheckFindings::Year))
                    .col(text(RecheckFindings::CityCode))
                    .col(text(RecheckFindings::Kind))
                    .col(long_text(RecheckFindings::Description))
                    .col(uuid_null(RecheckFindings::ConsultancyId))
                    .col(uuid_null(RecheckFindings::LeadAuditorStaffId))
                    .col(uuid_null(RecheckFindings::RecordedBy))
                    .col(instant(RecheckFindings::RecordedAt))
                    .foreign_key(&mut fk(
                        "fk_recheck_findings_review",
                        (RecheckFindings::Table, RecheckFindings::ReviewId),
                        (Reviews::Table, Reviews::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_recheck_findings_audit",
                        (RecheckFindings::Table, RecheckFindings::AuditId),
                        (Audits::Table, Audits::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_recheck_findings_consultancy",
                        (RecheckFindings::Table, RecheckFindings::ConsultancyId),
                        (Consultancies::Table, Consultancies::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_recheck_findings_lead_auditor",
                        (RecheckFindings::Table, RecheckFindings::LeadAuditorStaffId),
                        (ConsultancyStaff::Table, ConsultancyStaff::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "idx_recheck_findings_review",
                cols![RecheckFindings::ReviewId],
            ),
            (
                "idx_recheck_findings_audit",
                cols![RecheckFindings::AuditId],
            ),
            (
                "idx_recheck_findings_consultancy_year",
                cols![RecheckFindings::ConsultancyId, RecheckFindings::Year],
            ),
            (
                "idx_recheck_findings_lead_auditor",
                cols![RecheckFindings::LeadAuditorStaffId],
            ),
            (
                "idx_recheck_findings_city_year",
                cols![RecheckFindings::CityCode, RecheckFindings::Year],
            ),
            (
                "idx_recheck_findings_year_kind",
                cols![RecheckFindings::Year, RecheckFindings::Kind],
            ),
        ] {
            index(manager, name, RecheckFindings::Table, cols).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(RecheckFindingExperts::Table)
                    .col(uuid(RecheckFindingExperts::FindingId))
                    .col(uuid(RecheckFindingExperts::SeatId))
                    .col(uuid(RecheckFindingExperts::ExpertId))
                    .col(uuid(RecheckFindingExperts::PassedReviewId))
                    .primary_key(
                        Index::create()
                            .col(RecheckFindingExperts::FindingId)
                            .col(RecheckFindingExperts::SeatId),
                    )
                    .foreign_key(&mut fk(
                        "fk_recheck_finding_experts_finding",
                        (
                            RecheckFindingExperts::Table,
                            RecheckFindingExperts::FindingId,
                        ),
                        (RecheckFindings::Table, RecheckFindings::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_recheck_finding_experts_seat",
                        (RecheckFindingExperts::Table, RecheckFindingExperts::SeatId),
                        (PanelSeats::Table, PanelSeats::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_recheck_finding_experts_expert",
                        (
                            RecheckFindingExperts::Table,
                            RecheckFindingExperts::ExpertId,
                        ),
                        (Experts::Table, Experts::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_recheck_finding_experts_review",
                        (
                            RecheckFindingExperts::Table,
                            RecheckFindingExperts::PassedReviewId,
                        ),
                        (Reviews::Table, Reviews::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_recheck_finding_experts_expert",
            RecheckFindingExperts::Table,
            cols![RecheckFindingExperts::ExpertId],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            RecheckFindingExperts::Table.into_iden(),
            RecheckFindings::Table.into_iden(),
            RecheckSampleItems::Table.into_iden(),
            RecheckSamples::Table.into_iden(),
            ExpertSeatCounts::Table.into_iden(),
            PanelSeats::Table.into_iden(),
            PanelDraws::Table.into_iden(),
            Panels::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
