//! The city's yearly work summary (年度清洁生产工作总结) as a report to the province: the city
//! submits it once the year is over (due 31 March of the next year), with the computed
//! figures frozen at submission and its narrative; the province receives it or returns it with
//! a reason, and a returned summary is revised and submitted again. Every change is kept
//! (`city_summary_changes`).

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use entity::{city_summary, city_summary_change};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde_json::json;
use uuid::Uuid;

use crate::auth::Viewer;
use crate::db::begin_write;
use crate::domain::{CitySummaryStatus, NotificationKind, Role};
use crate::error::{AppError, AppResult};
use crate::rules::city_summary::{is_late, may_decide, may_submit, year_is_over};
use crate::rules::deadlines::today_in_china;

use super::enterprises::check_plan_year;
use super::notifications::Params;
use super::notifications::calendar::{Admins, Announcement, announce};
use super::notifications::templates::SummaryFacts;
use super::summary::{AnnualSummary, summarise};
use super::text::{optional_text, required_text};
use super::{audit_log, reference, today, versioned};

/// The longest narrative part kept, in characters.
pub const NARRATIVE_MAX: usize = 10_000;
/// The longest return reason kept, in characters.
const REASON_MAX: usize = 1_000;

// The city's narrative, as given (the GraphQL input `SubmitCitySummaryInput`).
#[derive(async_graphql::InputObject)]
#[graphql(name = "SubmitCitySummaryInput")]
pub struct SubmitInput {
    /// A finished year.
    pub year: i32,
    pub city_code: String,
    /// Improvement options carried out (required).
    pub options_carried_out: String,
    /// Benefits achieved (required).
    pub benefits: String,
    /// Problems met (required).
    pub problems: String,
    /// Anything else.
    pub other: Option<String>,
}

/// One city's standing for a year: its summary, if it has submitted one.
pub struct Standing {
    pub city_code: String,
    pub summary: Option<city_summary::Model>,
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> AppResult<city_summary::Model> {
    city_summary::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("CitySummary", id))
}

async fn find_of(
    db: &impl ConnectionTrait,
    city_code: &str,
    year: i32,
) -> AppResult<Option<city_summary::Model>> {
    Ok(city_summary::Entity::find()
        .filter(city_summary::Column::CityCode.eq(city_code))
        .filter(city_summary::Column::Year.eq(year))
        .one(db)
        .await?)
}

/// The frozen figures read back.
pub fn figures_of(summary: &city_summary::Model) -> AppResult<Option<AnnualSummary>> {
    summary
        .figures
        .as_deref()
        .map(|stored| {
            serde_json::from_str(stored).map_err(|e| {
                AppError::Internal(format!("city summary {}: stored figures: {e}", summary.id))
            })
        })
        .transpose()
}

async fn city_name(db: &impl ConnectionTrait, code: &str) -> AppResult<Option<String>> {
    Ok(reference::cities_by_code(db, &[code.to_owned()])
        .await?
        .remove(code)
        .map(|c| c.name))
}

fn facts_of(summary: &city_summary::Model, city: String) -> SummaryFacts {
    let received = match summary.status {
        CitySummaryStatus::Received => Some(true),
        CitySummaryStatus::Returned => Some(false),
        CitySummaryStatus::Draft | CitySummaryStatus::Submitted => None,
    };
    SummaryFacts {
        summary_id: summary.id,
        city_code: summary.city_code.clone(),
        city,
        year: summary.year,
        submitted_on: summary.submitted_at.map_or_else(today, today_in_china),
        late: summary.late,
        received,
        return_reason: summary.return_reason.clone(),
    }
}

/// Tells `to` of the summary's event `kind` (all but the viewer, who made it).
async fn announce_summary(
    txn: &impl ConnectionTrait,
    viewer: &Viewer,
    to: Admins<'_>,
    kind: NotificationKind,
    summary: &city_summary::Model,
    city: String,
) -> AppResult<()> {
    let announcement = Announcement {
        to,
        kind,
        params: Params {
            summary: Some(facts_of(summary, city)),
            ..Default::default()
        },
        subject: ("CitySummary", summary.id),
    };
    announce(txn, announcement, viewer.user_id()).await
}

