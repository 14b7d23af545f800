//! Prometheus metrics at `/metrics`: GraphQL requests and their latency by operation name
//! and outcome, the database pool, panel draws, and notification deliveries by channel and
//! outcome.

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

use actix_web::{HttpResponse, web};
use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::services::ServiceMetrics;

use crate::AppState;

#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq, EncodeLabelValue)]
pub enum Outcome {
    /// Executed without errors.
    Ok,
    /// Executed, with errors in the response.
    Error,
    /// Refused before execution (bad request, limits, authentication).
    Rejected,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub operation: String,
    pub outcome: Outcome,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DeliveryLabels {
    pub channel: String,
    pub outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DrawLabels {
    pub kind: String,
    pub outcome: String,
}

/// Operation names are chosen by clients: only this many distinct ones get their own
/// label, so a hostile client cannot grow the series without bound.
const MAX_OPERATION_LABELS: usize = 200;

pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RequestLabels, Histogram>,
    draws: Family<DrawLabels, Counter>,
    deliveries: Family<DeliveryLabels, Counter>,
    draw_batch_size: Histogram,
    frozen_answers: Counter,
    pool_connections: Gauge,
    pool_idle: Gauge,
    known_operations: Mutex<HashSet<String>>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("cleanprod");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RequestLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.0005, 2.0, 16))
        });
        let draws = Family::<DrawLabels, Counter>::default();
        let deliveries = Family::<DeliveryLabels, Counter>::default();
        // 1, 2, 4 … 32 (`draw::MAX_BATCH`).
        let draw_batch_size = Histogram::new(exponential_buckets(1.0, 2.0, 6));
        let frozen_answers = Counter::default();
        let pool_connections = Gauge::default();
        let pool_idle = Gauge::default();
        registry.register(
            "graphql_requests",
            "GraphQL requests by operation name and outcome",
            requests.clone(),
        );
        registry.register(
            "graphql_request_duration_seconds",
            "GraphQL request latency by operation name and outcome",
            latency.clone(),
        );
        registry.register(
            "panel_draws",
            "Panel draws by review kind and outcome",
            draws.clone(),
        );
        registry.register(
            "notification_deliveries",
            "Tries of e-mail and SMS deliveries by channel and outcome",
            deliveries.clone(),
        );
        registry.register(
            "panel_draw_batch_size",
            "Draws written together in one transaction",
            draw_batch_size.clone(),
        );
        registry.register(
            "graphql_frozen_answers",
            "Answers to published-ranking queries served as kept, without executing them",
            frozen_answers.clone(),
        );
        registry.register(
            "db_pool_connections",
            "Open database connections",
            pool_connections.clone(),
        );
        registry.register(
            "db_pool_idle",
            "Idle database connections",
            pool_idle.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            draws,
            deliveries,
            draw_batch_size,
            frozen_answers,
            pool_connections,
            pool_idle,
            known_operations: Mutex::new(HashSet::new()),
        }
    }

    /// The label for a client-given operation name.
    fn operation_label(&self, name: Option<&str>) -> String {
        let Some(name) = name.filter(|n| {
            !n.is_empty()
                && n.len() <= 64
                && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        }) else {
            return "anonymous".to_owned();
        };
        let Ok(mut known) = self.known_operations.lock() else {
            return "other".to_owned();
        };
        if known.contains(name) || known.len() < MAX_OPERATION_LABELS {
            known.insert(name.to_owned());
            name.to_owned()
        } else {
            "other".to_owned()
        }
    }

    pub fn observe_request(&self, operation: Option<&str>, outcome: Outcome, elapsed: Duration) {
        let labels = RequestLabels {
            operation: self.operation_label(operation),
            outcome,
        };
        self.requests.get_or_create(&labels).inc();
        self.latency
            .get_or_create(&labels)
            .observe(elapsed.as_secs_f64());
    }

    /// An answer served from `http::frozen_answers`.
    pub fn observe_frozen_answer(&self) {
        self.frozen_answers.inc();
    }

    fn encode(&self) -> Result<String, std::fmt::Error> {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)?;
        Ok(out)
    }
}

impl ServiceMetrics for Metrics {
    fn observe_draw(&self, kind: &str, outcome: &str) {
        self.draws
            .get_or_create(&DrawLabels {
                kind: kind.to_owned(),
                outcome: outcome.to_owned(),
            })
            .inc();
    }

    fn observe_draw_batch(&self, size: usize) {
        self.draw_batch_size.observe(size as f64);
    }

    fn observe_delivery(&self, channel: &str, outcome: &str) {
        self.deliveries
            .get_or_create(&DeliveryLabels {
                channel: channel.to_owned(),
                outcome: outcome.to_owned(),
            })
            .inc();
    }
}

pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let pools = match state.pools.lock() {
        Ok(pools) => pools.clone(),
        Err(poisoned) => poisoned.into_inner().clone(),
    };
    let (size, idle) = pools.iter().fold((0, 0), |(size, idle), db| {
        let (s, i) = match db.get_database_backend() {
            sea_orm::DbBackend::Postgres => {
                let pool = db.get_postgres_connection_pool();
                (pool.size(), pool.num_idle())
            }
            _ => {
                let pool = db.get_sqlite_connection_pool();
                (pool.size(), pool.num_idle())
            }
        };
        (size + s, idle + i)
    });
    let metrics = &state.metrics;
    metrics.pool_connections.set(i64::from(size));
    metrics
        .pool_idle
        .set(i64::try_from(idle).unwrap_or(i64::MAX));
    match metrics.encode() {
        Ok(body) => HttpResponse::Ok()
            .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
            .body(body),
        Err(_) => HttpResponse::InternalServerError().finish(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_labels_are_bounded() {
        let m = Metrics::new();
        assert_eq!(m.operation_label(None), "anonymous");
        assert_eq!(m.operation_label(Some("bad name!")), "anonymous");
        for i in 0..MAX_OPERATION_LABELS {
            assert_eq!(m.operation_label(Some(&format!("Op{i}"))), format!("Op{i}"));
        }
        assert_eq!(m.operation_label(Some("OneTooMany")), "other");
        assert_eq!(m.operation_label(Some("Op3")), "Op3");
        m.observe_request(Some("Op3"), Outcome::Ok, Duration::from_millis(3));
        let text = m.encode().expect("encodes");
        assert!(
            text.contains("cleanprod_graphql_requests_total{operation=\"Op3\",outcome=\"Ok\"} 1"),
            "{text}"
        );
    }
}
