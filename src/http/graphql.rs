//! GraphQL over HTTP, as the GraphQL-over-HTTP specification says, written here because
//! the stock responder runs mutations on GET, parses any content type as JSON, answers 200
//! to everything and reads bodies without a cap.
//!
//! - POST takes `application/json` (415 otherwise), capped at `CLEANPROD_MAX_BODY_BYTES` (413).
//! - GET takes `query`, `variables`, `operationName` from the URL; a mutation is 405.
//!   A browser's GET without a query gets GraphiQL.
//! - `Accept` chooses `application/graphql-response+json` (preferred) or `application/json`
//!   (406 when neither is acceptable). Under the former, a request that fails before
//!   execution (unparsable, invalid) is answered 400; under the latter, 200, as legacy
//!   clients expect.
//! - A bad bearer token is 401 with an `UNAUTHENTICATED` error, never a 500.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::extensions::apollo_persisted_queries::CacheStorage;
use async_graphql::parser::types::{ExecutableDocument, OperationType};
use futures_util::{StreamExt, TryStreamExt};
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::auth::Viewer;
use crate::auth::token::Claims;
use crate::error::AppError;
use crate::graphql::loaders::Loaders;
use crate::http::metrics::Outcome;
use crate::http::{frozen_answers, limits};
use crate::services::users::principal_for_token;
use tracing::Instrument;

pub const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
const APPLICATION_JSON: &str = "application/json";

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum ResponseType {
    GraphqlResponseJson,
    Json,
}

impl ResponseType {
    fn content_type(self) -> &'static str {
        match self {
            ResponseType::GraphqlResponseJson => "application/graphql-response+json; charset=utf-8",
            ResponseType::Json => "application/json; charset=utf-8",
        }
    }
}

/// Picks the response media type from `Accept`, by q-value; ties prefer the
/// GraphQL-specific type. No `Accept` at all means `application/json`.
fn negotiate(req: &HttpRequest) -> Option<ResponseType> {
    let Some(accept) = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
    else {
        return Some(ResponseType::Json);
    };
    let mut best: Option<(f32, ResponseType)> = None;
    for part in accept.split(',') {
        let mut pieces = part.split(';');
        let media = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = pieces
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if q <= 0.0 {
            continue;
        }
        let candidates: &[ResponseType] = match media.as_str() {
            GRAPHQL_RESPONSE_JSON => &[ResponseType::GraphqlResponseJson],
            APPLICATION_JSON => &[ResponseType::Json],
            // The GraphQL-over-HTTP spec: a client that accepts anything gets application/json,
            // which every client reads (as with no Accept at all).
            "application/*" | "*/*" => &[ResponseType::Json],
            _ => &[],
        };
        for candidate in candidates {
            let better = match best {
                None => true,
                Some((bq, bt)) => {
                    q > bq
                        || (q == bq
                            && *candidate == ResponseType::GraphqlResponseJson
                            && bt == ResponseType::Json)
                }
            };
            if better {
                best = Some((q, *candidate));
            }
        }
    }
    best.map(|(_, t)| t)
}

fn error_body(message: &str, code: &str) -> serde_json::Value {
    crate::messages_zh::add_to_body(
        json!({ "errors": [{ "message": message, "extensions": { "code": code } }] }),
    )
}

/// A query-string parameter that carries JSON (`variables`, `extensions`); absent is `None`.
fn json_param(raw: Option<&str>) -> Result<Option<serde_json::Value>, ()> {
    raw.map(serde_json::from_str).transpose().map_err(|_| ())
}

fn error_response(status: StatusCode, rt: ResponseType, message: &str, code: &str) -> HttpResponse {
    HttpResponse::build(status)
        .content_type(rt.content_type())
        .json(error_body(message, code))
}

fn plain_error(status: StatusCode, message: &str) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("application/json; charset=utf-8")
        .json(error_body(message, "BAD_REQUEST"))
}

/// Resolves the bearer token, if any, to a viewer. No header: anonymous.
pub(crate) async fn resolve_viewer(
    state: &AppState,
    req: &HttpRequest,
) -> Result<Viewer, AppError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(Viewer::Anonymous);
    };
    let value = value.to_str().map_err(|_| invalid_token())?;
    Ok(bearer_viewer(state, value).await?.0)
}

