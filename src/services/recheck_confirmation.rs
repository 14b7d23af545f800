//! The confirmation of recheck findings before their province-wide publication: the
//! consultancy a finding names may respond once in writing (陈述申辩) until the finding's due
//! day; the province then confirms it (once the response is in or the window has passed) or
//! withdraws it with a reason. Only confirmed findings are published
//! (`publications::publish_recheck_findings`). The rules are `rules::finding_confirmation`.
//!
//! Each act is one conditional write (`… WHERE status = 'RECORDED'`, and for a response
//! `AND responded_at IS NULL`), so two acts racing on one finding cannot both land: the
//! second answers CONFLICT and writes nothing. The consultancy's accounts are told when a
//! finding about it is recorded (with the deadline) and when it is decided.

use chrono::Utc;
use entity::{recheck_finding, review};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, UpdateMany,
};
use serde_json::json;
use uuid::Uuid;

use crate::auth::Viewer;
use crate::db::begin_write;
use crate::domain::{FindingStatus, NotificationKind, Role};
use crate::error::{AppError, AppResult};
use crate::rules::finding_confirmation::{
    Act, FindingState, NOTE_MAX_CHARS, Party, RESPONSE_MAX_CHARS, Refusal, check, may,
};

use super::notifications::findings::FindingFacts;
use super::notifications::{self, Params};
use super::text::{optional_text, required_text};
use super::versioned::write_guarded;
use super::{audit_log, audits, enterprises, today};

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> AppResult<recheck_finding::Model> {
    recheck_finding::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("RecheckFinding", id))
}

/// Who the viewer is to the finding.
fn party(viewer: &Viewer, finding: &recheck_finding::Model) -> Party {
    match viewer.role() {
        Some(Role::ProvinceAdmin) => Party::Province,
        Some(Role::Consultancy)
            if finding
                .consultancy_id
                .is_some_and(|c| viewer.is_consultancy(c)) =>
        {
            Party::FirmConcerned
        }
        _ => Party::Other,
    }
}

fn state_of(finding: &recheck_finding::Model) -> FindingState {
    FindingState {
        status: finding.status,
        responded: finding.responded_at.is_some(),
        response_due_on: finding.response_due_on,
    }
}

fn refused(err: Refusal) -> AppError {
    if err.is_conflict() {
        AppError::conflict(err.to_string())
    } else {
        AppError::bad_input("input.findingId", err.to_string())
    }
}

/// The finding, when the viewer may do `act` to it now; FORBIDDEN for anyone not entitled,
/// whatever the finding's state.
async fn for_act(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
    act: Act,
) -> AppResult<recheck_finding::Model> {
    viewer.require_user()?;
    let finding = find(db, id).await?;
    if !may(party(viewer, &finding), act) {
        return Err(match act {
            Act::Respond => {
                AppError::forbidden("only the consultancy a finding names responds to it")
            }
            Act::Confirm | Act::Withdraw => {
                AppError::forbidden("only a province admin confirms or withdraws a recheck finding")
            }
        });
    }
    Ok(finding)
}

/// The facts the consultancy's notification freezes.
async fn facts(
    db: &impl ConnectionTrait,
    finding: &recheck_finding::Model,
) -> AppResult<FindingFacts> {
    let audit = audits::find(db, finding.audit_id).await?;
    let enterprise = enterprises::find(db, audit.enterprise_id).await?.name;
    let recheck_date = audits::find_review(db, finding.review_id)
        .await?
        .review_date;
    Ok(FindingFacts::of(finding, &enterprise, recheck_date))
}

/// Tells the consultancy's accounts (not disabled) of a finding, inside the event's
/// transaction. A finding without a consultancy tells no one.
async fn tell_firm(
    txn: &impl ConnectionTrait,
    kind: NotificationKind,
    facts: FindingFacts,
    firm: Option<Uuid>,
) -> AppResult<()> {
    let Some(firm) = firm else {
        return Ok(());
    };
    let accounts = notifications::party_accounts(txn, &[], &[firm]).await?;
    let subject_id = facts.finding_id;
    notifications::enqueue(
        txn,
        accounts
            .into_iter()
            .map(|user| notifications::Notice {
                to: notifications::Recipient::User(user.id),
                kind,
                params: Params {
                    finding: Some(facts.clone()),
                    ..Default::default()
                },
                subject_type: "RecheckFinding",
                subject_id,
            })
            .collect(),
    )
    .await
}

