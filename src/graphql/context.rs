//! Reading what a resolver needs from the GraphQL context.

use async_graphql::Context;

use crate::auth::Viewer;
use crate::error::{AppError, AppResult};
use crate::services::Services;

use super::loaders::Loaders;

pub fn services<'a>(ctx: &Context<'a>) -> AppResult<&'a Services> {
    ctx.data::<Services>()
        .map_err(|_| AppError::internal("services missing from the schema data"))
}

/// The viewer of this request; a request built without one is anonymous.
pub fn viewer<'a>(ctx: &Context<'a>) -> &'a Viewer {
    static ANONYMOUS: Viewer = Viewer::Anonymous;
    ctx.data::<Viewer>().unwrap_or(&ANONYMOUS)
}

pub fn loaders<'a>(ctx: &Context<'a>) -> AppResult<&'a Loaders> {
    ctx.data::<Loaders>()
        .map_err(|_| AppError::internal("loaders missing from the request data"))
}