fn invalid_token() -> AppError {
    AppError::Unauthenticated("invalid or expired token".into())
}

/// The viewer an `Authorization` value (`Bearer <jwt>`) signs in, with the token's claims:
/// its signature and expiry, then its user (not disabled, the token's version current).
/// Also the sign-in of a WebSocket (`graphql_ws`).
pub(crate) async fn bearer_viewer(
    state: &AppState,
    value: &str,
) -> Result<(Viewer, Claims), AppError> {
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(invalid_token)?;
    let claims = state.services.keys.verify(token)?;
    let principal = principal_for_token(&state.services, claims.sub, claims.ver).await?;
    Ok((Viewer::User(principal), claims))
}

#[derive(Deserialize)]
pub struct GetParams {
    query: Option<String>,
    #[serde(rename = "operationName")]
    operation_name: Option<String>,
    variables: Option<String>,
    extensions: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PostBody {
    query: Option<String>,
    #[serde(rename = "operationName")]
    operation_name: Option<String>,
    variables: Option<serde_json::Value>,
    extensions: Option<serde_json::Value>,
}

/// Which operation a document would run, if it can be told before execution.
#[cfg(test)]
fn operation_type(query: &str, operation_name: Option<&str>) -> Option<OperationType> {
    let doc = async_graphql::parser::parse_query(query).ok()?;
    limits::selected_operation(&doc, operation_name).map(|op| op.ty)
}

fn wants_html(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"))
}

pub async fn get(
    state: web::Data<AppState>,
    req: HttpRequest,
    params: web::Query<GetParams>,
) -> HttpResponse {
    let params = params.into_inner();
    let persisted = params
        .extensions
        .as_deref()
        .is_some_and(|e| e.contains("persistedQuery"));
    let Some(query) = params.query.or_else(|| persisted.then(String::new)) else {
        if wants_html(&req) && state.services.config.web.graphiql {
            return super::graphiql::page();
        }
        let rt = negotiate(&req).unwrap_or(ResponseType::Json);
        return error_response(
            StatusCode::BAD_REQUEST,
            rt,
            "query is required",
            "BAD_REQUEST",
        );
    };
    let Some(rt) = negotiate(&req) else {
        return plain_error(
            StatusCode::NOT_ACCEPTABLE,
            "accept application/graphql-response+json or application/json",
        );
    };
    let variables = match json_param(params.variables.as_deref()) {
        Ok(value) => value,
        Err(()) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                rt,
                "variables is not JSON",
                "BAD_REQUEST",
            );
        }
    };
    let extensions = match json_param(params.extensions.as_deref()) {
        Ok(value) => value,
        Err(()) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                rt,
                "extensions is not JSON",
                "BAD_REQUEST",
            );
        }
    };
    execute(
        &state,
        &req,
        rt,
        Method::GET,
        GraphqlParams {
            query,
            operation_name: params.operation_name,
            variables,
            extensions,
            uploads: Vec::new(),
        },
    )
    .await
}

fn is_json_content_type(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<mime::Mime>().ok())
        .is_some_and(|m| m.type_() == mime::APPLICATION && m.subtype() == mime::JSON)
}

fn is_multipart(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<mime::Mime>().ok())
        .is_some_and(|m| m.type_() == mime::MULTIPART && m.subtype() == mime::FORM_DATA)
}