/// Tells each finding's consultancy that it was recorded and until when it may respond
/// (`RECHECK_FINDING_RECORDED`), inside `record_findings`' transaction.
pub(crate) async fn notify_recorded(
    txn: &impl ConnectionTrait,
    findings: &[recheck_finding::Model],
    enterprise: &str,
    recheck: &review::Model,
) -> AppResult<()> {
    for finding in findings {
        let facts = FindingFacts::of(finding, enterprise, recheck.review_date);
        tell_firm(
            txn,
            NotificationKind::RecheckFindingRecorded,
            facts,
            finding.consultancy_id,
        )
        .await?;
    }
    Ok(())
}

/// The consultancy a finding names answers it in writing (陈述申辩), once, by its due day.
pub async fn respond(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    response: &str,
) -> AppResult<recheck_finding::Model> {
    let finding = for_act(db, viewer, id, Act::Respond).await?;
    let response = required_text("input.response", response, RESPONSE_MAX_CHARS)?;
    check(Act::Respond, state_of(&finding), today()).map_err(refused)?;
    let txn = begin_write(db).await?;
    let now = Utc::now();
    let write = recheck_finding::Entity::update_many()
        .col_expr(
            recheck_finding::Column::Response,
            Expr::value(Some(response.clone())),
        )
        .col_expr(recheck_finding::Column::RespondedAt, Expr::value(Some(now)))
        .col_expr(
            recheck_finding::Column::RespondedBy,
            Expr::value(viewer.user_id()),
        )
        .filter(recheck_finding::Column::Id.eq(id))
        .filter(recheck_finding::Column::Status.eq(FindingStatus::Recorded.as_str()))
        .filter(recheck_finding::Column::RespondedAt.is_null());
    let saved = written_once(&txn, write, id).await?;
    audit_log::commit(
        txn,
        viewer,
        "respondToRecheckFinding",
        "RecheckFinding",
        Some(id.to_string()),
        json!({
            "consultancyId": saved.consultancy_id,
            "responseChars": response.chars().count(),
            "responseDueOn": saved.response_due_on,
        }),
    )
    .await?;
    Ok(saved)
}

/// Runs an act's guarded write of finding `id` (its filters say what the finding must still
/// be) and answers the finding as written, or CONFLICT when another act came first.
async fn written_once(
    txn: &impl ConnectionTrait,
    update: UpdateMany<recheck_finding::Entity>,
    id: Uuid,
) -> AppResult<recheck_finding::Model> {
    write_guarded(txn, update, || {
        AppError::conflict("the finding changed meanwhile; read it again")
    })
    .await?;
    find(txn, id).await
}

/// The province confirms a finding (with an optional note) or withdraws it (with a reason):
/// `decision` is CONFIRMED or WITHDRAWN. The consultancy is told.
pub async fn decide(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    decision: FindingStatus,
    note: Option<String>,
) -> AppResult<recheck_finding::Model> {
    let (act, operation) = match decision {
        FindingStatus::Confirmed => (Act::Confirm, "confirmRecheckFinding"),
        FindingStatus::Withdrawn => (Act::Withdraw, "withdrawRecheckFinding"),
        FindingStatus::Recorded => {
            return Err(AppError::internal(
                "a finding is decided CONFIRMED or WITHDRAWN",
            ));
        }
    };
    let finding = for_act(db, viewer, id, act).await?;
    let note = match act {
        Act::Withdraw => Some(required_text(
            "input.reason",
            note.as_deref().unwrap_or_default(),
            NOTE_MAX_CHARS,
        )?),
        _ => optional_text("input.note", note, NOTE_MAX_CHARS)?,
    };
    check(act, state_of(&finding), today()).map_err(refused)?;
    let txn = begin_write(db).await?;
    let write = recheck_finding::Entity::update_many()
        .col_expr(
            recheck_finding::Column::Status,
            Expr::value(decision.as_str()),
        )
        .col_expr(
            recheck_finding::Column::DecidedAt,
            Expr::value(Some(Utc::now())),
        )
        .col_expr(
            recheck_finding::Column::DecidedBy,
            Expr::value(viewer.user_id()),
        )
        .col_expr(
            recheck_finding::Column::DecisionNote,
            Expr::value(note.clone()),
        )
        .filter(recheck_finding::Column::Id.eq(id))
        .filter(recheck_finding::Column::Status.eq(FindingStatus::Recorded.as_str()));
    let saved = written_once(&txn, write, id).await?;
    let told = facts(&txn, &saved).await?;
    tell_firm(
        &txn,
        NotificationKind::RecheckFindingDecided,
        told,
        saved.consultancy_id,
    )
    .await?;
    audit_log::commit(
        txn,
        viewer,
        operation,
        "RecheckFinding",
        Some(id.to_string()),
        json!({
            "status": decision,
            "note": note,
            "responded": saved.responded_at.is_some(),
            "consultancyId": saved.consultancy_id,
        }),
    )
    .await?;
    Ok(saved)
}
