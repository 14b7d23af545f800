//! Database migrations for cleanprod: the source of truth for the schema, and the seed of
//! the reference data (cities, sectors, the industry catalogue) the project carries in
//! `migration/data/`.

pub use sea_orm_migration::prelude::*;

mod columns;
mod m20261128_000001_foundation;
mod m20261128_000002_audits;
mod m20261128_000003_hardening;
mod m20261128_000004_panels;
mod m20261128_000005_appraisal;
mod m20261128_000006_training;
mod m20261128_000007_staff_identity;
mod m20261128_000008_expert_pool_revision;
mod m20261128_000009_load_tuning;
mod m20261129_000010_draw_storage;
mod m20261205_000011_enterprise_users;
mod m20261205_000012_audit_status_names;
mod m20261205_000013_recheck_rounds;
mod m20261205_000014_simplified_procedure;
mod m20261205_000015_documents;
mod m20261205_000016_draw_commitments;
mod m20261205_000017_review_meetings;
mod m20261205_000018_panel_reveal;
mod m20261205_000019_panel_working_papers;
mod m20261205_000020_recheck_commitments;
mod m20261205_000021_notifications;
mod m20261206_000022_notification_delivery;
mod m20261206_000023_notification_created_index;
mod m20261206_000024_violation_withdrawal;
mod m20261206_000025_directory_applications;
mod m20261206_000026_result_publications;
mod m20261206_000027_city_summaries;
mod m20261206_000028_written_notices;
mod m20261206_000029_county_delegation;
mod m20261206_000030_assessment;
mod m20261206_000031_finding_confirmation;
mod m20261206_000032_city_pages;
pub mod reference_data;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261128_000001_foundation::Migration),
            Box::new(m20261128_000002_audits::Migration),
            Box::new(m20261128_000003_hardening::Migration),
            Box::new(m20261128_000004_panels::Migration),
            Box::new(m20261128_000005_appraisal::Migration),
            Box::new(m20261128_000006_training::Migration),
            Box::new(m20261128_000007_staff_identity::Migration),
            Box::new(m20261128_000008_expert_pool_revision::Migration),
            Box::new(m20261128_000009_load_tuning::Migration),
            Box::new(m20261129_000010_draw_storage::Migration),
            Box::new(m20261205_000011_enterprise_users::Migration),
            Box::new(m20261205_000012_audit_status_names::Migration),
            Box::new(m20261205_000013_recheck_rounds::Migration),
            Box::new(m20261205_000014_simplified_procedure::Migration),
            Box::new(m20261205_000015_documents::Migration),
            Box::new(m20261205_000016_draw_commitments::Migration),
            Box::new(m20261205_000017_review_meetings::Migration),
            Box::new(m20261205_000018_panel_reveal::Migration),
            Box::new(m20261205_000019_panel_working_papers::Migration),
            Box::new(m20261205_000020_recheck_commitments::Migration),
            Box::new(m20261205_000021_notifications::Migration),
            Box::new(m20261206_000022_notification_delivery::Migration),
            Box::new(m20261206_000023_notification_created_index::Migration),
            Box::new(m20261206_000024_violation_withdrawal::Migration),
            Box::new(m20261206_000025_directory_applications::Migration),
            Box::new(m20261206_000026_result_publications::Migration),
            Box::new(m20261206_000027_city_summaries::Migration),
            Box::new(m20261206_000028_written_notices::Migration),
            Box::new(m20261206_000029_county_delegation::Migration),
            Box::new(m20261206_000030_assessment::Migration),
            Box::new(m20261206_000031_finding_confirmation::Migration),
            Box::new(m20261206_000032_city_pages::Migration),
        ]
    }
}