/// A GraphQL multipart request (file uploads): the operation, its map and at most one file
/// per request, each file no larger than the document limit.
async fn post_multipart(
    state: &AppState,
    req: &HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let Some(rt) = negotiate(req) else {
        return plain_error(
            StatusCode::NOT_ACCEPTABLE,
            "accept application/graphql-response+json or application/json",
        );
    };
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let max = usize::try_from(state.services.config.documents.max_bytes).unwrap_or(usize::MAX);
    // The request body lives on this worker's thread; the parser wants a `Send` reader, so
    // the chunks cross over a channel.
    let (sender, receiver) = tokio::sync::mpsc::channel::<std::io::Result<bytes::Bytes>>(16);
    actix_web::rt::spawn(async move {
        let mut payload = payload;
        while let Some(chunk) = payload.next().await {
            let broke = chunk.is_err();
            if sender
                .send(chunk.map_err(std::io::Error::other))
                .await
                .is_err()
                || broke
            {
                break;
            }
        }
    });
    let body = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|chunk| (chunk, receiver))
    })
    .into_async_read();
    let options = async_graphql::http::MultipartOptions::default()
        .max_file_size(max)
        .max_num_files(1);
    let request = match async_graphql::http::receive_body(content_type, body, options).await {
        Ok(request) => request,
        Err(
            async_graphql::ParseRequestError::PayloadTooLarge
            | async_graphql::ParseRequestError::InvalidMultipart(
                multer::Error::FieldSizeExceeded { .. } | multer::Error::StreamSizeExceeded { .. },
            ),
        ) => {
            return error_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                rt,
                "request body too large",
                "PAYLOAD_TOO_LARGE",
            );
        }
        Err(_) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                rt,
                "the multipart request is not a GraphQL upload",
                "BAD_REQUEST",
            );
        }
    };
    let variables = serde_json::to_value(&request.variables).ok();
    execute(
        state,
        req,
        rt,
        Method::POST,
        GraphqlParams {
            query: request.query,
            operation_name: request.operation_name,
            variables,
            extensions: None,
            uploads: request.uploads,
        },
    )
    .await
}

pub async fn post(
    state: web::Data<AppState>,
    req: HttpRequest,
    mut payload: web::Payload,
) -> HttpResponse {
    if req.method() != Method::POST {
        return plain_error(StatusCode::METHOD_NOT_ALLOWED, "use GET or POST");
    }
    if is_multipart(&req) {
        return post_multipart(&state, &req, payload).await;
    }
    if !is_json_content_type(&req) {
        return plain_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the request as application/json",
        );
    }
    let Some(rt) = negotiate(&req) else {
        return plain_error(
            StatusCode::NOT_ACCEPTABLE,
            "accept application/graphql-response+json or application/json",
        );
    };
    let limit = state.services.config.max_body_bytes;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|len| len > limit) {
        return error_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            rt,
            "request body too large",
            "PAYLOAD_TOO_LARGE",
        );
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let Ok(chunk) = chunk else {
            return error_response(
                StatusCode::BAD_REQUEST,
                rt,
                "could not read the request body",
                "BAD_REQUEST",
            );
        };
        if body.len() + chunk.len() > limit {
            return error_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                rt,
                "request body too large",
                "PAYLOAD_TOO_LARGE",
            );
        }
        body.extend_from_slice(&chunk);
    }
    let parsed: PostBody = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(_) => {
            // Batches (a JSON array) are not accepted: one operation per request.
            return error_response(
                StatusCode::BAD_REQUEST,
                rt,
                "the body must be a JSON object with query, variables and operationName",
                "BAD_REQUEST",
            );
        }
    };
    let persisted = parsed
        .extensions
        .as_ref()
        .is_some_and(|e| e.get("persistedQuery").is_some());
    let Some(query) = parsed.query.or_else(|| persisted.then(String::new)) else {
        return error_response(
            StatusCode::BAD_REQUEST,
            rt,
            "query is required",
            "BAD_REQUEST",
        );
    };
    execute(
        &state,
        &req,
        rt,
        Method::POST,
        GraphqlParams {
            query,
            operation_name: parsed.operation_name,
            variables: parsed.variables,
            extensions: parsed.extensions,
            uploads: Vec::new(),
        },
    )
    .await
}

struct GraphqlParams {
    /// Empty when the client sends only a persisted query's hash.
    query: String,
    operation_name: Option<String>,
    variables: Option<serde_json::Value>,
    extensions: Option<serde_json::Value>,
    /// Files of a multipart request, which the variables name by index.
    uploads: Vec<async_graphql::UploadValue>,
}

#[derive(Deserialize)]
struct PersistedQuery {
    version: i64,
    #[serde(rename = "sha256Hash")]
    sha256_hash: String,
}

