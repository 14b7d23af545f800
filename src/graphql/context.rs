//! Reading what a resolver needs from the GraphQL context.

use async_graphql::{Context, ID};
use uuid::Uuid;

use crate::auth::Viewer;
use crate::error::{AppError, AppResult};
use crate::services::Services;

use super::loaders::Loaders;
use super::scalars::parse_id;

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

/// Runs a service call on the record an id argument names, with the request's services and
/// viewer: the shape of most single-record queries and mutations. `arg` names the argument in
/// the error when the id is malformed.
pub async fn with_id<'a, T, Fut>(
    ctx: &Context<'a>,
    arg: &str,
    id: &ID,
    call: impl FnOnce(&'a Services, &'a Viewer, Uuid) -> Fut,
) -> async_graphql::Result<T>
where
    Fut: Future<Output = AppResult<T>>,
{
    let s = services(ctx)?;
    let id = parse_id(arg, id)?;
    Ok(call(s, viewer(ctx), id).await?)
}

/// Runs a service call with the request's services and viewer: `with_id` for the calls that
/// take no single record's id.
pub async fn with_viewer<'a, T, Fut>(
    ctx: &Context<'a>,
    call: impl FnOnce(&'a Services, &'a Viewer) -> Fut,
) -> async_graphql::Result<T>
where
    Fut: Future<Output = AppResult<T>>,
{
    let s = services(ctx)?;
    Ok(call(s, viewer(ctx)).await?)
}
