//! Persistence types (sea-orm entities) for cleanprod.
//!
//! These mirror the tables the `migration` crate creates; migrations are the source of
//! truth. Enumerations are the `domain` vocabulary, stored as their SCREAMING_SNAKE_CASE
//! names in text columns. GraphQL object types live in the server crate.

/// The tail of every entity here: no relations declared (the services join by id), and the
/// default active-model behaviour.
macro_rules! no_relations {
    () => {
        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    };
}

pub mod annual_audit_list;
pub mod annual_audit_list_entry;
pub mod annual_list_status_change;
pub mod appraisal;
pub mod appraisal_deduction;
pub mod appraisal_finding_rule;
pub mod appraisal_year;
pub mod assessment_item;
pub mod assessment_score;
pub mod assessment_sheet;
pub mod audit;
pub mod audit_log;
pub mod audit_log_head;
pub mod audit_transition;
pub mod certification;
pub mod city;
pub mod city_summary;
pub mod city_summary_change;
pub mod consultancy;
pub mod consultancy_staff;
pub mod consultancy_status_change;
pub mod directory_application;
pub mod directory_change;
pub mod document;
pub mod document_version;
pub mod domain;
pub mod draw_commitment;
pub mod enterprise;
pub mod expert;
pub mod expert_conflict;
pub mod expert_kind;
pub mod expert_pool_revision;
pub mod expert_pool_snapshot;
pub mod expert_seat_count;
pub mod expert_sector;
pub mod expert_status_change;
pub mod expert_unavailability;
pub mod finding_publication;
pub mod improvement_option;
pub mod industry;
pub mod login_failure;
pub mod notification;
pub mod notification_channel_policy;
pub mod notification_delivery;
pub mod notification_preference;
pub mod opinion_sheet;
pub mod panel;
pub mod panel_draw;
pub mod panel_seat;
pub mod published_finding;
pub mod ranking_entry;
pub mod recheck_commitment;
pub mod recheck_finding;
pub mod recheck_finding_expert;
pub mod recheck_sample;
pub mod recheck_sample_item;
pub mod review;
pub mod review_change;
pub mod review_result_line;
pub mod review_result_publication;
pub mod seat_response_link;
pub mod sector;
pub mod training_attendance;
pub mod training_plan;
pub mod training_plan_item;
pub mod training_session;
pub mod training_session_audience;
pub mod training_session_topic;
pub mod user;
pub mod violation;