/// The parsed document of a request, from the instance's cache of parsed documents (by the
/// SHA-256 of their text) where it is there.
///
/// Front ends send the same few operations again and again, and parsing one took a tenth of
/// the server's time in a deep read (async-graphql's parser is a pest grammar): each text is
/// parsed once per instance while it stays among the recently used.
///
/// The same cache answers automatic persisted queries (Apollo's protocol), here rather than
/// by async-graphql's extension: any schema extension sends every field of every answer
/// through the extension chain, which cost about a fifth of a deep read's time. A text sent
/// once may then be sent by its hash alone.
///
/// `Ok(Some)`: the document and the hex SHA-256 of its text. `Ok(None)`: nothing to
/// substitute (a query that does not parse, whose error the executor reports with its
/// position). `Err`: the client's message.
async fn parsed_document(
    state: &AppState,
    query: &str,
    extensions: Option<&serde_json::Value>,
) -> Result<Option<(String, ExecutableDocument)>, String> {
    let persisted = match extensions.and_then(|e| e.get("persistedQuery")) {
        None => None,
        Some(value) => {
            let persisted = PersistedQuery::deserialize(value)
                .map_err(|_| "Invalid \"PersistedQuery\" extension configuration.".to_owned())?;
            if persisted.version != 1 {
                return Err(format!(
                    "only version 1 of the \"PersistedQuery\" extension is supported, not {}",
                    persisted.version
                ));
            }
            Some(persisted)
        }
    };
    if query.is_empty() {
        let Some(persisted) = persisted else {
            return Ok(None);
        };
        let hash = persisted.sha256_hash.to_ascii_lowercase();
        return match state.parsed_documents.get(hash.clone()).await {
            Some(doc) => Ok(Some((hash, doc))),
            // The message Apollo's clients look for before sending the query with its hash.
            None => Err("PersistedQueryNotFound".to_owned()),
        };
    }
    let hash = hex::encode(Sha256::digest(query.as_bytes()));
    if let Some(persisted) = persisted
        && !hash.eq_ignore_ascii_case(&persisted.sha256_hash)
    {
        return Err("provided sha does not match query".to_owned());
    }
    if let Some(doc) = state.parsed_documents.get(hash.clone()).await {
        return Ok(Some((hash, doc)));
    }
    let Ok(doc) = async_graphql::parser::parse_query(query) else {
        return Ok(None);
    };
    state.parsed_documents.set(hash.clone(), doc.clone()).await;
    Ok(Some((hash, doc)))
}

/// Runs a request and records its latency and outcome.
async fn execute(
    state: &AppState,
    req: &HttpRequest,
    rt: ResponseType,
    method: Method,
    params: GraphqlParams,
) -> HttpResponse {
    let started = std::time::Instant::now();
    let operation = params.operation_name.clone();
    // One span per request; resolver spans nest under it when CLEANPROD_RESOLVER_SPANS is on.
    let span = tracing::info_span!(
        "graphql",
        operation = operation.as_deref().unwrap_or(""),
        outcome = tracing::field::Empty,
    );
    let (response, outcome) = run(state, req, rt, method, params)
        .instrument(span.clone())
        .await;
    span.record("outcome", tracing::field::debug(&outcome));
    state
        .metrics
        .observe_request(operation.as_deref(), outcome, started.elapsed());
    response
}

