//! What happened that others must hear of: the services publish events here after their
//! transaction commits; whoever runs the services decides where they go (the notification
//! work delivers them; until then they are logged).

use uuid::Uuid;

#[derive(Clone, Debug, PartialEq)]
pub enum DomainEvent {
    /// A review's meeting details changed after its panel was drawn: the seated experts
    /// (not declined) must be told.
    ReviewMeetingChanged {
        review_id: Uuid,
        experts: Vec<Uuid>,
        /// field → { "before", "after" }.
        changes: serde_json::Value,
    },
}

pub trait EventSink: Send + Sync {
    fn publish(&self, event: DomainEvent);
}

/// Writes each event to the service log.
pub struct LoggedEvents;

impl EventSink for LoggedEvents {
    fn publish(&self, event: DomainEvent) {
        tracing::info!(?event, "domain event");
    }
}
