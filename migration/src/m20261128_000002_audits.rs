//! Enterprises and the mandatory directory, annual audit lists, the consultancy registry,
//! audits with their history, improvement options, reviews and certifications.

use sea_orm_migration::prelude::*;

use crate::columns::{
    Cities, NewTable, Reason, Sectors, amount, amount_null, create_tables, date, date_null,
    drop_tables, flag, flag_null, instant, instant_null, int, int_null, long_text_null, stamps,
    status_change, table, text, text_null, uuid, uuid_null, uuid_pk, versioned,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

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
}

#[derive(DeriveIden)]
enum ConsultancyStatusChanges {
    Table,
    Id,
    ConsultancyId,
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

fn tables() -> Vec<NewTable> {
    vec![
        table(Enterprises::Table)
            .cols([
                uuid_pk(Enterprises::Id),
                text(Enterprises::Name),
                text(Enterprises::CreditCode).unique_key().to_owned(),
                text(Enterprises::CityCode),
                text(Enterprises::County),
                text(Enterprises::IndustryCode),
                text_null(Enterprises::Sector),
                int(Enterprises::Employees),
                amount(Enterprises::OperatingRevenue),
                text(Enterprises::Scale),
                flag(Enterprises::ScaleSetByAdmin),
                flag(Enterprises::HighEnergyUse),
                flag(Enterprises::HighWaterUse),
                flag(Enterprises::HighEmissions),
                flag(Enterprises::PriorityChemicals),
                flag(Enterprises::MiningOperation),
                flag(Enterprises::CoatingProcess),
                flag(Enterprises::Mandatory),
                text_null(Enterprises::MandatoryRowCode),
                int_null(Enterprises::DirectorySinceYear),
                date_null(Enterprises::LastCompletedOn),
            ])
            .cols(versioned())
            .fk(
                "fk_enterprises_city",
                Enterprises::CityCode,
                (Cities::Table, Cities::Code),
            )
            .index(
                "idx_enterprises_city_county",
                [Enterprises::CityCode, Enterprises::County],
            )
            .index("idx_enterprises_county", [Enterprises::County])
            .index("idx_enterprises_industry", [Enterprises::IndustryCode])
            .indexed_fk(
                "enterprises_sector",
                Enterprises::Sector,
                (Sectors::Table, Sectors::Code),
            )
            .index("idx_enterprises_scale", [Enterprises::Scale])
            .index(
                "idx_enterprises_mandatory",
                [Enterprises::Mandatory, Enterprises::CityCode],
            )
            .index(
                "idx_enterprises_directory",
                [Enterprises::DirectorySinceYear, Enterprises::CityCode],
            )
            .index(
                "idx_enterprises_last_completed",
                [Enterprises::LastCompletedOn],
            ),
        table(AnnualAuditLists::Table)
            .cols([
                uuid_pk(AnnualAuditLists::Id),
                text(AnnualAuditLists::CityCode),
                int(AnnualAuditLists::Year),
                text(AnnualAuditLists::Status),
                date_null(AnnualAuditLists::SubmittedOn),
                flag_null(AnnualAuditLists::Late),
                text_null(AnnualAuditLists::ReturnReason),
                date_null(AnnualAuditLists::PublishedOn),
            ])
            .cols(versioned())
            .fk(
                "fk_annual_audit_lists_city",
                AnnualAuditLists::CityCode,
                (Cities::Table, Cities::Code),
            )
            .unique(
                "uq_annual_audit_lists_city_year",
                [AnnualAuditLists::CityCode, AnnualAuditLists::Year],
            )
            .index(
                "idx_annual_audit_lists_year_status",
                [AnnualAuditLists::Year, AnnualAuditLists::Status],
            ),
        table(AnnualAuditListEntries::Table)
            .cols([
                uuid(AnnualAuditListEntries::ListId),
                uuid(AnnualAuditListEntries::EnterpriseId),
                instant(AnnualAuditListEntries::AddedAt),
            ])
            .primary_key([
                AnnualAuditListEntries::ListId,
                AnnualAuditListEntries::EnterpriseId,
            ])
            .fk(
                "fk_annual_audit_list_entries_list",
                AnnualAuditListEntries::ListId,
                (AnnualAuditLists::Table, AnnualAuditLists::Id),
            )
            .indexed_fk(
                "annual_audit_list_entries_enterprise",
                AnnualAuditListEntries::EnterpriseId,
                (Enterprises::Table, Enterprises::Id),
            ),
        table(AnnualListStatusChanges::Table)
            .cols([
                uuid_pk(AnnualListStatusChanges::Id),
                uuid(AnnualListStatusChanges::ListId),
            ])
            .cols(status_change(Reason::Optional))
            .indexed_fk(
                "annual_list_status_changes_list",
                AnnualListStatusChanges::ListId,
                (AnnualAuditLists::Table, AnnualAuditLists::Id),
            ),
        table(Consultancies::Table)
            .cols([
                uuid_pk(Consultancies::Id),
                text(Consultancies::Name),
                text(Consultancies::CreditCode).unique_key().to_owned(),
                text(Consultancies::CityCode),
                text(Consultancies::Address),
                text(Consultancies::ContactName),
                text(Consultancies::ContactPhone),
                text(Consultancies::Status),
            ])
            .cols(versioned())
            .indexed_fk(
                "consultancies_city",
                Consultancies::CityCode,
                (Cities::Table, Cities::Code),
            )
            .index("idx_consultancies_status", [Consultancies::Status]),
        table(ConsultancyStatusChanges::Table)
            .cols([
                uuid_pk(ConsultancyStatusChanges::Id),
                uuid(ConsultancyStatusChanges::ConsultancyId),
            ])
            .cols(status_change(Reason::Required))
            .indexed_fk(
                "consultancy_status_changes_consultancy",
                ConsultancyStatusChanges::ConsultancyId,
                (Consultancies::Table, Consultancies::Id),
            ),
        table(ConsultancyStaff::Table)
            .cols([
                uuid_pk(ConsultancyStaff::Id),
                uuid(ConsultancyStaff::ConsultancyId),
                text(ConsultancyStaff::Name),
                text(ConsultancyStaff::IdCardNumber),
                text(ConsultancyStaff::Role),
                text_null(ConsultancyStaff::CertificateNumber),
                date(ConsultancyStaff::StartedOn),
                date_null(ConsultancyStaff::EndedOn),
                text_null(ConsultancyStaff::EndReason),
            ])
            .cols(stamps())
            .fk(
                "fk_consultancy_staff_consultancy",
                ConsultancyStaff::ConsultancyId,
                (Consultancies::Table, Consultancies::Id),
            )
            .index(
                "idx_consultancy_staff_consultancy",
                [ConsultancyStaff::ConsultancyId, ConsultancyStaff::StartedOn],
            )
            .index(
                "idx_consultancy_staff_person",
                [ConsultancyStaff::IdCardNumber],
            )
            // A person holds one open employment at a time, even against two concurrent hires.
            .unique_where(
                "uq_consultancy_staff_one_open_employment",
                [ConsultancyStaff::IdCardNumber],
                Expr::col(ConsultancyStaff::EndedOn).is_null(),
            ),
        table(Audits::Table)
            .cols([
                uuid_pk(Audits::Id),
                uuid(Audits::EnterpriseId),
                text(Audits::CityCode),
                int(Audits::Year),
                uuid_null(Audits::ListId),
                text(Audits::Status),
                text_null(Audits::LastOutcome),
                flag(Audits::Closed),
                text(Audits::Mode),
                date(Audits::NoticeDate),
                date_null(Audits::StartedOn),
                uuid_null(Audits::ConsultancyId),
                uuid_null(Audits::LeadAuditorId),
                date_null(Audits::ReportSubmittedOn),
                date_null(Audits::EvaluatedOn),
                date_null(Audits::AcceptedOn),
                date_null(Audits::AcceptanceExtendedUntil),
                text_null(Audits::ExtensionReason),
                int(Audits::CycleStartYear),
                text_null(Audits::DueKind),
                date_null(Audits::DueOn),
            ])
            .cols(versioned())
            .indexed_fk(
                "audits_enterprise",
                Audits::EnterpriseId,
                (Enterprises::Table, Enterprises::Id),
            )
            .fk(
                "fk_audits_city",
                Audits::CityCode,
                (Cities::Table, Cities::Code),
            )
            .fk(
                "fk_audits_list",
                Audits::ListId,
                (AnnualAuditLists::Table, AnnualAuditLists::Id),
            )
            .index("idx_audits_city_year", [Audits::CityCode, Audits::Year])
            .index("idx_audits_year_status", [Audits::Year, Audits::Status])
            .index("idx_audits_status", [Audits::Status])
            .indexed_fk(
                "audits_consultancy",
                Audits::ConsultancyId,
                (Consultancies::Table, Consultancies::Id),
            )
            .indexed_fk(
                "audits_lead_auditor",
                Audits::LeadAuditorId,
                (ConsultancyStaff::Table, ConsultancyStaff::Id),
            )
            .index("idx_audits_list", [Audits::ListId])
            .index("idx_audits_due", [Audits::Closed, Audits::DueOn])
            .index("idx_audits_notice_date", [Audits::NoticeDate])
            // One open round per enterprise: a second notice while one is running is refused by
            // the database too, so two instances cannot both create one.
            .unique_where(
                "uq_audits_one_open_per_enterprise",
                [Audits::EnterpriseId],
                Expr::col(Audits::Closed).eq(false),
            ),
        table(AuditTransitions::Table)
            .cols([
                uuid_pk(AuditTransitions::Id),
                uuid(AuditTransitions::AuditId),
                text(AuditTransitions::Event),
                text_null(AuditTransitions::FromStatus),
                text(AuditTransitions::ToStatus),
                text_null(AuditTransitions::Outcome),
                date(AuditTransitions::OccurredOn),
                text_null(AuditTransitions::Note),
                uuid_null(AuditTransitions::ReviewId),
                uuid_null(AuditTransitions::ActorId),
                instant(AuditTransitions::RecordedAt),
            ])
            .indexed_fk(
                "audit_transitions_audit",
                AuditTransitions::AuditId,
                (Audits::Table, Audits::Id),
            )
            .index(
                "idx_audit_transitions_event_date",
                [AuditTransitions::Event, AuditTransitions::OccurredOn],
            ),
        // Shaped so that panels can hang off a review later: one row per review, its kind,
        // date, organiser (a city; NULL for the province) and, once held, its outcome.
        table(Reviews::Table)
            .cols([
                uuid_pk(Reviews::Id),
                uuid(Reviews::AuditId),
                text(Reviews::Kind),
                date(Reviews::ReviewDate),
                text_null(Reviews::OrganiserCityCode),
                text(Reviews::Status),
                text_null(Reviews::Outcome),
                amount_null(Reviews::Score),
                long_text_null(Reviews::Opinion),
                uuid_null(Reviews::ScheduledBy),
                uuid_null(Reviews::RecordedBy),
                instant_null(Reviews::HeldAt),
            ])
            .cols(stamps())
            .fk(
                "fk_reviews_audit",
                Reviews::AuditId,
                (Audits::Table, Audits::Id),
            )
            .fk(
                "fk_reviews_organiser_city",
                Reviews::OrganiserCityCode,
                (Cities::Table, Cities::Code),
            )
            .index("idx_reviews_audit", [Reviews::AuditId, Reviews::Kind])
            .index(
                "idx_reviews_kind_date",
                [Reviews::Kind, Reviews::ReviewDate],
            )
            .index("idx_reviews_organiser", [Reviews::OrganiserCityCode])
            .index(
                "idx_reviews_status_date",
                [Reviews::Status, Reviews::ReviewDate],
            )
            // One scheduled review per audit and kind, also between two instances.
            .unique_where(
                "uq_reviews_one_scheduled_per_kind",
                [Reviews::AuditId, Reviews::Kind],
                Expr::col(Reviews::Status).eq("SCHEDULED"),
            ),
        table(ImprovementOptions::Table)
            .cols([
                uuid_pk(ImprovementOptions::Id),
                uuid(ImprovementOptions::AuditId),
                text(ImprovementOptions::Kind),
                text(ImprovementOptions::Title),
                amount(ImprovementOptions::Investment),
                amount(ImprovementOptions::EconomicBenefit),
                amount(ImprovementOptions::EnergyTce),
                amount(ImprovementOptions::WaterT),
                amount(ImprovementOptions::CodT),
                amount(ImprovementOptions::AmmoniaNitrogenT),
                amount(ImprovementOptions::So2T),
                amount(ImprovementOptions::NoxT),
                amount(ImprovementOptions::ParticulatesT),
                amount(ImprovementOptions::VocsT),
                amount(ImprovementOptions::Co2T),
                flag(ImprovementOptions::Implemented),
                flag(ImprovementOptions::TechnicalRetrofit),
                flag(ImprovementOptions::AcceptedByOtherDepartment),
                text_null(ImprovementOptions::OtherDepartment),
                long_text_null(ImprovementOptions::OtherDepartmentConclusion),
                text(ImprovementOptions::NeedsAcceptance),
            ])
            .cols(versioned())
            .fk(
                "fk_improvement_options_audit",
                ImprovementOptions::AuditId,
                (Audits::Table, Audits::Id),
            )
            .index(
                "idx_improvement_options_audit",
                [ImprovementOptions::AuditId, ImprovementOptions::Kind],
            ),
        table(Certifications::Table)
            .cols([
                uuid_pk(Certifications::Id),
                uuid(Certifications::EnterpriseId),
                text(Certifications::Level),
                date(Certifications::CertifiedOn),
                date(Certifications::ValidUntil),
                flag(Certifications::MeetsAuditRequirements),
                uuid_null(Certifications::ActorId),
                instant(Certifications::CreatedAt),
            ])
            .fk(
                "fk_certifications_enterprise",
                Certifications::EnterpriseId,
                (Enterprises::Table, Enterprises::Id),
            )
            .index(
                "idx_certifications_enterprise",
                [Certifications::EnterpriseId, Certifications::CertifiedOn],
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
