//! Consultancy appraisal (咨询机构考评): the year's scheme and publication state, appraisals
//! with their deductions and history, the ranking frozen at publication, and violations
//! (penalty decisions) published for credit management.

use sea_orm_migration::prelude::*;

use crate::columns::{
    amount, date, fk, flag, instant, int, int_null, long_text_null, text, text_null, uuid,
    uuid_null, uuid_pk,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Cities {
    Table,
    Code,
}

#[derive(DeriveIden)]
enum Consultancies {
    Table,
    Id,
}

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
    Version,
    CreatedAt,
    UpdatedAt,
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

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One row per appraisal year: its scheme (the defaults copied in until the province
        // sets one) and, once published, who published it and when. Every write for a year
        // updates this row first, so writes and the publication of one year take turns.
        manager
            .create_table(
                Table::create()
                    .table(AppraisalYears::Table)
                    .col(
                        ColumnDef::new(AppraisalYears::Year)
                            .integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(text(AppraisalYears::SchemeSource))
                    .col(amount(AppraisalYears::WeightCapacityBuilding))
                    .col(amount(AppraisalYears::WeightReportQuality))
                    .col(amount(AppraisalYears::WeightPersonnelManagement))
                    .col(amount(AppraisalYears::WeightServiceQuality))
                    .col(amount(AppraisalYears::WeightServiceQuantity))
                    .col(amount(AppraisalYears::BandExcellent))
                    .col(amount(AppraisalYears::BandGood))
                    .col(amount(AppraisalYears::BandQualified))
                    .col(uuid_null(AppraisalYears::SchemeSetBy))
                    .col(
                        ColumnDef::new(AppraisalYears::SchemeSetAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(AppraisalYears::PublishedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(uuid_null(AppraisalYears::PublishedBy))
                    .col(int_null(AppraisalYears::EntryCount))
                    // The published year the rank changes were counted from.
                    .col(int_null(AppraisalYears::PreviousYear))
                    .col(int(AppraisalYears::Version))
                    .col(instant(AppraisalYears::CreatedAt))
                    .col(instant(AppraisalYears::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_appraisal_years_published",
            AppraisalYears::Table,
            cols![AppraisalYears::PublishedAt],
        )
        .await?;

        // Per finding kind: the points one recheck finding deducts and whether it vetoes.
        manager
            .create_table(
                Table::create()
                    .table(AppraisalFindingRules::Table)
                    .col(int(AppraisalFindingRules::Year))
                    .col(text(AppraisalFindingRules::FindingKind))
                    .col(amount(AppraisalFindingRules::Points))
                    .col(flag(AppraisalFindingRules::Veto))
                    .primary_key(
                        Index::create()
                            .col(AppraisalFindingRules::Year)
                            .col(AppraisalFindingRules::FindingKind),
                    )
                    .foreign_key(&mut fk(
                        "fk_appraisal_finding_rules_year",
                        (AppraisalFindingRules::Table, AppraisalFindingRules::Year),
                        (AppraisalYears::Table, AppraisalYears::Year),
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Appraisals::Table)
                    .col(uuid_pk(Appraisals::Id))
                    .col(uuid(Appraisals::ConsultancyId))
                    .col(int(Appraisals::Year))
                    .col(amount(Appraisals::CapacityBuilding))
                    .col(amount(Appraisals::ReportQuality))
                    .col(amount(Appraisals::PersonnelManagement))
                    .col(amount(Appraisals::ServiceQuality))
                    .col(amount(Appraisals::ServiceQuantity))
                    // The weights the total was computed with, so that a breakdown (also of
                    // a superseded recording) reads from the row alone.
                    .col(amount(Appraisals::WeightCapacityBuilding))
                    .col(amount(Appraisals::WeightReportQuality))
                    .col(amount(Appraisals::WeightPersonnelManagement))
                    .col(amount(Appraisals::WeightServiceQuality))
                    .col(amount(Appraisals::WeightServiceQuantity))
                    .col(amount(Appraisals::TotalDeduction))
                    .col(amount(Appraisals::Total))
                    .col(text(Appraisals::Grade))
                    .col(flag(Appraisals::Vetoed))
                    .col(int(Appraisals::AuditsServed))
                    .col(int(Appraisals::EvaluationsHeld))
                    .col(int(Appraisals::EvaluationsPassed))
                    .col(int(Appraisals::AcceptancesHeld))
                    .col(int(Appraisals::AcceptancesPassed))
                    .col(int(Appraisals::AcceptanceFailureClients))
                    .col(int(Appraisals::ClientsThreeYears))
                    .col(int(Appraisals::LeadAuditorsOffStaff))
                    .col(int(Appraisals::RecheckFindings))
                    .col(int(Appraisals::StaffCount))
                    .col(amount(Appraisals::TrainingHours))
                    .col(text(Appraisals::Warnings))
                    .col(flag(Appraisals::Current))
                    .col(
                        ColumnDef::new(Appraisals::SupersededAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(uuid_null(Appraisals::RecordedBy))
                    .col(instant(Appraisals::RecordedAt))
                    .foreign_key(&mut fk(
                        "fk_appraisals_consultancy",
                        (Appraisals::Table, Appraisals::ConsultancyId),
                        (Consultancies::Table, Consultancies::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_appraisals_year",
                        (Appraisals::Table, Appraisals::Year),
                        (AppraisalYears::Table, AppraisalYears::Year),
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "idx_appraisals_year_current",
                cols![Appraisals::Year, Appraisals::Current],
            ),
            (
                "idx_appraisals_consultancy_year",
                cols![Appraisals::ConsultancyId, Appraisals::Year],
            ),
        ] {
            index(manager, name, Appraisals::Table, cols).await?;
        }
        // One current appraisal per firm and year, also against two instances recording at once.
        manager
            .create_index(
                Index::create()
                    .name("uq_appraisals_one_current")
                    .table(Appraisals::Table)
                    .col(Appraisals::ConsultancyId)
                    .col(Appraisals::Year)
                    .unique()
                    .and_where(Expr::col(Appraisals::Current).eq(true))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AppraisalDeductions::Table)
                    .col(uuid_pk(AppraisalDeductions::Id))
                    .col(uuid(AppraisalDeductions::AppraisalId))
                    .col(int(AppraisalDeductions::Position))
                    .col(text(AppraisalDeductions::Source))
                    .col(text_null(AppraisalDeductions::FindingKind))
                    // The recheck finding's id; no foreign key: findings live in their own
                    // module's table.
                    .col(uuid_null(AppraisalDeductions::FindingId))
                    .col(text(AppraisalDeductions::Reason))
                    .col(amount(AppraisalDeductions::Points))
                    .foreign_key(&mut fk(
                        "fk_appraisal_deductions_appraisal",
                        (AppraisalDeductions::Table, AppraisalDeductions::AppraisalId),
                        (Appraisals::Table, Appraisals::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_appraisal_deductions_appraisal",
            AppraisalDeductions::Table,
            cols![
                AppraisalDeductions::AppraisalId,
                AppraisalDeductions::Position
            ],
        )
        .await?;

        // The published ranking, frozen: names, codes and cities as they were on the day, so
        // a published year reads in one indexed query and its reports never change.
        manager
            .create_table(
                Table::create()
                    .table(RankingEntries::Table)
                    .col(int(RankingEntries::Year))
                    .col(uuid(RankingEntries::ConsultancyId))
                    .col(uuid(RankingEntries::AppraisalId))
                    .col(int(RankingEntries::Position))
                    .col(int(RankingEntries::Rank))
                    .col(text(RankingEntries::Name))
                    .col(text(RankingEntries::CreditCode))
                    .col(text(RankingEntries::CityCode))
                    .col(amount(RankingEntries::Total))
                    .col(text(RankingEntries::Grade))
                    .col(amount(RankingEntries::CapacityBuilding))
                    .col(amount(RankingEntries::ReportQuality))
                    .col(amount(RankingEntries::PersonnelManagement))
                    .col(amount(RankingEntries::ServiceQuality))
                    .col(amount(RankingEntries::ServiceQuantity))
                    .col(int_null(RankingEntries::PreviousRank))
                    .col(int_null(RankingEntries::RankChange))
                    .primary_key(
                        Index::create()
                            .col(RankingEntries::Year)
                            .col(RankingEntries::ConsultancyId),
                    )
                    .foreign_key(&mut fk(
                        "fk_ranking_entries_year",
                        (RankingEntries::Table, RankingEntries::Year),
                        (AppraisalYears::Table, AppraisalYears::Year),
                    ))
                    .foreign_key(&mut fk(
                        "fk_ranking_entries_consultancy",
                        (RankingEntries::Table, RankingEntries::ConsultancyId),
                        (Consultancies::Table, Consultancies::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_ranking_entries_appraisal",
                        (RankingEntries::Table, RankingEntries::AppraisalId),
                        (Appraisals::Table, Appraisals::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_ranking_entries_position")
                    .table(RankingEntries::Table)
                    .col(RankingEntries::Year)
                    .col(RankingEntries::Position)
                    .unique()
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_ranking_entries_appraisal",
            RankingEntries::Table,
            cols![RankingEntries::AppraisalId],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Violations::Table)
                    .col(uuid_pk(Violations::Id))
                    .col(text(Violations::SubjectKind))
                    // An enterprise, consultancy or expert: no single foreign key fits.
                    .col(uuid(Violations::SubjectId))
                    .col(text(Violations::SubjectName))
                    .col(text_null(Violations::SubjectCreditCode))
                    .col(text_null(Violations::CityCode))
                    .col(text(Violations::Kind))
                    .col(date(Violations::DecisionDate))
                    .col(text(Violations::DecisionNumber).unique_key().to_owned())
                    .col(text(Violations::Penalty))
                    .col(long_text_null(Violations::Description))
                    .col(flag(Violations::Published))
                    .col(
                        ColumnDef::new(Violations::PublishedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(uuid_null(Violations::PublishedBy))
                    .col(uuid_null(Violations::RecordedBy))
                    .col(instant(Violations::RecordedAt))
                    .foreign_key(&mut fk(
                        "fk_violations_city",
                        (Violations::Table, Violations::CityCode),
                        (Cities::Table, Cities::Code),
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "idx_violations_published",
                cols![Violations::Published, Violations::Id],
            ),
            (
                "idx_violations_subject",
                cols![Violations::SubjectKind, Violations::SubjectId],
            ),
            ("idx_violations_subject_id", cols![Violations::SubjectId]),
            ("idx_violations_city", cols![Violations::CityCode]),
            ("idx_violations_kind", cols![Violations::Kind]),
            (
                "idx_violations_decision_date",
                cols![Violations::DecisionDate],
            ),
        ] {
            index(manager, name, Violations::Table, cols).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Violations::Table.into_iden(),
            RankingEntries::Table.into_iden(),
            AppraisalDeductions::Table.into_iden(),
            Appraisals::Table.into_iden(),
            AppraisalFindingRules::Table.into_iden(),
            AppraisalYears::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
