//! The GraphQL schema, one module per domain; resolvers stay thin and call the services.

pub mod annual_lists;
pub mod appraisals;
pub mod assessment;
pub mod audit_log;
pub mod audits;
pub mod city_summaries;
pub mod consultancies;
pub mod context;
pub mod delegation;
pub mod directory;
pub mod documents;
pub mod enterprises;
pub mod expert_year;
pub mod experts;
pub mod figures;
pub mod labels;
pub mod links;
pub mod loaders;
pub mod notices;
pub mod notification_delivery;
pub mod notifications;
pub mod opinion_sheets;
pub mod pagination;
pub mod panels;
pub mod public;
pub mod publications;
pub mod rechecks;
pub mod reference;
// The scalars are shared with the services' input types, so they live beside the domain.
pub use crate::scalars;
pub mod stamps;
pub mod summary;
pub mod training;
pub mod users;
pub mod violations;

use async_graphql::extensions::Tracing;
use async_graphql::{MergedObject, MergedSubscription, SDLExportOptions, Schema};
use futures_util::FutureExt;

use crate::services::Services;

#[derive(MergedObject, Default)]
pub struct QueryRoot(
    reference::ReferenceQuery,
    labels::LabelQuery,
    users::UserQuery,
    experts::ExpertQuery,
    audit_log::AuditLogQuery,
    enterprises::EnterpriseQuery,
    directory::DirectoryQuery,
    annual_lists::AnnualListQuery,
    consultancies::ConsultancyQuery,
    audits::AuditQuery,
    summary::SummaryQuery,
    city_summaries::CitySummaryQuery,
    assessment::FiguresAndAssessmentQuery,
    training::TrainingQuery,
    appraisals::AppraisalQuery,
    violations::ViolationQuery,
    panels::PanelQuery,
    opinion_sheets::OpinionSheetQuery,
    notifications::NotificationQuery,
    notification_delivery::NotificationDeliveryQuery,
    rechecks::RecheckQuery,
    expert_year::ExpertYearQuery,
    documents::DocumentQuery,
    public::PublicQuery,
    publications::PublicationQuery,
);

#[derive(MergedObject, Default)]
pub struct MutationRoot(
    users::UserMutation,
    experts::ExpertMutation,
    enterprises::EnterpriseMutation,
    directory::DirectoryMutation,
    city_summaries::CitySummaryMutation,
    assessment::AssessmentMutation,
    annual_lists::AnnualListMutation,
    notices::NoticeMutation,
    delegation::DelegationMutation,
    consultancies::ConsultancyMutation,
    audits::AuditMutation,
    training::TrainingMutation,
    appraisals::AppraisalMutation,
    violations::ViolationMutation,
    panels::PanelMutation,
    opinion_sheets::OpinionSheetMutation,
    notifications::NotificationMutation,
    notification_delivery::NotificationDeliveryMutation,
    rechecks::RecheckMutation,
    documents::DocumentMutation,
    publications::PublicationMutation,
);

/// Subscriptions: over the WebSocket at `/graphql` (`graphql-transport-ws`), not over HTTP.
#[derive(MergedSubscription, Default)]
pub struct SubscriptionRoot(notifications::NotificationSubscription);

pub type AppSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

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
        SubscriptionRoot::default(),
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

/// The SDL with fields, arguments and enum items sorted, so `schema.graphql` does not drift;
/// with what introspection serves besides the types: scalars' `@specifiedBy` URLs and the
/// schema's description (async-graphql's SDL export leaves the latter out).
pub fn sdl() -> String {
    let schema = build_schema(None);
    let body = schema.sdl_with_options(
        SDLExportOptions::new()
            .sorted_fields()
            .sorted_arguments()
            .sorted_enum_items()
            .include_specified_by(),
    );
    match (schema_description(&schema), body.rfind("\nschema {\n")) {
        (Some(description), Some(at)) => {
            let block = format!("\n\"\"\"\n{description}\n\"\"\"");
            format!("{}{block}{}", &body[..at], &body[at..])
        }
        _ => body,
    }
}

/// The schema's description as introspection serves it. Introspection of this field awaits
/// nothing, so one poll answers it.
fn schema_description(schema: &AppSchema) -> Option<String> {
    let response = schema
        .execute("{ __schema { description } }")
        .now_or_never()?;
    let value = response.data.into_json().ok()?;
    value["__schema"]["description"].as_str().map(str::to_owned)
}
