//! Written notices (书面通知): after the province publishes a list, the city notifies the
//! enterprises on it in writing (due 31 March of the list's year). Recording a notice creates
//! the enterprise's audit in NOTIFIED dated by the notice, which starts its clock, and tells
//! the enterprise's accounts the dates it now owes. All or nothing: an enterprise with a round
//! still open refuses the lot.

use chrono::{NaiveDate, Utc};
use entity::{annual_audit_list, annual_audit_list_entry, audit};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

use crate::auth::Viewer;
use crate::db::begin_write;
use crate::domain::{NotificationKind, Role};
use crate::error::{AppError, AppResult};
use crate::rules::deadlines::{
    DateOutOfRange, DeadlinePolicy, disclosure_due, report_due, start_due,
};
use crate::rules::notices::{EntryState, NoticeError, check_notice_date, enterprises_to_notify};

use super::notifications::templates::NoticeFacts;
use super::notifications::{Params, notify_parties};
use super::text::required_text;
use super::{annual_lists, audit_log, audits, reference, today};

/// The city's notice: its date and document number, and whom it names (none: every
/// enterprise on the list still without a notice).
pub struct IssueNotices {
    pub list_id: Uuid,
    pub notice_date: NaiveDate,
    pub notice_number: String,
    pub enterprise_ids: Option<Vec<Uuid>>,
}

/// Records the notice to the named enterprises of a published list and starts their audits.
/// The list's city issues it; the province publishes but does not notify.
pub async fn issue(
    db: &DatabaseConnection,
    viewer: &Viewer,
    policy: &DeadlinePolicy,
    input: IssueNotices,
) -> AppResult<annual_audit_list::Model> {
    if viewer.role() == Some(Role::ProvinceAdmin) && viewer.principal().is_some() {
        return Err(AppError::forbidden(
            "the city issues the written notices to its enterprises",
        ));
    }
    let list = annual_lists::get_list(db, viewer, input.list_id).await?;
    let notice_number = required_text("noticeNumber", &input.notice_number, 100)?;
    check_notice_date(input.notice_date, list.published_on, today()).map_err(notice_error)?;
    let entries = annual_lists::unguarded::entries_of(db, &[list.id])
        .await?
        .remove(&list.id)
        .unwrap_or_default();
    let states: Vec<EntryState> = entries
        .iter()
        .map(|e| EntryState {
            enterprise_id: e.enterprise_id,
            notified: e.notice_date.is_some(),
        })
        .collect();
    let chosen =
        enterprises_to_notify(&states, input.enterprise_ids.as_deref()).map_err(notice_error)?;
    let found =
        crate::services::unguarded::keyed_by_id::<entity::enterprise::Entity>(db, &chosen).await?;
    let city = reference::cities_by_code(db, std::slice::from_ref(&list.city_code))
        .await?
        .remove(&list.city_code)
        .map_or_else(|| list.city_code.clone(), |c| c.name);

    let txn = begin_write(db).await?;
    // Only entries still without a notice are stamped: a concurrent notice loses the race.
    let stamped = annual_audit_list_entry::Entity::update_many()
        .col_expr(
            annual_audit_list_entry::Column::NoticeDate,
            Expr::value(input.notice_date),
        )
        .col_expr(
            annual_audit_list_entry::Column::NoticeNumber,
            Expr::value(notice_number.clone()),
        )
        .col_expr(
            annual_audit_list_entry::Column::NoticeIssuedAt,
            Expr::value(Utc::now()),
        )
        .col_expr(
            annual_audit_list_entry::Column::NoticeIssuedBy,
            Expr::value(viewer.user_id()),
        )
        .filter(annual_audit_list_entry::Column::ListId.eq(list.id))
        .filter(annual_audit_list_entry::Column::EnterpriseId.is_in(chosen.iter().copied()))
        .filter(annual_audit_list_entry::Column::NoticeDate.is_null())
        .exec(&txn)
        .await?;
    if stamped.rows_affected != chosen.len() as u64 {
        return Err(AppError::conflict(
            "another notice to these enterprises was recorded meanwhile; reload the list",
        ));
    }
    let mut started: Vec<audit::Model> = Vec::with_capacity(chosen.len());
    for id in &chosen {
        let enterprise = found
            .get(id)
            .ok_or_else(|| AppError::internal(format!("list entry {id} has no enterprise")))?;
        let created = audits::insert_audit(
            &txn,
            viewer,
            policy,
            enterprise,
            audits::NewRound {
                year: list.year,
                notice_date: input.notice_date,
                list_id: Some(list.id),
                procedure: list.simplified_procedure,
            },
        )
        .await?;
        let facts = notice_facts(&created, &enterprise.name, &city, &notice_number)?;
        notify_parties(
            &txn,
            &created,
            NotificationKind::AuditNoticeIssued,
            Params {
                notice: Some(facts),
                ..Default::default()
            },
            ("Audit", created.id),
        )
        .await?;
        started.push(created);
    }
    audit_log::commit(
        txn,
        viewer,
        "issueAuditNotices",
        "AnnualAuditList",
        Some(list.id.to_string()),
        json!({
            "noticeDate": input.notice_date,
            "noticeNumber": notice_number,
            "enterpriseIds": chosen,
            "auditIds": started.iter().map(|a| a.id).collect::<Vec<_>>(),
        }),
    )
    .await?;
    annual_lists::get_list(db, viewer, list.id).await
}

fn notice_facts(
    audit: &audit::Model,
    enterprise: &str,
    city: &str,
    notice_number: &str,
) -> AppResult<NoticeFacts> {
    let out_of_range = |e: DateOutOfRange| AppError::bad_input("noticeDate", e.to_string());
    Ok(NoticeFacts {
        audit_id: audit.id,
        enterprise: enterprise.to_owned(),
        city: city.to_owned(),
        year: audit.year,
        notice_date: audit.notice_date,
        notice_number: notice_number.to_owned(),
        disclosure_due: disclosure_due(audit.notice_date).map_err(out_of_range)?,
        start_due: start_due(audit.notice_date).map_err(out_of_range)?,
        report_due: report_due(audit.notice_date).map_err(out_of_range)?,
    })
}

fn notice_error(err: NoticeError) -> AppError {
    match err {
        NoticeError::NotPublished => {
            AppError::conflict("the list is not published: notices follow its publication")
        }
        NoticeError::InFuture => AppError::bad_input("noticeDate", "must not be in the future"),
        NoticeError::BeforePublication(on) => AppError::bad_input(
            "noticeDate",
            format!("must not be before the list's publication on {on}"),
        ),
        NoticeError::Twice(id) => AppError::bad_input("enterpriseIds", format!("names {id} twice")),
        NoticeError::NotOnList(id) => {
            AppError::bad_input("enterpriseIds", format!("{id} is not on the list"))
        }
        NoticeError::AlreadyNotified(id) => {
            AppError::conflict(format!("enterprise {id} has its notice already"))
        }
        NoticeError::NothingLeft => {
            AppError::conflict("every enterprise on the list has its notice already")
        }
    }
}
