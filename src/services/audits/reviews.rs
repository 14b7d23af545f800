//! Reviews of an audit: scheduling an evaluation, acceptance or recheck, and recording its
//! outcome, which moves the audit on (closing it where 精简验收内容 or 简化审核程序 allow).
//!
//! Part of the audit service: it shares the audit's types, storage and step helpers of
//! `audits` (hence the glob import of the parent module).

use super::*;

pub async fn find_review(db: &impl ConnectionTrait, id: Uuid) -> AppResult<review::Model> {
    review::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("Review", id))
}

/// Who runs a review of `audit`: its organiser. An evaluation or acceptance is organised by
/// the audit's city (its admins), or by the county it is delegated to (that county's admins);
/// a recheck (no organising city) by the province. The province may run any.
pub(crate) fn require_organiser(
    viewer: &Viewer,
    organiser: Option<&str>,
    audit: &audit::Model,
) -> AppResult<()> {
    if organiser.is_some()
        && viewer.is_county_admin_of(&audit.city_code, audit.delegated_county.as_deref())
    {
        return Ok(());
    }
    viewer.require_admin()?;
    // A city admin may not touch another city's audit at all, and rechecks are the province's.
    viewer.require_city(&audit.city_code)?;
    match organiser {
        Some(city) => viewer.require_city(city),
        None => viewer.require_province_admin(),
    }
}

