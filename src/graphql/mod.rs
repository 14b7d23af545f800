//! The GraphQL schema, one module per domain; resolvers stay thin and call the services.

pub mod annual_lists;
pub mod appraisals;
pub mod audit_log;
pub mod audits;
pub mod consultancies;
pub mod context;
pub mod enterprises;
pub mod expert_year;
pub mod experts;
pub mod loaders;
pub mod pagination;
pub mod panels;
pub mod rechecks;
pub mod reference;
pub mod scalars;
pub mod summary;
pub mod training;
pub mod users;
pub mod violations;

use async_graphql::extensions::Tracing;
use async_graphql::{EmptySubscription, MergedObject, SDLExportOptions, Schema};

use crate::services::Services;

#[derive(MergedObject, Default)]
pub struct QueryRoot(
    reference::ReferenceQuery,
    users::UserQuery,
    experts::ExpertQuery,
    audit_log::AuditLogQuery,
    enterprises::EnterpriseQuery,
    annual_lists::AnnualListQuery,
    consultancies::ConsultancyQuery,
    audits::AuditQuery,
    summary::SummaryQuery,
    training::TrainingQuery,
    appraisals::AppraisalQuery,
    violations::ViolationQuery,
    panels::PanelQuery,
    rechecks::RecheckQuery,
    expert_year::ExpertYearQuery,
);

#[derive(MergedObject, Default)]
pub struct MutationRoot(
    users::UserMutation,
    experts::ExpertMutation,
    enterprises::EnterpriseMutation,
    annual_lists::AnnualListMutation,
    consultancies::ConsultancyMutation,
    audits::AuditMutation,
    training::TrainingMutation,
    appraisals::AppraisalMutation,
    violations::ViolationMutation,
    panels::PanelMutation,
    rechecks::RecheckMutation,
);

pub type AppSchema = Schema<QueryRoot, MutationRoot, EmptySubscription>;

/// Builds the schema once at start-up, with the configured depth and complexity limits and
/// resolver tracing spans when configured. No other extension: with any, every field of every
/// answer goes through the extension chain (persisted queries are handled by the HTTP layer).
pub fn build_schema(services: Option<Services>) -> AppSchema {
    let limits = services
        .as_ref()
        .map(|s| s.config.limits.clone())
        .unwrap_or_default();
    let mut builder = Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        EmptySubscription,
    )
    .limit_depth(limits.max_depth)
    .limit_complexity(limits.max_complexity);
    if !limits.introspection {
        builder = builder.disable_introspection();
    }
    if limits.resolver_spans {
        builder = builder.extension(Tracing);
    }
    match services {
        Some(s) => builder.data(s).finish(),
        None => builder.finish(),
    }
}

/// The SDL with fields, arguments and enum items sorted, so `schema.graphql` does not drift.
pub fn sdl() -> String {
    build_schema(None).sdl_with_options(
        SDLExportOptions::new()
            .sorted_fields()
            .sorted_arguments()
            .sorted_enum_items(),
    )
}
