//! Consultancy appraisal (咨询机构考评): the year's scheme and publication state, appraisals
//! with their deductions and history, the ranking frozen at publication, and violations
//! (penalty decisions) published for credit management.

use sea_orm_migration::prelude::*;

use crate::columns::{
    Cities, Consultancies, NewTable, amount, create_tables, date, drop_tables, flag, instant,
    instant_null, int, int_null, int_pk, long_text_null, table, text, text_null, uuid, uuid_null,
    uuid_pk, versioned,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AppraisalYears {
    Table,
    Year,
    SchemeSource,
    WeightCapacityBuilding,
    WeightReportQuality,
    WeightPersonnelManagement,
    WeightServiceQuality,
    WeightServiceQuantity,
    BandExcellent,
    BandGood,
    BandQualified,
    SchemeSetBy,
    SchemeSetAt,
    PublishedAt,
    PublishedBy,
    EntryCount,
    PreviousYear,
}

#[derive(DeriveIden)]
enum AppraisalFindingRules {
    Table,
    Year,
    FindingKind,
    Points,
    Veto,
}

#[derive(DeriveIden)]
enum Appraisals {
    Table,
    Id,
    ConsultancyId,
    Year,
    CapacityBuilding,
    ReportQuality,
    PersonnelManagement,
    ServiceQuality,
    ServiceQuantity,
    WeightCapacityBuilding,
    WeightReportQuality,
    WeightPersonnelManagement,
    WeightServiceQuality,
    WeightServiceQuantity,
    TotalDeduction,
    Total,
    Grade,
    Vetoed,
    AuditsServed,
    EvaluationsHeld,
    EvaluationsPassed,
    AcceptancesHeld,
    AcceptancesPassed,
    AcceptanceFailureClients,
    ClientsThreeYears,
    LeadAuditorsOffStaff,
    RecheckFindings,
    StaffCount,
    TrainingHours,
    Warnings,
    Current,
    SupersededAt,
    RecordedBy,
    RecordedAt,
}

#[derive(DeriveIden)]
enum AppraisalDeductions {
    Table,
    Id,
    AppraisalId,
    Position,
    Source,
    FindingKind,
    FindingId,
    Reason,
    Points,
}

#[derive(DeriveIden)]
enum RankingEntries {
    Table,
    Year,
    ConsultancyId,
    AppraisalId,
    Position,
    Rank,
    Name,
    CreditCode,
    CityCode,
    Total,
    Grade,
    CapacityBuilding,
    ReportQuality,
    PersonnelManagement,
    ServiceQuality,
    ServiceQuantity,
    PreviousRank,
    RankChange,
}

#[derive(DeriveIden)]
enum Violations {
    Table,
    Id,
    SubjectKind,
    SubjectId,
    SubjectName,
    SubjectCreditCode,
    CityCode,
    Kind,
    DecisionDate,
    DecisionNumber,
    Penalty,
    Description,
    Published,
    PublishedAt,
    PublishedBy,
    RecordedBy,
    RecordedAt,
}

fn tables() -> Vec<NewTable> {
    vec![
        // One row per appraisal year: its scheme (the defaults copied in until the province
        // sets one) and, once published, who published it and when. Every write for a year
        // updates this row first, so writes and the publication of one year take turns.
        table(AppraisalYears::Table)
            .cols([
                int_pk(AppraisalYears::Year),
                text(AppraisalYears::SchemeSource),
                amount(AppraisalYears::WeightCapacityBuilding),
                amount(AppraisalYears::WeightReportQuality),
                amount(AppraisalYears::WeightPersonnelManagement),
                amount(AppraisalYears::WeightServiceQuality),
                amount(AppraisalYears::WeightServiceQuantity),
                amount(AppraisalYears::BandExcellent),
                amount(AppraisalYears::BandGood),
                amount(AppraisalYears::BandQualified),
                uuid_null(AppraisalYears::SchemeSetBy),
                instant_null(AppraisalYears::SchemeSetAt),
                instant_null(AppraisalYears::PublishedAt),
                uuid_null(AppraisalYears::PublishedBy),
                int_null(AppraisalYears::EntryCount),
                // The published year the rank changes were counted from.
                int_null(AppraisalYears::PreviousYear),
            ])
            .cols(versioned())
            .index(
                "idx_appraisal_years_published",
                [AppraisalYears::PublishedAt],
            ),
        // Per finding kind: the points one recheck finding deducts and whether it vetoes.
        table(AppraisalFindingRules::Table)
            .cols([
                int(AppraisalFindingRules::Year),
                text(AppraisalFindingRules::FindingKind),
                amount(AppraisalFindingRules::Points),
                flag(AppraisalFindingRules::Veto),
            ])
            .primary_key([
                AppraisalFindingRules::Year,
                AppraisalFindingRules::FindingKind,
            ])
            .fk(
                "fk_appraisal_finding_rules_year",
                AppraisalFindingRules::Year,
                (AppraisalYears::Table, AppraisalYears::Year),
            ),
        table(Appraisals::Table)
            .cols([
                uuid_pk(Appraisals::Id),
                uuid(Appraisals::ConsultancyId),
                int(Appraisals::Year),
                amount(Appraisals::CapacityBuilding),
                amount(Appraisals::ReportQuality),
                amount(Appraisals::PersonnelManagement),
                amount(Appraisals::ServiceQuality),
                amount(Appraisals::ServiceQuantity),
                // The weights the total was computed with, so that a breakdown (also of
                // a superseded recording) reads from the row alone.
                amount(Appraisals::WeightCapacityBuilding),
                amount(Appraisals::WeightReportQuality),
                amount(Appraisals::WeightPersonnelManagement),
                amount(Appraisals::WeightServiceQuality),
                amount(Appraisals::WeightServiceQuantity),
                amount(Appraisals::TotalDeduction),
                amount(Appraisals::Total),
                text(Appraisals::Grade),
                flag(Appraisals::Vetoed),
                int(Appraisals::AuditsServed),
                int(Appraisals::EvaluationsHeld),
                int(Appraisals::EvaluationsPassed),
                int(Appraisals::AcceptancesHeld),
                int(Appraisals::AcceptancesPassed),
                int(Appraisals::AcceptanceFailureClients),
                int(Appraisals::ClientsThreeYears),
                int(Appraisals::LeadAuditorsOffStaff),
                int(Appraisals::RecheckFindings),
                int(Appraisals::StaffCount),
                amount(Appraisals::TrainingHours),
                text(Appraisals::Warnings),
                flag(Appraisals::Current),
                instant_null(Appraisals::SupersededAt),
                uuid_null(Appraisals::RecordedBy),
                instant(Appraisals::RecordedAt),
            ])
            .fk(
                "fk_appraisals_consultancy",
                Appraisals::ConsultancyId,
                (Consultancies::Table, Consultancies::Id),
            )
            .fk(
                "fk_appraisals_year",
                Appraisals::Year,
                (AppraisalYears::Table, AppraisalYears::Year),
            )
            .index(
                "idx_appraisals_year_current",
                [Appraisals::Year, Appraisals::Current],
            )
            .index(
                "idx_appraisals_consultancy_year",
                [Appraisals::ConsultancyId, Appraisals::Year],
            )
            // One current appraisal per firm and year, also against two instances recording at
            // once.
            .unique_where(
                "uq_appraisals_one_current",
                [Appraisals::ConsultancyId, Appraisals::Year],
                Expr::col(Appraisals::Current).eq(true),
            ),
        table(AppraisalDeductions::Table)
            .cols([
                uuid_pk(AppraisalDeductions::Id),
                uuid(AppraisalDeductions::AppraisalId),
                int(AppraisalDeductions::Position),
                text(AppraisalDeductions::Source),
                text_null(AppraisalDeductions::FindingKind),
                // The recheck finding's id; no foreign key: findings live in their own
                // module's table.
                uuid_null(AppraisalDeductions::FindingId),
                text(AppraisalDeductions::Reason),
                amount(AppraisalDeductions::Points),
            ])
            .fk(
                "fk_appraisal_deductions_appraisal",
                AppraisalDeductions::AppraisalId,
                (Appraisals::Table, Appraisals::Id),
            )
            .index(
                "idx_appraisal_deductions_appraisal",
                [
                    AppraisalDeductions::AppraisalId,
                    AppraisalDeductions::Position,
                ],
            ),
        // The published ranking, frozen: names, codes and cities as they were on the day, so
        // a published year reads in one indexed query and its reports never change.
        table(RankingEntries::Table)
            .cols([
                int(RankingEntries::Year),
                uuid(RankingEntries::ConsultancyId),
                uuid(RankingEntries::AppraisalId),
                int(RankingEntries::Position),
                int(RankingEntries::Rank),
                text(RankingEntries::Name),
                text(RankingEntries::CreditCode),
                text(RankingEntries::CityCode),
                amount(RankingEntries::Total),
                text(RankingEntries::Grade),
                amount(RankingEntries::CapacityBuilding),
                amount(RankingEntries::ReportQuality),
                amount(RankingEntries::PersonnelManagement),
                amount(RankingEntries::ServiceQuality),
                amount(RankingEntries::ServiceQuantity),
                int_null(RankingEntries::PreviousRank),
                int_null(RankingEntries::RankChange),
            ])
            .primary_key([RankingEntries::Year, RankingEntries::ConsultancyId])
            .fk(
                "fk_ranking_entries_year",
                RankingEntries::Year,
                (AppraisalYears::Table, AppraisalYears::Year),
            )
            .fk(
                "fk_ranking_entries_consultancy",
                RankingEntries::ConsultancyId,
                (Consultancies::Table, Consultancies::Id),
            )
            .unique(
                "uq_ranking_entries_position",
                [RankingEntries::Year, RankingEntries::Position],
            )
            .indexed_fk(
                "ranking_entries_appraisal",
                RankingEntries::AppraisalId,
                (Appraisals::Table, Appraisals::Id),
            ),
        table(Violations::Table)
            .cols([
                uuid_pk(Violations::Id),
                text(Violations::SubjectKind),
                // An enterprise, consultancy or expert: no single foreign key fits.
                uuid(Violations::SubjectId),
                text(Violations::SubjectName),
                text_null(Violations::SubjectCreditCode),
                text_null(Violations::CityCode),
                text(Violations::Kind),
                date(Violations::DecisionDate),
                text(Violations::DecisionNumber).unique_key().to_owned(),
                text(Violations::Penalty),
                long_text_null(Violations::Description),
                flag(Violations::Published),
                instant_null(Violations::PublishedAt),
                uuid_null(Violations::PublishedBy),
                uuid_null(Violations::RecordedBy),
                instant(Violations::RecordedAt),
            ])
            .index(
                "idx_violations_published",
                [Violations::Published, Violations::Id],
            )
            .index(
                "idx_violations_subject",
                [Violations::SubjectKind, Violations::SubjectId],
            )
            .index("idx_violations_subject_id", [Violations::SubjectId])
            .indexed_fk(
                "violations_city",
                Violations::CityCode,
                (Cities::Table, Cities::Code),
            )
            .index("idx_violations_kind", [Violations::Kind])
            .index("idx_violations_decision_date", [Violations::DecisionDate]),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_tables(manager, tables()).await?;

        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, tables()).await
    }
}