pub async fn get_review(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<review::Model> {
    viewer.require_user()?;
    let found = find_review(db, id).await?;
    let audit = find(db, found.audit_id).await?;
    require_read(viewer, &audit)?;
    Ok(found)
}

/// Reviews of the audits the viewer may read (the province: all; a city: its own; a
/// consultancy: its clients'), newest first in id order like every list: how an organiser
/// finds the review to draw a panel for.
pub async fn list_reviews(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    filter: ReviewFilter,
    page: PageRequest,
) -> AppResult<Page<review::Model>> {
    let (date_from, date_to) = (filter.date_from.map(|d| d.0), filter.date_to.map(|d| d.0));
    if let (Some(from), Some(to)) = (date_from, date_to)
        && from > to
    {
        return Err(AppError::bad_input(
            "filter.dateTo",
            format!("must not be before dateFrom ({from})"),
        ));
    }
    let audits = scope(
        viewer,
        &AuditFilter {
            city_code: filter.city_code,
            ..Default::default()
        },
    )?
    .select_only()
    .column(audit::Column::Id)
    .into_query();
    let mut query = review::Entity::find().filter(review::Column::AuditId.in_subquery(audits));
    if let Some(status) = filter.status {
        query = query.filter(review::Column::Status.eq(status));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(review::Column::Kind.eq(kind));
    }
    if let Some(from) = date_from {
        query = query.filter(review::Column::ReviewDate.gte(from));
    }
    if let Some(to) = date_to {
        query = query.filter(review::Column::ReviewDate.lte(to));
    }
    if let Some(has_panel) = filter.has_panel {
        let drawn = sea_orm::sea_query::Query::select()
            .column(panel::Column::ReviewId)
            .from(panel::Entity)
            .to_owned();
        query = if has_panel {
            query.filter(review::Column::Id.in_subquery(drawn))
        } else {
            query.filter(review::Column::Id.not_in_subquery(drawn))
        };
    }
    fetch_page(db, query, review::Column::Id, page).await
}

fn check_review_date(date: NaiveDate) -> AppResult<NaiveDate> {
    let latest = today().year() + 2;
    if !(2000..=latest).contains(&date.year()) {
        return Err(AppError::bad_input(
            "date",
            format!("must fall in the years 2000 to {latest}"),
        ));
    }
    Ok(date)
}

/// Checks a new review of `audit` without the database: who may schedule it, its date and
/// whether the audit's state allows it. Returns the organising city (`None`: the province).
pub(crate) fn check_new_review(
    viewer: &Viewer,
    policy: &DeadlinePolicy,
    audit: &audit::Model,
    kind: ReviewKind,
    date: NaiveDate,
) -> AppResult<Option<String>> {
    viewer.require_official()?;
    let organiser = match kind {
        ReviewKind::Recheck => None,
        ReviewKind::Evaluation | ReviewKind::Acceptance => Some(audit.city_code.clone()),
    };
    require_organiser(viewer, organiser.as_deref(), audit)?;
    let date = check_review_date(date)?;
    let status = audit.status;
    review_allowed(kind, status).map_err(|e| AppError::bad_input("kind", e.to_string()))?;
    check_review_after_step(kind, date, audit.report_submitted_on, audit.evaluated_on)
        .map_err(|e| AppError::bad_input("date", e.to_string()))?;
    if kind == ReviewKind::Acceptance
        && status == AuditStatus::Accepted
        && let Some(deadline) = deadline_of(audit, policy)?
    {
        check_reexamination_date(date, deadline.due)
            .map_err(|e| AppError::bad_input("date", e.to_string()))?;
    }
    Ok(organiser)
}

/// The scheduled review of this audit and kind, if any (at most one: a partial unique index).
pub(crate) async fn scheduled_review(
    db: &impl ConnectionTrait,
    audit_id: Uuid,
    kind: ReviewKind,
) -> AppResult<Option<review::Model>> {
    Ok(review::Entity::find()
        .filter(review::Column::AuditId.eq(audit_id))
        .filter(review::Column::Kind.eq(kind.as_str()))
        .filter(is_constant(
            review::Column::Status,
            ReviewStatus::Scheduled.as_str(),
        ))
        .one(db)
        .await?)
}

/// Creates a scheduled review inside the caller's transaction, after [`check_new_review`]
/// (a scheduled review of the audit and kind already there is a CONFLICT). The caller writes
/// the audit-log entry.
pub(crate) async fn insert_review(
    txn: &impl ConnectionTrait,
    viewer: &Viewer,
    policy: &DeadlinePolicy,
    audit: &audit::Model,
    kind: ReviewKind,
    date: NaiveDate,
) -> AppResult<review::Model> {
    let organiser = check_new_review(viewer, policy, audit, kind, date)?;
    if let Some(pending) = scheduled_review(txn, audit.id, kind).await? {
        return Err(AppError::conflict(format!(
            "an {kind} of this audit is already scheduled for {}",
            pending.review_date
        )));
    }
    let row = ScheduledReview {
        id: Uuid::now_v7(),
        audit_id: audit.id,
        kind,
        date,
        organiser_city_code: organiser,
        scheduled_by: viewer.user_id(),
    };
    Ok(row.into_row(Utc::now()).insert(txn).await?)
}

/// A review as scheduled: no outcome yet and no meeting details.
pub struct ScheduledReview {
    pub id: Uuid,
    pub audit_id: Uuid,
    pub kind: ReviewKind,
    pub date: NaiveDate,
    /// `None`: the province organises it.
    pub organiser_city_code: Option<String>,
    pub scheduled_by: Option<Uuid>,
}

impl ScheduledReview {
    /// The row to insert, created at `now`.
    pub fn into_row(self, now: chrono::DateTime<Utc>) -> review::ActiveModel {
        review::ActiveModel {
            id: Set(self.id),
            audit_id: Set(self.audit_id),
            kind: Set(self.kind),
            review_date: Set(self.date),
            organiser_city_code: Set(self.organiser_city_code),
            status: Set(ReviewStatus::Scheduled),
            outcome: Set(None),
            score: Set(None),
            opinion: Set(None),
            scheduled_by: Set(self.scheduled_by),
            recorded_by: Set(None),
            held_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            starts_at: Set(None),
            venue: Set(None),
            contact_name: Set(None),
            contact_phone: Set(None),
            meeting_note: Set(None),
        }
    }
}

pub async fn schedule_review(
    db: &DatabaseConnection,
    viewer: &Viewer,
    policy: &DeadlinePolicy,
    input: NewReview,
) -> AppResult<review::Model> {
    let audit_id = parse_id("auditId", &input.audit_id)?;
    viewer.require_official()?;
    let audit = find(db, audit_id).await?;
    let date = input.date.0;
    check_new_review(viewer, policy, &audit, input.kind, date)?;
    let txn = begin_write(db).await?;
    let created = insert_review(&txn, viewer, policy, &audit, input.kind, date).await?;
    audit_log::commit(
        txn,
        viewer,
        "scheduleReview",
        "Review",
        Some(created.id.to_string()),
        json!({ "auditId": audit.id, "kind": created.kind, "date": created.review_date }),
    )
    .await?;
    Ok(created)
}

fn check_score(score: Option<Decimal>) -> AppResult<Option<i64>> {
    let stored = to_stored_opt("score", score)?;
    if stored.is_some_and(|s| s > to_stored("score", Decimal::ONE_HUNDRED).unwrap_or(i64::MAX)) {
        return Err(AppError::bad_input("score", "must be between 0 and 100"));
    }
    Ok(stored)
}

/// Records a held review's outcome; an evaluation or acceptance moves the audit on, an
/// accepted-and-passed audit completes the enterprise's cycle. A recheck moves nothing.
pub async fn record_review_outcome(
    db: &DatabaseConnection,
    viewer: &Viewer,
    policy: &DeadlinePolicy,
    pass_mark: u32,
    step_documents: documents::StepDocuments,
    review_id: Uuid,
    result: ReviewResult,
) -> AppResult<review::Model> {
    viewer.require_official()?;
    let found = find_review(db, review_id).await?;
    let audit = find(db, found.audit_id).await?;
    require_organiser(viewer, found.organiser_city_code.as_deref(), &audit)?;
    let kind = found.kind;
    let opinion = required_text("opinion", &result.opinion, 5000)?;
    check_score(result.score)?;
    check_outcome_score(result.outcome, result.score, pass_mark)
        .map_err(|e| AppError::bad_input("score", e.to_string()))?;
    // A panel's confirmed sheets decide the outcome and give the score.
    let result_score = crate::services::opinion_sheets::outcome_for_review(
        db,
        review_id,
        result.outcome,
        result.score,
    )
    .await?;
    let score = check_score(result_score)?;
    if found.status != ReviewStatus::Scheduled {
        return Err(AppError::bad_input(
            "reviewId",
            "the review's outcome is already recorded",
        ));
    }
    if found.review_date > today() {
        return Err(AppError::bad_input(
            "reviewId",
            format!(
                "the review is scheduled for {} and has not taken place yet",
                found.review_date
            ),
        ));
    }
    // The panel's opinion must be uploaded to the review first.
    let backing = documents::required(
        db,
        step_documents,
        DocumentOwnerType::Review,
        review_id,
        &[opinion_kinds(kind)],
    )
    .await?;
    let status = audit.status;
    let event = match kind {
        ReviewKind::Evaluation => Some((
            AuditEvent::RecordEvaluation(result.outcome),
            AuditEventKind::RecordEvaluation,
        )),
        ReviewKind::Acceptance => Some((
            AuditEvent::RecordAcceptance(result.outcome),
            AuditEventKind::RecordAcceptance,
        )),
        ReviewKind::Recheck => None,
    };
    let moved = match event {
        Some((event, kind_name)) => {
            let to = next_status(status, event).map_err(|e| transition_error("reviewId", e))?;
            let mut next = audit.clone();
            next.status = to;
            next.last_outcome = Some(result.outcome);
            match kind {
                ReviewKind::Evaluation => next.evaluated_on = Some(found.review_date),
                _ if to == AuditStatus::Accepted => next.accepted_on = Some(found.review_date),
                _ => {}
            }
            next.closed = is_final(to);
            Some((next, kind_name, to))
        }
        None => {
            review_allowed(kind, status)
                .map_err(|e| AppError::bad_input("reviewId", e.to_string()))?;
            None
        }
    };
    // 精简验收内容: a passed evaluation whose implemented options need no acceptance ends the
    // round there (read before the write lock; options of an evaluated audit are edited only
    // by the same people, and the versioned save catches a concurrent change of the audit).
    // 简化审核程序: a combined review's pass accepts the audit too.
    let combined = audit.procedure == AuditProcedure::CombinedReview
        && matches!(&moved, Some((_, _, AuditStatus::EvaluationPassed)));
    let closes = match &moved {
        Some((_, _, AuditStatus::EvaluationPassed)) if !combined => {
            let options = unguarded::options_of(db, &[audit.id]).await?;
            let implemented: Vec<NeedsAcceptance> = options
                .get(&audit.id)
                .into_iter()
                .flatten()
                .filter(|o| o.implemented)
                .map(|o| {
                    option_needs_acceptance(
                        o.kind,
                        o.technical_retrofit,
                        o.accepted_by_other_department,
                    )
                })
                .collect();
            closes_on_evaluation(&implemented)
        }
        _ => false,
    };

    let enterprise_name = enterprises::find(db, audit.enterprise_id).await?.name;
    let txn = begin_write(db).await?;
    let mut active: review::ActiveModel = found.clone().into();
    active.status = Set(ReviewStatus::Held);
    active.outcome = Set(Some(result.outcome));
    active.score = Set(score);
    active.opinion = Set(Some(opinion));
    active.recorded_by = Set(viewer.user_id());
    active.held_at = Set(Some(Utc::now()));
    active.updated_at = Set(Utc::now());
    let update = review::Entity::update_many()
        .set(active)
        .filter(review::Column::Id.eq(review_id))
        .filter(is_constant(
            review::Column::Status,
            ReviewStatus::Scheduled.as_str(),
        ));
    versioned::write_guarded(&txn, update, || {
        AppError::conflict("the review's outcome was recorded meanwhile; reload")
    })
    .await?;
    if let Some((mut next, event_kind, to)) = moved {
        let mut last = to;
        if closes {
            last = next_status(to, AuditEvent::CloseWithoutAcceptance)
                .map_err(|e| transition_error("reviewId", e))?;
            next.status = last;
            next.closed = true;
        }
        if combined {
            last = next_status(to, AuditEvent::RecordAcceptance(ReviewOutcome::Passed))
                .map_err(|e| transition_error("reviewId", e))?;
            next.status = last;
            next.accepted_on = Some(found.review_date);
            next.closed = is_final(last);
        }
        let saved = save(&txn, next, audit.version, policy).await?;
        // The review's step, then the steps it takes the audit on to: each with its outcome.
        let mut steps = vec![(event_kind, status, to, None)];
        if combined {
            let note = "combined review (简化审核程序)";
            steps.push((AuditEventKind::RecordAcceptance, to, last, Some(note)));
        }
        if closes {
            let note = "no implemented option needs acceptance";
            steps.push((AuditEventKind::CloseWithoutAcceptance, to, last, Some(note)));
        }
        for (event, from, to, note) in steps {
            let transition = Transition {
                outcome: Some(result.outcome),
                review_id: Some(review_id),
                note: note.map(str::to_owned),
                ..Transition::new(event, Some(from), to, found.review_date)
            };
            record_transition(&txn, viewer, audit.id, transition).await?;
        }
        // The round completes on its acceptance, or on the evaluation that closed it.
        if saved.closed
            && let Some(completed_on) = saved.accepted_on.or(saved.evaluated_on)
        {
            enterprises::record_completion(&txn, saved.enterprise_id, completed_on).await?;
        }
    }
    documents::lock(&txn, &backing, "recordReviewOutcome").await?;
    let no_shows = crate::services::panels::mark_no_shows(&txn, viewer, review_id).await?;
    let saved_review = find_review(&txn, review_id).await?;
    notifications::notify_parties(
        &txn,
        &audit,
        NotificationKind::ReviewOutcomeRecorded,
        notifications::Params {
            review: Some(notifications::ReviewFacts::of(
                &saved_review,
                &enterprise_name,
            )),
            outcome: Some(result.outcome),
            score: saved_review
                .score
                .map(|s| crate::services::amounts::from_stored(s).to_string()),
            ..Default::default()
        },
        ("Review", review_id),
    )
    .await?;
    audit_log::commit(
        txn,
        viewer,
        "recordReviewOutcome",
        "Review",
        Some(review_id.to_string()),
        json!({ "auditId": audit.id, "kind": kind.as_str(), "outcome": result.outcome.as_str(), "documents": backing, "noShows": no_shows }),
    )
    .await?;
    Ok(saved_review)
}
