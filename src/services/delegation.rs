//! A city delegates the evaluation and acceptance of audits to the enterprises' counties
//! (per audit, or every audit a list notified that may go), and withdraws a delegation. The
//! county's admins then schedule, draw and record those reviews (`audits::require_organiser`);
//! the city keeps reading them and may still act, and rechecks stay with the province.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use entity::{audit, sector};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde_json::json;
use uuid::Uuid;

use crate::auth::Viewer;
use crate::db::begin_write;
use crate::domain::NotificationKind;
use crate::error::{AppError, AppResult};
use crate::rules::delegation::{DelegableAudit, DelegationError, delegable_to};

use super::notifications::Params;
use super::notifications::calendar::audience::{Admins, Announcement, announce};
use super::notifications::delegations::DelegationFacts;
use super::versioned::write_if_version_or_conflict;
use super::{annual_lists, audit_log, reference};

/// At most this many audits named in one request.
const MAX_AUDITS: usize = 500;

/// What to delegate: the named audits (all or nothing), or a list's audits that may go.
pub struct Delegate {
    pub audit_ids: Option<Vec<Uuid>>,
    pub list_id: Option<Uuid>,
}

/// What a delegation did.
pub struct Delegated {
    /// The audits now delegated, each to its enterprise's county.
    pub delegated: Vec<audit::Model>,
    /// Audits of the list that stay with the city (key sector, closed, or delegated already).
    pub kept_with_city: Vec<audit::Model>,
}

fn named_ids(ids: &[Uuid]) -> AppResult<Vec<Uuid>> {
    if ids.is_empty() {
        return Err(AppError::bad_input(
            "input.auditIds",
            "give at least one audit",
        ));
    }
    if ids.len() > MAX_AUDITS {
        return Err(AppError::bad_input(
            "input.auditIds",
            format!("at most {MAX_AUDITS} audits at a time"),
        ));
    }
    Ok(ids
        .iter()
        .copied()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect())
}

/// The named audits, each in a city the viewer administers.
async fn audits_named(
    db: &DatabaseConnection,
    viewer: &Viewer,
    ids: &[Uuid],
) -> AppResult<Vec<audit::Model>> {
    let ids = named_ids(ids)?;
    let found = audit::Entity::find()
        .filter(audit::Column::Id.is_in(ids.iter().copied()))
        .order_by_asc(audit::Column::Id)
        .all(db)
        .await?;
    if let Some(missing) = ids.iter().find(|id| !found.iter().any(|a| a.id == **id)) {
        return Err(AppError::bad_input(
            "input.auditIds",
            format!("no audit {missing}"),
        ));
    }
    for audit in &found {
        viewer.require_city(&audit.city_code)?;
    }
    Ok(found)
}

/// Delegates audits' evaluation and acceptance to their enterprises' counties (the city's
/// admins, or the province).
pub async fn delegate(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: Delegate,
) -> AppResult<Delegated> {
    viewer.require_admin()?;
    let (audits, from_list) = match (&input.audit_ids, input.list_id) {
        (Some(ids), None) => (audits_named(db, viewer, ids).await?, false),
        (None, Some(list_id)) => {
            let list = annual_lists::get_list(db, viewer, list_id).await?;
            viewer.require_city(&list.city_code)?;
            let audits = audit::Entity::find()
                .filter(audit::Column::ListId.eq(list.id))
                .order_by_asc(audit::Column::Id)
                .all(db)
                .await?;
            (audits, true)
        }
        _ => {
            return Err(AppError::bad_input(
                "input",
                "give either auditIds or listId",
            ));
        }
    };
    let enterprise_ids: Vec<Uuid> = audits.iter().map(|a| a.enterprise_id).collect();
    let enterprises =
        crate::services::unguarded::keyed_by_id::<entity::enterprise::Entity>(db, &enterprise_ids)
            .await?;
    let stays: HashMap<String, bool> = sector::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.code, s.reviews_stay_with_city))
        .collect();

    let mut chosen: Vec<(audit::Model, String)> = Vec::new();
    let mut kept_with_city = Vec::new();
    for audit in audits {
        let Some(enterprise) = enterprises.get(&audit.enterprise_id) else {
            return Err(AppError::internal(format!(
                "audit {} has no enterprise",
                audit.id
            )));
        };
        let facts = DelegableAudit {
            stays_with_city: enterprise
                .sector
                .and_then(|s| stays.get(s.as_str()).copied()),
            closed: audit.closed,
            county: &enterprise.county,
            delegated_to: audit.delegated_county.as_deref(),
        };
        match delegable_to(&facts) {
            Ok(county) => {
                let county = county.to_owned();
                chosen.push((audit, county));
            }
            Err(e) if from_list && e.skipped_by_list() => kept_with_city.push(audit),
            Err(e) => return Err(refusal(audit.id, &e)),
        }
    }
    if chosen.is_empty() {
        return Err(AppError::bad_input(
            "input.listId",
            "none of the list's audits may be delegated",
        ));
    }

    let now = Utc::now();
    let txn = begin_write(db).await?;
    for (audit, county) in &chosen {
        set_delegation(&txn, audit, Some(county), viewer.user_id(), now).await?;
    }
    let told: Vec<(&audit::Model, &str)> = chosen.iter().map(|(a, c)| (a, c.as_str())).collect();
    tell_counties(db, &txn, viewer, NotificationKind::ReviewsDelegated, &told).await?;
    let summary: Vec<_> = chosen
        .iter()
        .map(|(a, county)| json!({ "auditId": a.id, "county": county }))
        .collect();
    audit_log::commit(
        txn,
        viewer,
        "delegateReviews",
        "Audit",
        input.list_id.map(|id| id.to_string()),
        json!({ "listId": input.list_id, "delegated": summary, "keptWithCity": kept_with_city.len() }),
    )
    .await?;
    let delegated = chosen
        .into_iter()
        .map(|(audit, county)| audit::Model {
            delegated_county: Some(county),
            delegated_at: Some(now),
            delegated_by: viewer.user_id(),
            version: audit.version + 1,
            updated_at: now,
            ..audit
        })
        .collect();
    Ok(Delegated {
        delegated,
        kept_with_city,
    })
}

