//! Panels: verifiable draws and their rounds, seats, the yearly seat counters that hold the
//! cap between instances, the yearly recheck samples and the findings of rechecks with the
//! experts they trace back to.
//!
//! The one-seat-a-day rule and "one expert once per panel" are unique indexes, so two
//! instances drawing at once cannot break them; the yearly cap is a counter row per expert
//! and year that a draw raises with a conditional update (see `services::panels`).

use sea_orm_migration::prelude::*;

use crate::columns::{
    Audits, Cities, Consultancies, ConsultancyStaff, Experts, NewTable, Reviews, amount_null, blob,
    create_tables, date, drop_tables, flag, instant, instant_null, int, int_null, long_text,
    long_text_null, table, text, text_null, uuid, uuid_null, uuid_pk, versioned,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

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

fn tables() -> Vec<NewTable> {
    vec![
        table(Panels::Table)
            .cols([
                uuid_pk(Panels::Id),
                uuid(Panels::ReviewId),
                uuid(Panels::AuditId),
                text(Panels::ReviewKind),
                date(Panels::ReviewDate),
                text_null(Panels::OrganiserCityCode),
                int(Panels::Size),
                long_text(Panels::Composition),
                flag(Panels::ExcludeSameCity),
                uuid_null(Panels::DrawnBy),
                instant(Panels::CreatedAt),
            ])
            .fk(
                "fk_panels_review",
                Panels::ReviewId,
                (Reviews::Table, Reviews::Id),
            )
            // One panel per review: a second draw, from any instance, is refused here.
            .unique("uq_panels_review", [Panels::ReviewId])
            .indexed_fk("panels_audit", Panels::AuditId, (Audits::Table, Audits::Id))
            .fk(
                "fk_panels_organiser_city",
                Panels::OrganiserCityCode,
                (Cities::Table, Cities::Code),
            )
            .index(
                "idx_panels_organiser_date",
                [Panels::OrganiserCityCode, Panels::ReviewDate],
            ),
        table(PanelDraws::Table)
            .cols([
                uuid_pk(PanelDraws::Id),
                uuid(PanelDraws::PanelId),
                int(PanelDraws::RoundNo),
                text(PanelDraws::Kind),
                text(PanelDraws::Algorithm),
                uuid(PanelDraws::ReviewId),
                date(PanelDraws::ReviewDate),
                text(PanelDraws::ServerRandom),
                long_text(PanelDraws::WitnessNonce),
                text(PanelDraws::Seed),
                long_text(PanelDraws::Slots),
                uuid_null(PanelDraws::ReplacedSeatId),
                int_null(PanelDraws::ReplacedSlot),
                long_text(PanelDraws::AlreadyInvited),
                int(PanelDraws::EligibleCount),
                text(PanelDraws::EligibleDigest),
                text(PanelDraws::PoolDigest),
                blob(PanelDraws::Eligible),
                long_text(PanelDraws::ExcludedCounts),
                int(PanelDraws::ExcludedTotal),
                blob(PanelDraws::Excluded),
                long_text(PanelDraws::Context),
                uuid_null(PanelDraws::DrawnBy),
                instant(PanelDraws::DrawnAt),
            ])
            .fk(
                "fk_panel_draws_panel",
                PanelDraws::PanelId,
                (Panels::Table, Panels::Id),
            )
            // Rounds are numbered per panel; two replacements racing for the same number collide.
            .unique(
                "uq_panel_draws_round",
                [PanelDraws::PanelId, PanelDraws::RoundNo],
            ),
        table(PanelSeats::Table)
            .cols([
                uuid_pk(PanelSeats::Id),
                uuid(PanelSeats::PanelId),
                uuid(PanelSeats::DrawId),
                uuid(PanelSeats::ReviewId),
                date(PanelSeats::ReviewDate),
                uuid(PanelSeats::ExpertId),
                int(PanelSeats::SlotIndex),
                text(PanelSeats::Status),
                text_null(PanelSeats::DeclineReason),
                instant_null(PanelSeats::RespondedAt),
                uuid_null(PanelSeats::RespondedBy),
                uuid_null(PanelSeats::ReplacesSeatId),
                instant_null(PanelSeats::AttendanceRecordedAt),
                uuid_null(PanelSeats::AttendanceRecordedBy),
                amount_null(PanelSeats::Rating),
                long_text_null(PanelSeats::RatingComment),
                uuid_null(PanelSeats::RatedBy),
                instant_null(PanelSeats::RatedAt),
            ])
            .cols(versioned())
            .fk(
                "fk_panel_seats_panel",
                PanelSeats::PanelId,
                (Panels::Table, Panels::Id),
            )
            .fk(
                "fk_panel_seats_draw",
                PanelSeats::DrawId,
                (PanelDraws::Table, PanelDraws::Id),
            )
            .fk(
                "fk_panel_seats_review",
                PanelSeats::ReviewId,
                (Reviews::Table, Reviews::Id),
            )
            .fk(
                "fk_panel_seats_expert",
                PanelSeats::ExpertId,
                (Experts::Table, Experts::Id),
            )
            .fk(
                "fk_panel_seats_replaces",
                PanelSeats::ReplacesSeatId,
                (PanelSeats::Table, PanelSeats::Id),
            )
            // A seat that stands (anything but DECLINED) holds its expert's day: no expert sits
            // on two panels on one day, whichever instance draws.
            .unique_where(
                "uq_panel_seats_expert_day",
                [PanelSeats::ExpertId, PanelSeats::ReviewDate],
                Expr::col(PanelSeats::Status).ne("DECLINED"),
            )
            // Nobody is invited to one panel twice (a replacement never re-draws a decliner).
            .unique(
                "uq_panel_seats_panel_expert",
                [PanelSeats::PanelId, PanelSeats::ExpertId],
            )
            // One standing seat per slot, and one replacement per declined seat.
            .unique_where(
                "uq_panel_seats_panel_slot",
                [PanelSeats::PanelId, PanelSeats::SlotIndex],
                Expr::col(PanelSeats::Status).ne("DECLINED"),
            )
            .unique("uq_panel_seats_replaces", [PanelSeats::ReplacesSeatId])
            .index(
                "idx_panel_seats_day",
                [PanelSeats::ReviewDate, PanelSeats::Status],
            )
            .index(
                "idx_panel_seats_expert",
                [PanelSeats::ExpertId, PanelSeats::ReviewDate],
            )
            .index("idx_panel_seats_review", [PanelSeats::ReviewId])
            .index("idx_panel_seats_draw", [PanelSeats::DrawId]),
        table(ExpertSeatCounts::Table)
            .cols([
                uuid(ExpertSeatCounts::ExpertId),
                int(ExpertSeatCounts::Year),
                int(ExpertSeatCounts::Seats),
            ])
            .primary_key([ExpertSeatCounts::ExpertId, ExpertSeatCounts::Year])
            .fk(
                "fk_expert_seat_counts_expert",
                ExpertSeatCounts::ExpertId,
                (Experts::Table, Experts::Id),
            )
            // The draw reads only who has reached the cap in the year.
            .index(
                "idx_expert_seat_counts_year",
                [ExpertSeatCounts::Year, ExpertSeatCounts::Seats],
            ),
        table(RecheckSamples::Table)
            .cols([
                uuid_pk(RecheckSamples::Id),
                int(RecheckSamples::Year),
                text(RecheckSamples::Rate),
                date(RecheckSamples::ReviewDate),
                text(RecheckSamples::Algorithm),
                text(RecheckSamples::ServerRandom),
                long_text(RecheckSamples::WitnessNonce),
                text(RecheckSamples::Seed),
                int(RecheckSamples::PopulationCount),
                text(RecheckSamples::PopulationDigest),
                long_text(RecheckSamples::Population),
                int(RecheckSamples::SampleSize),
                uuid_null(RecheckSamples::DrawnBy),
                instant(RecheckSamples::DrawnAt),
            ])
            // The year's sample is drawn once.
            .unique("uq_recheck_samples_year", [RecheckSamples::Year]),
        table(RecheckSampleItems::Table)
            .cols([
                uuid(RecheckSampleItems::SampleId),
                int(RecheckSampleItems::Position),
                uuid(RecheckSampleItems::SampledReviewId),
                uuid(RecheckSampleItems::AuditId),
                uuid(RecheckSampleItems::RecheckReviewId),
            ])
            .primary_key([RecheckSampleItems::SampleId, RecheckSampleItems::Position])
            .fk(
                "fk_recheck_sample_items_sample",
                RecheckSampleItems::SampleId,
                (RecheckSamples::Table, RecheckSamples::Id),
            )
            .indexed_fk(
                "recheck_sample_items_sampled",
                RecheckSampleItems::SampledReviewId,
                (Reviews::Table, Reviews::Id),
            )
            .fk(
                "fk_recheck_sample_items_audit",
                RecheckSampleItems::AuditId,
                (Audits::Table, Audits::Id),
            )
            .indexed_fk(
                "recheck_sample_items_recheck",
                RecheckSampleItems::RecheckReviewId,
                (Reviews::Table, Reviews::Id),
            ),
        table(RecheckFindings::Table)
            .cols([
                uuid_pk(RecheckFindings::Id),
                uuid(RecheckFindings::ReviewId),
                uuid(RecheckFindings::AuditId),
                int(RecheckFindings::Year),
                text(RecheckFindings::CityCode),
                text(RecheckFindings::Kind),
                long_text(RecheckFindings::Description),
                uuid_null(RecheckFindings::ConsultancyId),
                uuid_null(RecheckFindings::LeadAuditorStaffId),
                uuid_null(RecheckFindings::RecordedBy),
                instant(RecheckFindings::RecordedAt),
            ])
            .indexed_fk(
                "recheck_findings_review",
                RecheckFindings::ReviewId,
                (Reviews::Table, Reviews::Id),
            )
            .indexed_fk(
                "recheck_findings_audit",
                RecheckFindings::AuditId,
                (Audits::Table, Audits::Id),
            )
            .fk(
                "fk_recheck_findings_consultancy",
                RecheckFindings::ConsultancyId,
                (Consultancies::Table, Consultancies::Id),
            )
            .index(
                "idx_recheck_findings_consultancy_year",
                [RecheckFindings::ConsultancyId, RecheckFindings::Year],
            )
            .indexed_fk(
                "recheck_findings_lead_auditor",
                RecheckFindings::LeadAuditorStaffId,
                (ConsultancyStaff::Table, ConsultancyStaff::Id),
            )
            .index(
                "idx_recheck_findings_city_year",
                [RecheckFindings::CityCode, RecheckFindings::Year],
            )
            .index(
                "idx_recheck_findings_year_kind",
                [RecheckFindings::Year, RecheckFindings::Kind],
            ),
        table(RecheckFindingExperts::Table)
            .cols([
                uuid(RecheckFindingExperts::FindingId),
                uuid(RecheckFindingExperts::SeatId),
                uuid(RecheckFindingExperts::ExpertId),
                uuid(RecheckFindingExperts::PassedReviewId),
            ])
            .primary_key([
                RecheckFindingExperts::FindingId,
                RecheckFindingExperts::SeatId,
            ])
            .fk(
                "fk_recheck_finding_experts_finding",
                RecheckFindingExperts::FindingId,
                (RecheckFindings::Table, RecheckFindings::Id),
            )
            .fk(
                "fk_recheck_finding_experts_seat",
                RecheckFindingExperts::SeatId,
                (PanelSeats::Table, PanelSeats::Id),
            )
            .indexed_fk(
                "recheck_finding_experts_expert",
                RecheckFindingExperts::ExpertId,
                (Experts::Table, Experts::Id),
            )
            .fk(
                "fk_recheck_finding_experts_review",
                RecheckFindingExperts::PassedReviewId,
                (Reviews::Table, Reviews::Id),
            ),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_tables(manager, tables()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, tables()).await
    }
}