async fn run(
    state: &AppState,
    req: &HttpRequest,
    rt: ResponseType,
    method: Method,
    params: GraphqlParams,
) -> (HttpResponse, Outcome) {
    let rejected = |response: HttpResponse| (response, Outcome::Rejected);
    let GraphqlParams {
        query,
        operation_name,
        variables,
        extensions,
        uploads,
    } = params;
    let before_execution = match rt {
        ResponseType::GraphqlResponseJson => StatusCode::BAD_REQUEST,
        ResponseType::Json => StatusCode::OK,
    };
    let mut request = async_graphql::Request::new(query);
    let mut document_hash = None;
    match parsed_document(state, &request.query, extensions.as_ref()).await {
        Ok(Some((hash, doc))) => {
            request.set_parsed_query(doc);
            document_hash = Some(hash);
        }
        Ok(None) => {}
        Err(message) => {
            return rejected(error_response(
                before_execution,
                rt,
                &message,
                "BAD_USER_INPUT",
            ));
        }
    }
    // Checks that need the parsed document. The request keeps what is parsed here, so the
    // executor does not parse it again; an unparsable one is left for the executor to
    // report with its position.
    if let Ok(doc) = request.parsed_query() {
        let name = operation_name.as_deref();
        let is_mutation = limits::selected_operation(doc, name)
            .is_some_and(|op| op.ty == OperationType::Mutation);
        if method == Method::GET && is_mutation {
            return rejected(
                HttpResponse::MethodNotAllowed()
                    .insert_header((header::ALLOW, "POST"))
                    .content_type(rt.content_type())
                    .json(error_body(
                        "mutations must be sent with POST",
                        "METHOD_NOT_ALLOWED",
                    )),
            );
        }
        let l = &state.services.config.limits;
        if let Err(exceeded) = limits::check(doc, name, l.max_aliases, l.max_root_fields) {
            return rejected(error_response(
                before_execution,
                rt,
                &exceeded.message(),
                "BAD_USER_INPUT",
            ));
        }
    }
    let viewer = match resolve_viewer(state, req).await {
        Ok(v) => v,
        Err(err @ AppError::Unauthenticated(_)) => {
            return rejected(
                HttpResponse::Unauthorized()
                    .insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")))
                    .content_type(rt.content_type())
                    .json(error_body(&err.client_message(), err.code())),
            );
        }
        Err(err) => {
            let status = if matches!(err, AppError::Unavailable) {
                StatusCode::SERVICE_UNAVAILABLE
            } else {
                StatusCode::INTERNAL_SERVER_ERROR
            };
            let gql: async_graphql::Error = err.into();
            return rejected(HttpResponse::build(status).content_type(rt.content_type()).json(
                json!({ "errors": [{ "message": gql.message, "extensions": gql.extensions }] }),
            ));
        }
    };
    let frozen = frozen_answer_key(
        state,
        &mut request,
        document_hash.as_deref(),
        operation_name.as_deref(),
        variables.as_ref(),
    );
    if let Some(answer) = frozen
        .as_ref()
        .and_then(|key| state.frozen_answers.get(key))
    {
        state.metrics.observe_frozen_answer();
        return (kept_response(req, rt, &method, &answer), Outcome::Ok);
    }
    if let Some(name) = operation_name {
        request = request.operation_name(name);
    }
    if let Some(vars) = variables {
        if !vars.is_object() && !vars.is_null() {
            return rejected(error_response(
                StatusCode::BAD_REQUEST,
                rt,
                "variables must be an object",
                "BAD_REQUEST",
            ));
        }
        request = request.variables(async_graphql::Variables::from_json(vars));
    }
    if let Some(serde_json::Value::Object(ext)) = extensions {
        for (k, v) in ext {
            if let Ok(v) = async_graphql::Value::from_json(v) {
                request.extensions.insert(k, v);
            }
        }
    }
    request.uploads = uploads;
    let request = request.data(Loaders::new(&state.services)).data(viewer);
    // Kept to name the argument of an input error (rare; the text is small).
    let query = request.query.clone();
    let mut response = state.schema.execute(request).await;
    complete_errors(&query, &mut response.errors);
    // A response with no data and errors without a path failed before execution began.
    let failed_before_execution = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    let status = if failed_before_execution && rt == ResponseType::GraphqlResponseJson {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let outcome = if failed_before_execution {
        Outcome::Rejected
    } else if response.errors.is_empty() {
        Outcome::Ok
    } else {
        Outcome::Error
    };
    let mut http = HttpResponse::build(status);
    http.content_type(rt.content_type());
    let http = if failed_before_execution {
        // A request that never reached execution has no `data` entry at all, not even null
        // (GraphQL spec, "Response"; GraphQL over HTTP checks it).
        http.json(json!({ "errors": response.errors }))
    } else if let Some(key) = frozen
        && response.errors.is_empty()
        && let Ok(answer) = serde_json::to_vec(&response)
    {
        let answer = frozen_answers::KeptAnswer::new(answer.into());
        state.frozen_answers.keep(key, answer.clone());
        return (kept_response(req, rt, &method, &answer), outcome);
    } else {
        http.json(&response)
    };
    (http, outcome)
}

/// How long a shared cache may keep a published ranking's answer to a GET. Publication is
/// final, so the answer stands; ten minutes bounds how long a cache serves it after an upgrade
/// that renders it differently.
const KEPT_ANSWER_MAX_AGE: &str = "public, max-age=600";

/// A kept answer as sent: gzip-compressed when the client takes it (the same URL may answer
/// either, hence `Vary`), and cacheable by anyone when asked with GET.
fn kept_response(
    req: &HttpRequest,
    rt: ResponseType,
    method: &Method,
    answer: &frozen_answers::KeptAnswer,
) -> HttpResponse {
    let accept_encoding = req
        .headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok());
    let (body, gzip) = answer.body_for(accept_encoding);
    let mut http = HttpResponse::Ok();
    http.content_type(rt.content_type())
        .insert_header((header::VARY, "Accept-Encoding"));
    if gzip {
        http.insert_header((header::CONTENT_ENCODING, "gzip"));
    }
    if *method == Method::GET {
        http.insert_header((header::CACHE_CONTROL, KEPT_ANSWER_MAX_AGE));
    }
    http.body(body)
}