async fn record_change(
    txn: &impl ConnectionTrait,
    viewer: &Viewer,
    summary_id: Uuid,
    status: CitySummaryStatus,
    reason: Option<String>,
) -> AppResult<()> {
    city_summary_change::ActiveModel {
        id: Set(Uuid::now_v7()),
        summary_id: Set(summary_id),
        status: Set(status),
        reason: Set(reason),
        actor_id: Set(viewer.user_id()),
        changed_at: Set(Utc::now()),
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// A city admin submits the city's summary of a finished year (or resubmits a returned one):
/// the figures are computed now and kept as they are; the province's admins are told.
pub async fn submit(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: SubmitInput,
) -> AppResult<city_summary::Model> {
    viewer.require_admin()?;
    if viewer.role() != Some(Role::CityAdmin) {
        return Err(AppError::forbidden(
            "only the city's administrator submits its yearly summary; the province receives or returns it",
        ));
    }
    viewer.require_city(&input.city_code)?;
    let year = check_plan_year("year", input.year)?;
    if !year_is_over(year, today()) {
        return Err(AppError::bad_input(
            "year",
            "the year is not over: a summary is submitted for a past year",
        ));
    }
    let options_carried_out = required_text(
        "optionsCarriedOut",
        &input.options_carried_out,
        NARRATIVE_MAX,
    )?;
    let benefits = required_text("benefits", &input.benefits, NARRATIVE_MAX)?;
    let problems = required_text("problems", &input.problems, NARRATIVE_MAX)?;
    let other = optional_text("other", input.other, NARRATIVE_MAX)?;
    let Some(city) = city_name(db, &input.city_code).await? else {
        return Err(AppError::bad_input("cityCode", "no such city"));
    };
    let txn = begin_write(db).await?;
    let current = find_of(&txn, &input.city_code, year).await?;
    if !may_submit(current.as_ref().map(|s| s.status)) {
        return Err(AppError::conflict(
            "the summary is submitted already; it can be submitted again only once the province returns it",
        ));
    }
    let as_of = NaiveDate::from_ymd_opt(year, 12, 31)
        .ok_or_else(|| AppError::bad_input("year", "no such year"))?;
    let figures = summarise(&txn, year, Some(&input.city_code), as_of).await?;
    let figures = serde_json::to_string(&figures)
        .map_err(|e| AppError::Internal(format!("summary figures as JSON: {e}")))?;
    let now = Utc::now();
    let late = is_late(year, now);
    let saved = match current {
        None => {
            city_summary::ActiveModel {
                id: Set(Uuid::now_v7()),
                city_code: Set(input.city_code.clone()),
                year: Set(year),
                status: Set(CitySummaryStatus::Submitted),
                figures: Set(Some(figures)),
                options_carried_out: Set(Some(options_carried_out)),
                benefits: Set(Some(benefits)),
                problems: Set(Some(problems)),
                other: Set(other),
                submitted_by: Set(viewer.user_id()),
                submitted_at: Set(Some(now)),
                late: Set(late),
                decided_by: Set(None),
                decided_at: Set(None),
                return_reason: Set(None),
                version: Set(1),
            }
            .insert(&txn)
            .await?
        }
        Some(previous) => {
            // Only the row as read is changed: of two submissions at once, one wins.
            let update = city_summary::Entity::update_many()
                .col_expr(
                    city_summary::Column::Status,
                    Expr::value(CitySummaryStatus::Submitted.as_str()),
                )
                .col_expr(city_summary::Column::Figures, Expr::value(figures))
                .col_expr(
                    city_summary::Column::OptionsCarriedOut,
                    Expr::value(options_carried_out),
                )
                .col_expr(city_summary::Column::Benefits, Expr::value(benefits))
                .col_expr(city_summary::Column::Problems, Expr::value(problems))
                .col_expr(city_summary::Column::Other, Expr::value(other))
                .col_expr(
                    city_summary::Column::SubmittedBy,
                    Expr::value(viewer.user_id()),
                )
                .col_expr(city_summary::Column::SubmittedAt, Expr::value(now))
                .col_expr(city_summary::Column::Late, Expr::value(late))
                .col_expr(
                    city_summary::Column::Version,
                    Expr::value(previous.version + 1),
                )
                .filter(city_summary::Column::Id.eq(previous.id))
                .filter(city_summary::Column::Version.eq(previous.version));
            versioned::write_guarded(&txn, update, || {
                AppError::conflict("the summary changed meanwhile; read it again")
            })
            .await?;
            find(&txn, previous.id).await?
        }
    };
    record_change(&txn, viewer, saved.id, CitySummaryStatus::Submitted, None).await?;
    let kind = NotificationKind::SummarySubmitted;
    announce_summary(&txn, viewer, Admins::Province, kind, &saved, city).await?;
    audit_log::commit(
        txn,
        viewer,
        "submitCitySummary",
        "CitySummary",
        Some(saved.id.to_string()),
        json!({
            "cityCode": saved.city_code,
            "year": saved.year,
            "late": saved.late,
            "version": saved.version,
        }),
    )
    .await?;
    Ok(saved)
}

/// The province receives (`reason` none) or returns (with a reason) a submitted summary; the
/// city's admins are told.
pub async fn decide(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    return_reason: Option<String>,
) -> AppResult<city_summary::Model> {
    viewer.require_province_admin()?;
    let (status, operation, reason) = match return_reason {
        None => (CitySummaryStatus::Received, "receiveCitySummary", None),
        Some(reason) => (
            CitySummaryStatus::Returned,
            "returnCitySummary",
            Some(required_text("reason", &reason, REASON_MAX)?),
        ),
    };
    let txn = begin_write(db).await?;
    let current = find(&txn, id).await?;
    if !may_decide(current.status) {
        return Err(AppError::conflict(format!(
            "only a SUBMITTED summary is received or returned; this one is {}",
            current.status
        )));
    }
    let update = city_summary::Entity::update_many()
        .col_expr(city_summary::Column::Status, Expr::value(status.as_str()))
        .col_expr(
            city_summary::Column::DecidedBy,
            Expr::value(viewer.user_id()),
        )
        .col_expr(city_summary::Column::DecidedAt, Expr::value(Utc::now()))
        .col_expr(
            city_summary::Column::ReturnReason,
            Expr::value(reason.clone()),
        )
        .col_expr(
            city_summary::Column::Version,
            Expr::value(current.version + 1),
        )
        .filter(city_summary::Column::Id.eq(id))
        .filter(city_summary::Column::Version.eq(current.version));
    versioned::write_guarded(&txn, update, || {
        AppError::conflict("the summary changed meanwhile; read it again")
    })
    .await?;
    record_change(&txn, viewer, id, status, reason).await?;
    let saved = find(&txn, id).await?;
    let city = city_name(&txn, &saved.city_code)
        .await?
        .unwrap_or_else(|| saved.city_code.clone());
    let kind = NotificationKind::SummaryDecided;
    announce_summary(
        &txn,
        viewer,
        Admins::City(&saved.city_code),
        kind,
        &saved,
        city,
    )
    .await?;
    audit_log::commit(
        txn,
        viewer,
        operation,
        "CitySummary",
        Some(id.to_string()),
        json!({
            "cityCode": saved.city_code,
            "year": saved.year,
            "status": status,
        }),
    )
    .await?;
    Ok(saved)
}

/// A city's summary of a year, if submitted: the province, or the city itself.
pub async fn get(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    year: i32,
    city_code: &str,
) -> AppResult<Option<city_summary::Model>> {
    viewer.require_city(city_code)?;
    let year = check_plan_year("year", year)?;
    find_of(db, city_code, year).await
}

/// Every city's standing for a year, in city-code order, those without a summary included:
/// the province sees all 11, a city admin its own.
pub async fn standings(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    year: i32,
) -> AppResult<Vec<Standing>> {
    let scope = viewer.list_city(None)?;
    let year = check_plan_year("year", year)?;
    let mut query = city_summary::Entity::find().filter(city_summary::Column::Year.eq(year));
    if let Some(city) = scope {
        query = query.filter(city_summary::Column::CityCode.eq(city));
    }
    let mut found: HashMap<String, city_summary::Model> = query
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.city_code.clone(), s))
        .collect();
    Ok(reference::cities(db)
        .await?
        .into_iter()
        .filter(|c| scope.is_none_or(|own| own == c.code))
        .map(|c| Standing {
            summary: found.remove(&c.code),
            city_code: c.code,
        })
        .collect())
}

/// A summary's changes, oldest first.
pub async fn history(
    db: &impl ConnectionTrait,
    summary_id: Uuid,
) -> AppResult<Vec<city_summary_change::Model>> {
    Ok(city_summary_change::Entity::find()
        .filter(city_summary_change::Column::SummaryId.eq(summary_id))
        .order_by_asc(city_summary_change::Column::Id)
        .all(db)
        .await?)
}