/// Writes an audit's delegation (`None`: withdrawn) if it still has the version read; a
/// concurrent change wins and this one fails whole.
async fn set_delegation(
    txn: &impl ConnectionTrait,
    audit: &audit::Model,
    county: Option<&String>,
    by: Option<Uuid>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let active = audit::ActiveModel {
        delegated_county: Set(county.cloned()),
        delegated_at: Set(county.map(|_| now)),
        delegated_by: Set(by),
        version: Set(audit.version + 1),
        updated_at: Set(now),
        ..Default::default()
    };
    write_if_version_or_conflict::<audit::Entity>(txn, active, audit.id, audit.version, []).await
}

/// Tells each county's administrators, in one notification per county, which enterprises'
/// reviews it now runs (or no longer runs).
async fn tell_counties(
    db: &DatabaseConnection,
    txn: &impl ConnectionTrait,
    viewer: &Viewer,
    kind: NotificationKind,
    audits: &[(&audit::Model, &str)],
) -> AppResult<()> {
    let ids: Vec<Uuid> = audits.iter().map(|(a, _)| a.enterprise_id).collect();
    let names =
        crate::services::unguarded::keyed_by_id::<entity::enterprise::Entity>(db, &ids).await?;
    let mut by_county: BTreeMap<(&str, &str), (Uuid, Vec<String>)> = BTreeMap::new();
    for (audit, county) in audits {
        let name = names
            .get(&audit.enterprise_id)
            .map_or_else(|| audit.enterprise_id.to_string(), |e| e.name.clone());
        by_county
            .entry((audit.city_code.as_str(), *county))
            .or_insert_with(|| (audit.id, Vec::new()))
            .1
            .push(name);
    }
    let codes: Vec<String> = by_county
        .keys()
        .map(|(city, _)| (*city).to_owned())
        .collect();
    let cities = reference::cities_by_code(db, &codes).await?;
    for ((city, county), (first_audit, enterprises)) in by_county {
        let facts = DelegationFacts {
            city: cities
                .get(city)
                .map_or_else(|| city.to_owned(), |c| c.name.clone()),
            county: county.to_owned(),
            enterprises,
        };
        announce(
            txn,
            Announcement {
                to: Admins::County(city, county),
                kind,
                params: Params {
                    delegation: Some(facts),
                    ..Default::default()
                },
                subject: ("Audit", first_audit),
            },
            viewer.user_id(),
        )
        .await?;
    }
    Ok(())
}

fn refusal(audit_id: Uuid, e: &DelegationError) -> AppError {
    AppError::bad_input("input.auditIds", format!("audit {audit_id}: {e}"))
}

/// Takes the named audits' reviews back to the city (the city's admins, or the province).
pub async fn withdraw(
    db: &DatabaseConnection,
    viewer: &Viewer,
    audit_ids: &[Uuid],
) -> AppResult<Vec<audit::Model>> {
    viewer.require_admin()?;
    let audits = audits_named(db, viewer, audit_ids).await?;
    if let Some(undelegated) = audits.iter().find(|a| a.delegated_county.is_none()) {
        return Err(AppError::bad_input(
            "input.auditIds",
            format!("audit {} is not delegated", undelegated.id),
        ));
    }
    let now = Utc::now();
    let txn = begin_write(db).await?;
    for audit in &audits {
        set_delegation(&txn, audit, None, None, now).await?;
    }
    let told: Vec<(&audit::Model, &str)> = audits
        .iter()
        .filter_map(|a| Some((a, a.delegated_county.as_deref()?)))
        .collect();
    tell_counties(
        db,
        &txn,
        viewer,
        NotificationKind::DelegationWithdrawn,
        &told,
    )
    .await?;
    let summary: Vec<_> = audits
        .iter()
        .map(|a| json!({ "auditId": a.id, "county": a.delegated_county }))
        .collect();
    audit_log::commit(
        txn,
        viewer,
        "withdrawDelegation",
        "Audit",
        None,
        json!({ "withdrawn": summary }),
    )
    .await?;
    Ok(audits
        .into_iter()
        .map(|audit| audit::Model {
            delegated_county: None,
            delegated_at: None,
            delegated_by: None,
            version: audit.version + 1,
            updated_at: now,
            ..audit
        })
        .collect())
}