/// The key of the request's answer among the kept ones (`http::frozen_answers`), when it
/// reads only rankings this instance already holds as published: then the answer is final,
/// the same for every viewer. A year published while the query runs is not kept: the query
/// may have read it provisional.
fn frozen_answer_key(
    state: &AppState,
    request: &mut async_graphql::Request,
    document_hash: Option<&str>,
    operation_name: Option<&str>,
    variables: Option<&serde_json::Value>,
) -> Option<[u8; 32]> {
    let hash = document_hash?;
    let doc = request.parsed_query().ok()?;
    let years = frozen_answers::ranking_years(doc, operation_name, variables)?;
    let rankings = &state.services.published_rankings;
    years
        .iter()
        .all(|year| rankings.is_frozen(*year))
        .then(|| frozen_answers::answer_key(hash, operation_name, variables))
}

/// What every answer's errors get, over HTTP or the WebSocket: errors raised by async-graphql
/// itself (syntax, validation, limits, input coercion) carry no code, and they are all faults
/// in the client's request; and every error gets its Chinese.
pub(crate) fn complete_errors(query: &str, errors: &mut [async_graphql::ServerError]) {
    for error in errors.iter_mut() {
        let field = input_field_of(query, error);
        let extensions = error.extensions.get_or_insert_with(Default::default);
        if extensions.get("code").is_none() {
            extensions.set("code", "BAD_USER_INPUT");
            if let Some(field) = field {
                extensions.set("field", field);
            }
        }
    }
    crate::messages_zh::annotate(errors);
}

/// The input an error of async-graphql's own is about: the argument it names ("Invalid value
/// for argument \"input.date\", …"), or the one whose value a scalar refused.
fn input_field_of(query: &str, error: &async_graphql::ServerError) -> Option<String> {
    if let Some(rest) = error.message.strip_prefix("Invalid value for argument \"") {
        return rest.split('"').next().map(str::to_owned);
    }
    if error.message.starts_with("Failed to parse") {
        return error
            .locations
            .first()
            .and_then(|at| super::input_errors::argument_at(query, *at));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn negotiate_accept(accept: Option<&str>) -> Option<ResponseType> {
        let mut req = TestRequest::default();
        if let Some(a) = accept {
            req = req.insert_header((header::ACCEPT, a));
        }
        negotiate(&req.to_http_request())
    }

    #[test]
    fn accept_negotiation() {
        assert_eq!(negotiate_accept(None), Some(ResponseType::Json));
        assert_eq!(
            negotiate_accept(Some("application/graphql-response+json")),
            Some(ResponseType::GraphqlResponseJson)
        );
        assert_eq!(
            negotiate_accept(Some("application/json")),
            Some(ResponseType::Json)
        );
        assert_eq!(
            negotiate_accept(Some(
                "application/json, application/graphql-response+json;q=0.9"
            )),
            Some(ResponseType::Json)
        );
        assert_eq!(
            negotiate_accept(Some("application/json, application/graphql-response+json")),
            Some(ResponseType::GraphqlResponseJson)
        );
        assert_eq!(negotiate_accept(Some("*/*")), Some(ResponseType::Json));
        assert_eq!(
            negotiate_accept(Some("application/graphql-response+json, */*;q=0.5")),
            Some(ResponseType::GraphqlResponseJson)
        );
        assert_eq!(negotiate_accept(Some("text/plain")), None);
    }

    #[test]
    fn operation_types() {
        assert_eq!(
            operation_type("{ me { id } }", None),
            Some(OperationType::Query)
        );
        assert_eq!(
            operation_type(
                "mutation { login(username:\"a\", password:\"b\") { token } }",
                None
            ),
            Some(OperationType::Mutation)
        );
        assert_eq!(
            operation_type("query A { me { id } } mutation B { x }", Some("B")),
            Some(OperationType::Mutation)
        );
        assert_eq!(operation_type("{", None), None);
    }
}
