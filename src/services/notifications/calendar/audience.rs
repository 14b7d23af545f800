//! Who hears of an event besides an audit's parties: a city's administrators, the province's,
//! the organiser of a review, a training participant. Only accounts that exist and are not
//! disabled; experts as themselves ([`Recipient::Expert`]), read by their account and later
//! reached by e-mail or SMS even without one.

use std::collections::{BTreeMap, HashSet};

use entity::{training_attendance, user};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::domain::{NotificationKind, Role, TrainingParticipantKind};
use crate::error::AppResult;
use crate::services::is_constant;

use super::super::{Notice, Params, Recipient, enqueue};

/// A body of administrators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admins<'a> {
    /// The province's (PROVINCE_ADMIN).
    Province,
    /// One city's (CITY_ADMIN of that city code).
    City(&'a str),
    /// A city's, and the county's (COUNTY_ADMIN of that county of the city) when there is one.
    CityAndCounty(&'a str, Option<&'a str>),
    /// One county's of a city (COUNTY_ADMIN).
    County(&'a str, &'a str),
}

impl<'a> Admins<'a> {
    /// Who organises a review: its city's administrators with those of the county its audit
    /// is delegated to, or the province's (a recheck).
    pub fn organising(city_code: Option<&'a str>, delegated_county: Option<&'a str>) -> Admins<'a> {
        city_code.map_or(Admins::Province, |city| {
            Admins::CityAndCounty(city, delegated_county)
        })
    }
}

/// The administrators' accounts, not disabled.
pub async fn admins(db: &impl ConnectionTrait, who: Admins<'_>) -> AppResult<Vec<Uuid>> {
    let mut query = user::Entity::find().filter(is_constant(user::Column::Disabled, false));
    query = match who {
        Admins::Province => query.filter(user::Column::Role.eq(Role::ProvinceAdmin.as_str())),
        Admins::City(code) | Admins::CityAndCounty(code, None) => query
            .filter(user::Column::Role.eq(Role::CityAdmin.as_str()))
            .filter(user::Column::CityCode.eq(code)),
        Admins::County(code, county) => query
            .filter(user::Column::Role.eq(Role::CountyAdmin.as_str()))
            .filter(user::Column::CityCode.eq(code))
            .filter(user::Column::County.eq(county)),
        Admins::CityAndCounty(code, Some(county)) => {
            query.filter(user::Column::CityCode.eq(code)).filter(
                Condition::any()
                    .add(user::Column::Role.eq(Role::CityAdmin.as_str()))
                    .add(
                        Condition::all()
                            .add(user::Column::Role.eq(Role::CountyAdmin.as_str()))
                            .add(user::Column::County.eq(county)),
                    ),
            )
        }
    };
    Ok(query
        .order_by_asc(user::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect())
}

/// Every city's administrators' accounts (not disabled), by city code.
pub async fn city_admins_by_city(
    db: &impl ConnectionTrait,
) -> AppResult<BTreeMap<String, Vec<Uuid>>> {
    let mut by_city: BTreeMap<String, Vec<Uuid>> = BTreeMap::new();
    for account in user::Entity::find()
        .filter(user::Column::Role.eq(Role::CityAdmin.as_str()))
        .filter(is_constant(user::Column::Disabled, false))
        .order_by_asc(user::Column::Id)
        .all(db)
        .await?
    {
        if let Some(city) = account.city_code {
            by_city.entry(city).or_default().push(account.id);
        }
    }
    Ok(by_city)
}

/// What to tell a body of administrators.
pub struct Announcement<'a> {
    pub to: Admins<'a>,
    pub kind: NotificationKind,
    pub params: Params,
    pub subject: (&'static str, Uuid),
}

/// Tells the administrators, inside the event's transaction, all but `actor` (who made the
/// event and knows of it).
pub async fn announce(
    txn: &impl ConnectionTrait,
    announcement: Announcement<'_>,
    actor: Option<Uuid>,
) -> AppResult<()> {
    let Announcement {
        to,
        kind,
        params,
        subject,
    } = announcement;
    let notices = admins(txn, to)
        .await?
        .into_iter()
        .filter(|id| Some(*id) != actor)
        .map(|id| Notice {
            to: Recipient::User(id),
            kind,
            params: params.clone(),
            subject_type: subject.0,
            subject_id: subject.1,
        })
        .collect();
    enqueue(txn, notices).await
}

/// Who hears for each training enrolment: the expert; the official's account; the accounts
/// of a staff member's firm (staff have no account of their own; the firm enrols them); nobody
/// for an outside person. Accounts disabled are left out. Pairs of (attendance id, recipient).
pub async fn participants(
    db: &impl ConnectionTrait,
    rows: &[training_attendance::Model],
) -> AppResult<Vec<(Uuid, Recipient)>> {
    let user_ids: HashSet<Uuid> = rows.iter().filter_map(|r| r.user_id).collect();
    let firm_ids: HashSet<Uuid> = rows.iter().filter_map(|r| r.consultancy_id).collect();
    let accounts = if user_ids.is_empty() && firm_ids.is_empty() {
        Vec::new()
    } else {
        user::Entity::find()
            .filter(
                sea_orm::Condition::any()
                    .add(user::Column::Id.is_in(user_ids.iter().copied()))
                    .add(user::Column::ConsultancyId.is_in(firm_ids.iter().copied())),
            )
            .filter(is_constant(user::Column::Disabled, false))
            .order_by_asc(user::Column::Id)
            .all(db)
            .await?
    };
    let mut found = Vec::new();
    for row in rows {
        match row.participant_kind {
            TrainingParticipantKind::Expert => {
                found.extend(row.expert_id.map(|id| (row.id, Recipient::Expert(id))));
            }
            TrainingParticipantKind::User => found.extend(
                accounts
                    .iter()
                    .filter(|a| Some(a.id) == row.user_id)
                    .map(|a| (row.id, Recipient::User(a.id))),
            ),
            TrainingParticipantKind::ConsultancyStaff => found.extend(
                accounts
                    .iter()
                    .filter(|a| {
                        a.consultancy_id.is_some() && a.consultancy_id == row.consultancy_id
                    })
                    .map(|a| (row.id, Recipient::User(a.id))),
            ),
            TrainingParticipantKind::Outside => {}
        }
    }
    Ok(found)
}
