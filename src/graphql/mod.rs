//! The GraphQL schema, one module per domain; resolvers stay thin and call the services.

pub mod annual_lists;
pub mod audits;
pub mod consultancies;
pub mod context;
pub mod enterprises;
pub mod experts;
pub mod loaders;
pub mod pagination;
pub mod reference;
pub mod scalars;
pub mod summary;
pub mod users;

use async_graphql::{EmptySubscription, MergedObject, SDLExportOptions, Schema};

use crate::services::Services;

#[derive(MergedObject, Default)]
pub struct QueryRoot(
    reference::ReferenceQuery,
    users::UserQuery,
    experts::ExpertQuery,
    enterprises::EnterpriseQuery,
    annual_lists::AnnualListQuery,
    consultancies::ConsultancyQuery,
    audits::AuditQuery,
    summary::SummaryQuery,
);

#[derive(MergedObject, Default)]
pub struct MutationRoot(
    users::UserMutation,
    experts::ExpertMutation,
    enterprises::EnterpriseMutation,
    annual_lists::AnnualListMutation,
    consultancies::ConsultancyMutation,
    audits::AuditMutation,
);

pub type AppSchema = Schema<QueryRoot, MutationRoot, EmptySubscription>;

/// Limits that stop abusive queries before any work is done.
pub const MAX_DEPTH: usize = 12;
pub const MAX_COMPLEXITY: usize = 5_000;

pub fn build_schema(services: Option<Services>) -> AppSchema {
    let builder = Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        EmptySubscription,
    )
    .limit_depth(MAX_DEPTH)
    .limit_complexity(MAX_COMPLEXITY);
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
