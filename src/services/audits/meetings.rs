//! A review as a meeting: its start (China time), venue, the organiser's contact and a note.
//! Changes are kept in the review's history; made after the draw, the seated experts are
//! notified (in the change's transaction) and an event is published for other code.
//!
//! Part of the audit service (glob import of the parent module, like `reviews`).

use super::*;
use crate::domain::NotificationKind;
use crate::rules::meetings::{parse_start_time, starts_at};
use crate::services::events::DomainEvent;
use crate::services::notifications::{self, Notice, Params, Recipient, ReviewFacts};
use crate::services::text::phone_number;
use entity::{panel_seat, review_change};

// The meeting as the organiser sets it, every field replacing the stored one (the GraphQL
// input `ReviewMeetingInput`). Its doc comments are the input's GraphQL descriptions.
/// A review's meeting details as set.
#[derive(async_graphql::InputObject)]
#[graphql(name = "ReviewMeetingInput")]
pub struct MeetingInput {
    /// `HH:MM`, China time, on the review date.
    pub start_time: String,
    pub venue: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub note: Option<String>,
}

/// Sets a scheduled review's meeting details (its organiser).
pub async fn set_review_meeting(
    s: &crate::services::Services,
    viewer: &Viewer,
    review_id: Uuid,
    input: MeetingInput,
) -> AppResult<review::Model> {
    viewer.require_official()?;
    let db = &s.db;
    let found = find_review(db, review_id).await?;
    let audit = find(db, found.audit_id).await?;
    require_organiser(viewer, found.organiser_city_code.as_deref(), &audit)?;
    let (hour, minute) = parse_start_time(&input.start_time)
        .ok_or_else(|| AppError::bad_input("input.startTime", "must be a time of day as HH:MM"))?;
    let venue = required_text("input.venue", &input.venue, 200)?;
    let contact_name = required_text("input.contactName", &input.contact_name, 50)?;
    let contact_phone = phone_number("input.contactPhone", &input.contact_phone)?;
    let note = optional_text("input.note", input.note, 500)?;
    if found.status != ReviewStatus::Scheduled {
        return Err(AppError::bad_input(
            "reviewId",
            "the review has been held; its meeting can no longer change",
        ));
    }
    let start = starts_at(found.review_date, hour, minute);
    let mut changes = serde_json::Map::new();
    let mut note_change = |field: &str, before: serde_json::Value, after: serde_json::Value| {
        if before != after {
            changes.insert(
                field.to_owned(),
                json!({ "before": before, "after": after }),
            );
        }
    };
    note_change("startsAt", json!(found.starts_at), json!(start));
    note_change("venue", json!(found.venue), json!(venue));
    note_change(
        "contactName",
        json!(found.contact_name),
        json!(contact_name),
    );
    note_change(
        "contactPhone",
        json!(found.contact_phone),
        json!(contact_phone),
    );
    note_change("note", json!(found.meeting_note), json!(note));
    if changes.is_empty() {
        return Ok(found);
    }
    let changed: Vec<String> = changes.keys().cloned().collect();
    let changes = serde_json::Value::Object(changes);
    let drawn = crate::services::panels::has_panel(db, review_id).await?;
    // Named in the seated experts' notification; nobody to tell before the draw.
    let enterprise_name = if drawn {
        crate::services::enterprises::find(db, audit.enterprise_id)
            .await?
            .name
    } else {
        String::new()
    };
    let txn = begin_write(db).await?;
    let mut active: review::ActiveModel = found.clone().into();
    active.starts_at = Set(Some(start));
    active.venue = Set(Some(venue));
    active.contact_name = Set(Some(contact_name));
    active.contact_phone = Set(Some(contact_phone));
    active.meeting_note = Set(note);
    active.updated_at = Set(Utc::now());
    let saved = active.update(&txn).await?;
    review_change::ActiveModel {
        id: Set(Uuid::now_v7()),
        review_id: Set(review_id),
        changed_at: Set(Utc::now()),
        changed_by: Set(viewer.user_id()),
        after_draw: Set(drawn),
        changes: Set(changes.to_string()),
    }
    .insert(&txn)
    .await?;
    // Who must hear of it: read in the transaction, so no seat answered meanwhile is missed.
    let experts: Vec<Uuid> = if drawn {
        panel_seat::Entity::find()
            .filter(panel_seat::Column::ReviewId.eq(review_id))
            .filter(crate::services::is_not_constant(
                panel_seat::Column::Status,
                crate::domain::SeatStatus::Declined.as_str(),
            ))
            .all(&txn)
            .await?
            .into_iter()
            .map(|seat| seat.expert_id)
            .collect()
    } else {
        Vec::new()
    };
    let facts = ReviewFacts::of(&saved, &enterprise_name);
    notifications::enqueue(
        &txn,
        experts
            .iter()
            .map(|expert_id| Notice {
                to: Recipient::Expert(*expert_id),
                kind: NotificationKind::ReviewMeetingChanged,
                params: Params {
                    review: Some(facts.clone()),
                    changed: changed.clone(),
                    ..Default::default()
                },
                subject_type: "Review",
                subject_id: review_id,
            })
            .collect(),
    )
    .await?;
    audit_log::commit(
        txn,
        viewer,
        "setReviewMeeting",
        "Review",
        Some(review_id.to_string()),
        json!({ "changes": changes, "afterDraw": drawn }),
    )
    .await?;
    if drawn {
        s.events.publish(DomainEvent::ReviewMeetingChanged {
            review_id,
            experts,
            changes,
        });
    }
    Ok(saved)
}

/// The review's meeting changes, oldest first.
pub async fn meeting_changes(
    db: &impl ConnectionTrait,
    review_id: Uuid,
) -> AppResult<Vec<review_change::Model>> {
    Ok(review_change::Entity::find()
        .filter(review_change::Column::ReviewId.eq(review_id))
        .order_by_asc(review_change::Column::Id)
        .all(db)
        .await?)
}
