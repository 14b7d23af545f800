//! A later acceptance (延期验收): the city grants one directly, or the enterprise applies and
//! the city grants or refuses the application. Each is a step of the audit that keeps its
//! status and notes the move of the acceptance deadline in the history.
//!
//! Part of the audit service (glob import of the parent module, like `reviews`).

use super::*;

/// A move of the acceptance deadline from the current due date to `until`, for a reason.
struct DeadlineMove {
    due: NaiveDate,
    until: NaiveDate,
    reason: String,
}

impl DeadlineMove {
    /// An extension as asked for (`until`, `reason`): of an audit awaiting acceptance, to a
    /// date after its due date and within its cycle; errors name the inputs.
    fn asked(
        current: &audit::Model,
        policy: &DeadlinePolicy,
        until: NaiveDate,
        reason: &str,
    ) -> AppResult<DeadlineMove> {
        let reason = required_text("reason", reason, 500)?;
        let due = acceptance_due_now(current, policy)?;
        check_extension(due, until, cycle_end_of(current)?)
            .map_err(|e| AppError::bad_input("until", e.to_string()))?;
        Ok(DeadlineMove { due, until, reason })
    }

    /// What the audit's history says of the move.
    fn note(&self) -> String {
        format!("{} → {}: {}", self.due, self.until, self.reason)
    }

    /// The step that records the move (an application or a grant), on `on`.
    fn step(
        &self,
        event: AuditEventKind,
        current: &audit::Model,
        on: NaiveDate,
        operation: &'static str,
    ) -> Step {
        Step::new(
            Transition::keeping(event, current, self.note(), on),
            operation,
            json!({ "from": self.due, "until": self.until, "reason": self.reason }),
        )
    }
}

/// The current acceptance deadline of an audit awaiting acceptance, or why there is none.
fn acceptance_due_now(current: &audit::Model, policy: &DeadlinePolicy) -> AppResult<NaiveDate> {
    match deadline_of(current, policy)? {
        Some(AuditDeadline {
            kind: DeadlineKind::Acceptance,
            due,
        }) => Ok(due),
        _ => Err(AppError::bad_input(
            "auditId",
            format!(
                "only an audit awaiting acceptance can be extended; this one is {}{}",
                current.status,
                current
                    .last_outcome
                    .map(|o| format!(" ({o})"))
                    .unwrap_or_default()
            ),
        )),
    }
}

/// Moves the acceptance deadline later, no further than the end of the audit's cycle.
pub async fn grant_extension(
    db: &DatabaseConnection,
    viewer: &Viewer,
    policy: &DeadlinePolicy,
    audit_id: Uuid,
    until: NaiveDate,
    reason: &str,
) -> AppResult<audit::Model> {
    let current = find_to_run(db, viewer, audit_id).await?;
    let asked = DeadlineMove::asked(&current, policy, until, reason)?;
    let mut next = current.clone();
    next.acceptance_extended_until = Some(until);
    next.extension_reason = Some(asked.reason.clone());
    // The city's own grant answers any application still waiting.
    next.extension_requested_until = None;
    next.extension_request_reason = None;
    next.extension_requested_on = None;
    let kind = AuditEventKind::ExtendAcceptance;
    let step = asked.step(kind, &current, today(), "grantAcceptanceExtension");
    write_step(db, viewer, policy, &current, next, step).await
}

/// The enterprise applies for a later acceptance (可申请延期验收), with its reason; the city
/// grants or refuses it ([`decide_extension`]). One application waits at a time, and it is
/// held to the same bounds as a grant: after the current due date, within the cycle.
pub async fn request_extension(
    db: &DatabaseConnection,
    viewer: &Viewer,
    policy: &DeadlinePolicy,
    audit_id: Uuid,
    until: NaiveDate,
    reason: &str,
) -> AppResult<audit::Model> {
    let current = find(db, audit_id).await?;
    if !viewer.is_enterprise(current.enterprise_id) {
        viewer.require_user()?;
        return Err(AppError::forbidden(
            "only the enterprise applies for an extension; its city grants one directly",
        ));
    }
    let asked = DeadlineMove::asked(&current, policy, until, reason)?;
    if let Some(waiting) = current.extension_requested_until {
        return Err(AppError::conflict(format!(
            "an application for an extension to {waiting} is already waiting for the city"
        )));
    }
    let on = today();
    let mut next = current.clone();
    next.extension_requested_until = Some(until);
    next.extension_request_reason = Some(asked.reason.clone());
    next.extension_requested_on = Some(on);
    let kind = AuditEventKind::RequestExtension;
    let step = asked.step(kind, &current, on, "requestAcceptanceExtension");
    write_step(db, viewer, policy, &current, next, step).await
}

/// The city grants or refuses the enterprise's waiting application, with its reason. A grant
/// moves the acceptance deadline to the date applied for (checked again: within the cycle,
/// after the current due date).
pub async fn decide_extension(
    db: &DatabaseConnection,
    viewer: &Viewer,
    policy: &DeadlinePolicy,
    audit_id: Uuid,
    grant: bool,
    reason: &str,
) -> AppResult<audit::Model> {
    let current = find_to_run(db, viewer, audit_id).await?;
    let reason = required_text("reason", reason, 500)?;
    let Some(until) = current.extension_requested_until else {
        return Err(AppError::bad_input(
            "auditId",
            "no application for an extension is waiting",
        ));
    };
    let mut next = current.clone();
    next.extension_requested_until = None;
    next.extension_request_reason = None;
    next.extension_requested_on = None;
    let due = acceptance_due_now(&current, policy)?;
    let (event, note) = if grant {
        check_extension(due, until, cycle_end_of(&current)?)
            .map_err(|e| AppError::bad_input("auditId", e.to_string()))?;
        next.acceptance_extended_until = Some(until);
        next.extension_reason = Some(reason.clone());
        let granted = DeadlineMove {
            due,
            until,
            reason: reason.clone(),
        };
        (AuditEventKind::ExtendAcceptance, granted.note())
    } else {
        (
            AuditEventKind::RefuseExtension,
            format!("{until} refused: {reason}"),
        )
    };
    let told = notifications::Params {
        extension: Some(notifications::ExtensionFacts {
            audit_id: current.id,
            enterprise: enterprises::find(db, current.enterprise_id).await?.name,
            granted: grant,
            until,
            reason: reason.clone(),
        }),
        ..Default::default()
    };
    let step = Step {
        notify: Some((NotificationKind::ExtensionDecided, told)),
        ..Step::new(
            Transition::keeping(event, &current, note, today()),
            "decideAcceptanceExtension",
            json!({ "granted": grant, "until": until, "reason": reason }),
        )
    };
    write_step(db, viewer, policy, &current, next, step).await
}
