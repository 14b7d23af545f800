//! GraphQL subscriptions over WebSocket: `GET /graphql` with `Upgrade: websocket`, in the
//! `graphql-transport-ws` protocol (and the older `graphql-ws`) as async-graphql serves them.
//!
//! - Signing in: the `connection_init` payload's `authorization` (or `Authorization`),
//!   `Bearer <jwt>`, checked as the HTTP path checks its header (signature, expiry, a disabled
//!   user, the token's version). No token: anonymous. A bad token does not close the socket:
//!   each operation on it answers UNAUTHENTICATED, with the code a client branches on, as
//!   over HTTP. Browsers do not apply CORS to sockets; the token in the payload (never a
//!   cookie) is what keeps another site's page from acting for a user.
//! - Subscriptions only: queries and mutations go over HTTP, where the request metrics and
//!   status codes are. The limits on aliases and root fields apply here too.

use std::any::TypeId;
use std::sync::Arc;

use actix_web::guard::GuardContext;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::parser::types::OperationType;
use async_graphql::{Data, Executor, Request, Response, ServerError};
use async_graphql_actix_web::GraphQLSubscription;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;

use crate::AppState;
use crate::auth::Viewer;
use crate::config::QueryLimits;
use crate::error::AppError;
use crate::graphql::AppSchema;
use crate::http::graphql::{bearer_viewer, complete_errors};
use crate::http::limits;

/// Routes a `GET /graphql` that asks to become a WebSocket here.
pub fn wants_websocket(ctx: &GuardContext<'_>) -> bool {
    ctx.head()
        .headers()
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("websocket"))
}

pub async fn socket(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> actix_web::Result<HttpResponse> {
    let executor = Subscriptions {
        schema: state.schema.clone(),
        limits: Arc::new(state.services.config.limits.clone()),
    };
    let state = state.into_inner();
    GraphQLSubscription::new(executor)
        .on_connection_init(move |payload| async move { Ok(sign_in(&state, &payload).await) })
        .start(&req, payload)
}

/// Why every operation of a socket is refused: its `connection_init` token did not sign in.
struct Refused(async_graphql::Error);

/// The socket's data from its `connection_init` payload: the viewer, and the claims of the
/// token it signed in with (checked again as notifications are delivered); or the refusal.
async fn sign_in(state: &AppState, payload: &serde_json::Value) -> Data {
    let mut data = Data::default();
    let value = payload
        .get("authorization")
        .or_else(|| payload.get("Authorization"));
    match value {
        None | Some(serde_json::Value::Null) => data.insert(Viewer::Anonymous),
        Some(serde_json::Value::String(value)) => match bearer_viewer(state, value).await {
            Ok((viewer, claims)) => {
                data.insert(viewer);
                data.insert(claims);
            }
            Err(error) => data.insert(Refused(error.into())),
        },
        Some(_) => data.insert(Refused(
            AppError::Unauthenticated("invalid or expired token".into()).into(),
        )),
    }
    data
}

/// The schema, as the socket may use it.
#[derive(Clone)]
struct Subscriptions {
    schema: AppSchema,
    limits: Arc<QueryLimits>,
}

impl Subscriptions {
    /// Why an operation may not run here, before it runs; `None`: it may (a document that
    /// does not parse is left to the executor, which reports where).
    fn refusal(&self, request: &mut Request, data: Option<&Data>) -> Option<ServerError> {
        if let Some(Refused(error)) = data
            .and_then(|d| d.get(&TypeId::of::<Refused>()))
            .and_then(|d| d.downcast_ref::<Refused>())
        {
            return Some(error.clone().into_server_error(Default::default()));
        }
        let name = request.operation_name.clone();
        let doc = request.parsed_query().ok()?;
        let operation = limits::selected_operation(doc, name.as_deref())?;
        if let Err(message) = subscription_only(operation.ty) {
            return Some(bad_request(message, "BAD_REQUEST"));
        }
        let l = &self.limits;
        limits::check(doc, name.as_deref(), l.max_aliases, l.max_root_fields)
            .err()
            .map(|exceeded| bad_request(&exceeded.message(), "BAD_USER_INPUT"))
    }
}

fn subscription_only(ty: OperationType) -> Result<(), &'static str> {
    if ty != OperationType::Subscription {
        return Err("send queries and mutations over HTTP: this socket carries subscriptions only");
    }
    Ok(())
}

fn bad_request(message: &str, code: &str) -> ServerError {
    let mut error = ServerError::new(message, None);
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", code);
    error
}

impl Executor for Subscriptions {
    /// Not used by the socket, which runs everything as a stream; answers as it would.
    fn execute(&self, request: Request) -> impl Future<Output = Response> + Send {
        let mut stream = self.execute_stream(request, None);
        async move { stream.next().await.unwrap_or_default() }
    }

    fn execute_stream(
        &self,
        mut request: Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        if let Some(refusal) = self.refusal(&mut request, session_data.as_deref()) {
            let mut errors = vec![refusal];
            crate::messages_zh::annotate(&mut errors);
            return futures_util::stream::once(async move { Response::from_errors(errors) })
                .boxed();
        }
        // Kept to name the argument of an input error, as over HTTP.
        let query = request.query.clone();
        self.schema
            .execute_stream_with_session_data(request, session_data.unwrap_or_default())
            .map(move |mut response| {
                complete_errors(&query, &mut response.errors);
                response
            })
            .boxed()
    }
}
