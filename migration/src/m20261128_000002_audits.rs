//! Enterprises and the mandatory directory, annual audit lists, the consultancy registry,
//! audits with their history, improvement options, reviews and certifications.

use sea_orm_migration::prelude::*;

use crate::columns::{
    amount, amount_null, date, date_null, fk, flag, flag_null, instant, int, int_null,
    long_text_null, text, text_null, uuid, uuid_null, uuid_pk,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Cities {
    Table,
    Code,
}

#[derive(DeriveIden)]
enum Sectors {
    Table,
    Code,
}

#[derive(DeriveIden)]
enum Enterprises {
    Table,
    Id,
    Name,
    CreditCode,
    CityCode,
    County,
    IndustryCode,
    Sector,
    Employees,
    OperatingRevenue,
    Scale,
    ScaleSetByAdmin,
    HighEnergyUse,
    HighWaterUse,
    HighEmissions,
    PriorityChemicals,
    MiningOperation,
    CoatingProcess,
    Mandatory,
    MandatoryRowCode,
    DirectorySinceYear,
    LastCompletedOn,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AnnualAuditLists {
    Table,
    Id,
    CityCode,
    Year,
    Status,
    SubmittedOn,
    Late,
    ReturnReason,
    PublishedOn,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AnnualAuditListEntries {
    Table,
    ListId,
    EnterpriseId,
    AddedAt,
}

#[derive(DeriveIden)]
enum AnnualListStatusChanges {
    Table,
    Id,
    ListId,
    FromStatus,
    ToStatus,
    Reason,
    ActorId,
    ChangedAt,
}

#[derive(DeriveIden)]
enum Consultancies {
    Table,
    Id,
    Name,
    CreditCode,
    CityCode,
    Address,
    ContactName,
    ContactPhone,
    Status,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ConsultancyStatusChanges {
    Table,
    Id,
    ConsultancyId,
    FromStatus,
    ToStatus,
    Reason,
    ActorId,
    ChangedAt,
}

#[derive(DeriveIden)]
enum ConsultancyStaff {
    Table,
    Id,
    ConsultancyId,
    Name,
    IdCardNumber,
    Role,
    CertificateNumber,
    StartedOn,
    EndedOn,
    EndReason,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Audits {
    Table,
    Id,
    EnterpriseId,
    CityCode,
    Year,
    ListId,
    Status,
    LastOutcome,
    Closed,
    Mode,
    NoticeDate,
    StartedOn,
    ConsultancyId,
    LeadAuditorId,
    ReportSubmittedOn,
    EvaluatedOn,
    AcceptedOn,
    AcceptanceExtendedUntil,
    ExtensionReason,
    CycleStartYear,
    DueKind,
    DueOn,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AuditTransitions {
    Table,
    Id,
    AuditId,
    Event,
    FromStatus,
    ToStatus,
    Outcome,
    OccurredOn,
    Note,
    ReviewId,
    ActorId,
    RecordedAt,
}

#[derive(DeriveIden)]
enum Reviews {
    Table,
    Id,
    AuditId,
    Kind,
    ReviewDate,
    OrganiserCityCode,
    Status,
    Outcome,
    Score,
    Opinion,
    ScheduledBy,
    RecordedBy,
    HeldAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ImprovementOptions {
    Table,
    Id,
    AuditId,
    Kind,
    Title,
    Investment,
    EconomicBenefit,
    EnergyTce,
    WaterT,
    CodT,
    AmmoniaNitrogenT,
    So2T,
    NoxT,
    ParticulatesT,
    VocsT,
    Co2T,
    Implemented,
    TechnicalRetrofit,
    AcceptedByOtherDepartment,
    OtherDepartment,
    OtherDepartmentConclusion,
    NeedsAcceptance,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Certifications {
    Table,
    Id,
    EnterpriseId,
    Level,
    CertifiedOn,
    ValidUntil,
    MeetsAuditRequirements,
    ActorId,
    CreatedAt,
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
        manager
            .create_table(
                Table::create()
                    .table(Enterprises::Table)
                    .col(uuid_pk(Enterprises::Id))
                    .col(text(Enterprises::Name))
                    .col(text(Enterprises::CreditCode).unique_key().to_owned())
                    .col(text(Enterprises::CityCode))
                    .col(text(Enterprises::County))
                    .col(text(Enterprises::IndustryCode))
                    .col(text_null(Enterprises::Sector))
                    .col(int(Enterprises::Employees))
                    .col(amount(Enterprises::OperatingRevenue))
                    .col(text(Enterprises::Scale))
                    .col(flag(Enterprises::ScaleSetByAdmin))
                    .col(flag(Enterprises::HighEnergyUse))
                    .col(flag(Enterprises::HighWaterUse))
                    .col(flag(Enterprises::HighEmissions))
                    .col(flag(Enterprises::PriorityChemicals))
                    .col(flag(Enterprises::MiningOperation))
                    .col(flag(Enterprises::CoatingProcess))
                    .col(flag(Enterprises::Mandatory))
                    .col(text_null(Enterprises::MandatoryRowCode))
                    .col(int_null(Enterprises::DirectorySinceYear))
                    .col(date_null(Enterprises::LastCompletedOn))
                    .col(int(Enterprises::Version))
                    .col(instant(Enterprises::CreatedAt))
                    .col(instant(Enterprises::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_enterprises_city",
                        (Enterprises::Table, Enterprises::CityCode),
                        (Cities::Table, Cities::Code),
                    ))
                    .foreign_key(&mut fk(
                        "fk_enterprises_sector",
                        (Enterprises::Table, Enterprises::Sector),
                        (Sectors::Table, Sectors::Code),
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "idx_enterprises_city_county",
                cols![Enterprises::CityCode, Enterprises::County],
            ),
            ("idx_enterprises_county", cols![Enterprises::County]),
            ("idx_enterprises_industry", cols![Enterprises::IndustryCode]),
            ("idx_enterprises_sector", cols![Enterprises::Sector]),
            ("idx_enterprises_scale", cols![Enterprises::Scale]),
            (
                "idx_enterprises_mandatory",
                cols![Enterprises::Mandatory, Enterprises::CityCode],
            ),
            (
                "idx_enterprises_directory",
                cols![Enterprises::DirectorySinceYear, Enterprises::CityCode],
            ),
            (
                "idx_enterprises_last_completed",
                cols![Enterprises::LastCompletedOn],
            ),
        ] {
            index(manager, name, Enterprises::Table, cols).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(AnnualAuditLists::Table)
                    .col(uuid_pk(AnnualAuditLists::Id))
                    .col(text(AnnualAuditLists::CityCode))
                    .col(int(AnnualAuditLists::Year))
                    .col(text(AnnualAuditLists::Status))
                    .col(date_null(AnnualAuditLists::SubmittedOn))
                    .col(flag_null(AnnualAuditLists::Late))
                    .col(text_null(AnnualAuditLists::ReturnReason))
                    .col(date_null(AnnualAuditLists::PublishedOn))
                    .col(int(AnnualAuditLists::Version))
                    .col(instant(AnnualAuditLists::CreatedAt))
                    .col(instant(AnnualAuditLists::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_annual_audit_lists_city",
                        (AnnualAuditLists::Table, AnnualAuditLists::CityCode),
                        (Cities::Table, Cities::Code),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_annual_audit_lists_city_year")
                    .table(AnnualAuditLists::Table)
                    .col(AnnualAuditLists::CityCode)
                    .col(AnnualAuditLists::Year)
                    .unique()
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_annual_audit_lists_year_status",
            AnnualAuditLists::Table,
            cols![AnnualAuditLists::Year, AnnualAuditLists::Status],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(AnnualAuditListEntries::Table)
                    .col(uuid(AnnualAuditListEntries::ListId))
                    .col(uuid(AnnualAuditListEntries::EnterpriseId))
                    .col(instant(AnnualAuditListEntries::AddedAt))
                    .primary_key(
                        Index::create()
                            .col(AnnualAuditListEntries::ListId)
                            .col(AnnualAuditListEntries::EnterpriseId),
                    )
                    .foreign_key(&mut fk(
                        "fk_annual_audit_list_entries_list",
                        (
                            AnnualAuditListEntries::Table,
                            AnnualAuditListEntries::ListId,
                        ),
                        (AnnualAuditLists::Table, AnnualAuditLists::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_annual_audit_list_entries_enterprise",
                        (
                            AnnualAuditListEntries::Table,
                            AnnualAuditListEntries::EnterpriseId,
                        ),
                        (Enterprises::Table, Enterprises::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_annual_audit_list_entries_enterprise",
            AnnualAuditListEntries::Table,
            cols![AnnualAuditListEntries::EnterpriseId],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(AnnualListStatusChanges::Table)
                    .col(uuid_pk(AnnualListStatusChanges::Id))
                    .col(uuid(AnnualListStatusChanges::ListId))
                    .col(text_null(AnnualListStatusChanges::FromStatus))
                    .col(text(AnnualListStatusChanges::ToStatus))
                    .col(text_null(AnnualListStatusChanges::Reason))
                    .col(uuid_null(AnnualListStatusChanges::ActorId))
                    .col(instant(AnnualListStatusChanges::ChangedAt))
                    .foreign_key(&mut fk(
                        "fk_annual_list_status_changes_list",
                        (
                            AnnualListStatusChanges::Table,
                            AnnualListStatusChanges::ListId,
                        ),
                        (AnnualAuditLists::Table, AnnualAuditLists::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_annual_list_status_changes_list",
            AnnualListStatusChanges::Table,
            cols![AnnualListStatusChanges::ListId],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Consultancies::Table)
                    .col(uuid_pk(Consultancies::Id))
                    .col(text(Consultancies::Name))
                    .col(text(Consultancies::CreditCode).unique_key().to_owned())
                    .col(text(Consultancies::CityCode))
                    .col(text(Consultancies::Address))
                    .col(text(Consultancies::ContactName))
                    .col(text(Consultancies::ContactPhone))
                    .col(text(Consultancies::Status))
                    .col(int(Consultancies::Version))
                    .col(instant(Consultancies::CreatedAt))
                    .col(instant(Consultancies::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_consultancies_city",
                        (Consultancies::Table, Consultancies::CityCode),
                        (Cities::Table, Cities::Code),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_consultancies_city",
            Consultancies::Table,
            cols![Consultancies::CityCode],
        )
        .await?;
        index(
            manager,
            "idx_consultancies_status",
            Consultancies::Table,
            cols![Consultancies::Status],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(ConsultancyStatusChanges::Table)
                    .col(uuid_pk(ConsultancyStatusChanges::Id))
                    .col(uuid(ConsultancyStatusChanges::ConsultancyId))
                    .col(text_null(ConsultancyStatusChanges::FromStatus))
                    .col(text(ConsultancyStatusChanges::ToStatus))
                    .col(text(ConsultancyStatusChanges::Reason))
                    .col(uuid_null(ConsultancyStatusChanges::ActorId))
                    .col(instant(ConsultancyStatusChanges::ChangedAt))
                    .foreign_key(&mut fk(
                        "fk_consultancy_status_changes_consultancy",
                        (
                            ConsultancyStatusChanges::Table,
                            ConsultancyStatusChanges::ConsultancyId,
                        ),
                        (Consultancies::Table, Consultancies::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_consultancy_status_changes_consultancy",
            ConsultancyStatusChanges::Table,
            cols![ConsultancyStatusChanges::ConsultancyId],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(ConsultancyStaff::Table)
                    .col(uuid_pk(ConsultancyStaff::Id))
                    .col(uuid(ConsultancyStaff::ConsultancyId))
                    .col(text(ConsultancyStaff::Name))
                    .col(text(ConsultancyStaff::IdCardNumber))
                    .col(text(ConsultancyStaff::Role))
                    .col(text_null(ConsultancyStaff::CertificateNumber))
                    .col(date(ConsultancyStaff::StartedOn))
                    .col(date_null(ConsultancyStaff::EndedOn))
                    .col(text_null(ConsultancyStaff::EndReason))
                    .col(instant(ConsultancyStaff::CreatedAt))
                    .col(instant(ConsultancyStaff::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_consultancy_staff_consultancy",
                        (ConsultancyStaff::Table, ConsultancyStaff::ConsultancyId),
                        (Consultancies::Table, Consultancies::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_consultancy_staff_consultancy",
            ConsultancyStaff::Table,
            cols![ConsultancyStaff::ConsultancyId, ConsultancyStaff::StartedOn],
        )
        .await?;
        index(
            manager,
            "idx_consultancy_staff_person",
            ConsultancyStaff::Table,
            cols![ConsultancyStaff::IdCardNumber],
        )
        .await?;
        // A person holds one open employment at a time, even against two concurrent hires.
        manager
            .create_index(
                Index::create()
                    .name("uq_consultancy_staff_one_open_employment")
                    .table(ConsultancyStaff::Table)
                    .col(ConsultancyStaff::IdCardNumber)
                    .unique()
                    .and_where(Expr::col(ConsultancyStaff::EndedOn).is_null())
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Audits::Table)
                    .col(uuid_pk(Audits::Id))
                    .col(uuid(Audits::EnterpriseId))
                    .col(text(Audits::CityCode))
                    .col(int(Audits::Year))
                    .col(uuid_null(Audits::ListId))
                    .col(text(Audits::Status))
                    .col(text_null(Audits::LastOutcome))
                    .col(flag(Audits::Closed))
                    .col(text(Audits::Mode))
                    .col(date(Audits::NoticeDate))
                    .col(date_null(Audits::StartedOn))
                    .col(uuid_null(Audits::ConsultancyId))
                    .col(uuid_null(Audits::LeadAuditorId))
                    .col(date_null(Audits::ReportSubmittedOn))
                    .col(date_null(Audits::EvaluatedOn))
                    .col(date_null(Audits::AcceptedOn))
                    .col(date_null(Audits::AcceptanceExtendedUntil))
                    .col(text_null(Audits::ExtensionReason))
                    .col(int(Audits::CycleStartYear))
                    .col(text_null(Audits::DueKind))
                    .col(date_null(Audits::DueOn))
                    .col(int(Audits::Version))
                    .col(instant(Audits::CreatedAt))
                    .col(instant(Audits::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_audits_enterprise",
                        (Audits::Table, Audits::EnterpriseId),
                        (Enterprises::Table, Enterprises::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_audits_city",
                        (Audits::Table, Audits::CityCode),
                        (Cities::Table, Cities::Code),
                    ))
                    .foreign_key(&mut fk(
                        "fk_audits_list",
                        (Audits::Table, Audits::ListId),
                        (AnnualAuditLists::Table, AnnualAuditLists::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_audits_consultancy",
                        (Audits::Table, Audits::ConsultancyId),
                        (Consultancies::Table, Consultancies::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_audits_lead_auditor",
                        (Audits::Table, Audits::LeadAuditorId),
                        (ConsultancyStaff::Table, ConsultancyStaff::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("idx_audits_enterprise", cols![Audits::EnterpriseId]),
            (
                "idx_audits_city_year",
                cols![Audits::CityCode, Audits::Year],
            ),
            (
                "idx_audits_year_status",
                cols![Audits::Year, Audits::Status],
            ),
            ("idx_audits_status", cols![Audits::Status]),
            ("idx_audits_consultancy", cols![Audits::ConsultancyId]),
            ("idx_audits_lead_auditor", cols![Audits::LeadAuditorId]),
            ("idx_audits_list", cols![Audits::ListId]),
            ("idx_audits_due", cols![Audits::Closed, Audits::DueOn]),
            ("idx_audits_notice_date", cols![Audits::NoticeDate]),
        ] {
            index(manager, name, Audits::Table, cols).await?;
        }
        // One open round per enterprise: a second notice while one is running is refused by
        // the database too, so two instances cannot both create one.
        manager
            .create_index(
                Index::create()
                    .name("uq_audits_one_open_per_enterprise")
                    .table(Audits::Table)
                    .col(Audits::EnterpriseId)
                    .unique()
                    .and_where(Expr::col(Audits::Closed).eq(false))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuditTransitions::Table)
                    .col(uuid_pk(AuditTransitions::Id))
                    .col(uuid(AuditTransitions::AuditId))
                    .col(text(AuditTransitions::Event))
                    .col(text_null(AuditTransitions::FromStatus))
                    .col(text(AuditTransitions::ToStatus))
                    .col(text_null(AuditTransitions::Outcome))
                    .col(date(AuditTransitions::OccurredOn))
                    .col(text_null(AuditTransitions::Note))
                    .col(uuid_null(AuditTransitions::ReviewId))
                    .col(uuid_null(AuditTransitions::ActorId))
                    .col(instant(AuditTransitions::RecordedAt))
                    .foreign_key(&mut fk(
                        "fk_audit_transitions_audit",
                        (AuditTransitions::Table, AuditTransitions::AuditId),
                        (Audits::Table, Audits::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_audit_transitions_audit",
            AuditTransitions::Table,
            cols![AuditTransitions::AuditId],
        )
        .await?;
        index(
            manager,
            "idx_audit_transitions_event_date",
            AuditTransitions::Table,
            cols![AuditTransitions::Event, AuditTransitions::OccurredOn],
        )
        .await?;

        // Shaped so that panels can hang off a review later: one row per review, its kind,
        // date, organiser (a city; NULL for the province) and, once held, its outcome.
        manager
            .create_table(
                Table::create()
                    .table(Reviews::Table)
                    .col(uuid_pk(Reviews::Id))
                    .col(uuid(Reviews::AuditId))
                    .col(text(Reviews::Kind))
                    .col(date(Reviews::ReviewDate))
                    .col(text_null(Reviews::OrganiserCityCode))
                    .col(text(Reviews::Status))
                    .col(text_null(Reviews::Outcome))
                    .col(amount_null(Reviews::Score))
                    .col(long_text_null(Reviews::Opinion))
                    .col(uuid_null(Reviews::ScheduledBy))
                    .col(uuid_null(Reviews::RecordedBy))
                    .col(
                        ColumnDef::new(Reviews::HeldAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(instant(Reviews::CreatedAt))
                    .col(instant(Reviews::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_reviews_audit",
                        (Reviews::Table, Reviews::AuditId),
                        (Audits::Table, Audits::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_reviews_organiser_city",
                        (Reviews::Table, Reviews::OrganiserCityCode),
                        (Cities::Table, Cities::Code),
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("idx_reviews_audit", cols![Reviews::AuditId, Reviews::Kind]),
            (
                "idx_reviews_kind_date",
                cols![Reviews::Kind, Reviews::ReviewDate],
            ),
            ("idx_reviews_organiser", cols![Reviews::OrganiserCityCode]),
            (
                "idx_reviews_status_date",
                cols![Reviews::Status, Reviews::ReviewDate],
            ),
        ] {
            index(manager, name, Reviews::Table, cols).await?;
        }
        // One scheduled review per audit and kind, also between two instances.
        manager
            .create_index(
                Index::create()
                    .name("uq_reviews_one_scheduled_per_kind")
                    .table(Reviews::Table)
                    .col(Reviews::AuditId)
                    .col(Reviews::Kind)
                    .unique()
                    .and_where(Expr::col(Reviews::Status).eq("SCHEDULED"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ImprovementOptions::Table)
                    .col(uuid_pk(ImprovementOptions::Id))
                    .col(uuid(ImprovementOptions::AuditId))
                    .col(text(ImprovementOptions::Kind))
                    .col(text(ImprovementOptions::Title))
                    .col(amount(ImprovementOptions::Investment))
                    .col(amount(ImprovementOptions::EconomicBenefit))
                    .col(amount(ImprovementOptions::EnergyTce))
                    .col(amount(ImprovementOptions::WaterT))
                    .col(amount(ImprovementOptions::CodT))
                    .col(amount(ImprovementOptions::AmmoniaNitrogenT))
                    .col(amount(ImprovementOptions::So2T))
                    .col(amount(ImprovementOptions::NoxT))
                    .col(amount(ImprovementOptions::ParticulatesT))
                    .col(amount(ImprovementOptions::VocsT))
                    .col(amount(ImprovementOptions::Co2T))
                    .col(flag(ImprovementOptions::Implemented))
                    .col(flag(ImprovementOptions::TechnicalRetrofit))
                    .col(flag(ImprovementOptions::AcceptedByOtherDepartment))
                    .col(text_null(ImprovementOptions::OtherDepartment))
                    .col(long_text_null(
                        ImprovementOptions::OtherDepartmentConclusion,
                    ))
                    .col(text(ImprovementOptions::NeedsAcceptance))
                    .col(int(ImprovementOptions::Version))
                    .col(instant(ImprovementOptions::CreatedAt))
                    .col(instant(ImprovementOptions::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_improvement_options_audit",
                        (ImprovementOptions::Table, ImprovementOptions::AuditId),
                        (Audits::Table, Audits::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_improvement_options_audit",
            ImprovementOptions::Table,
            cols![ImprovementOptions::AuditId, ImprovementOptions::Kind],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Certifications::Table)
                    .col(uuid_pk(Certifications::Id))
                    .col(uuid(Certifications::EnterpriseId))
                    .col(text(Certifications::Level))
                    .col(date(Certifications::CertifiedOn))
                    .col(date(Certifications::ValidUntil))
                    .col(flag(Certifications::MeetsAuditRequirements))
                    .col(uuid_null(Certifications::ActorId))
                    .col(instant(Certifications::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_certifications_enterprise",
                        (Certifications::Table, Certifications::EnterpriseId),
                        (Enterprises::Table, Enterprises::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_certifications_enterprise",
            Certifications::Table,
            cols![Certifications::EnterpriseId, Certifications::CertifiedOn],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Certifications::Table.into_iden(),
            ImprovementOptions::Table.into_iden(),
            Reviews::Table.into_iden(),
            AuditTransitions::Table.into_iden(),
            Audits::Table.into_iden(),
            ConsultancyStaff::Table.into_iden(),
            ConsultancyStatusChanges::Table.into_iden(),
            Consultancies::Table.into_iden(),
            AnnualListStatusChanges::Table.into_iden(),
            AnnualAuditListEntries::Table.into_iden(),
            AnnualAuditLists::Table.into_iden(),
            Enterprises::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
