//! What eligibility reads from the database besides the pool: ties toward the enterprise and
//! its consultancy, unavailability, the seats standing on the review dates, the yearly
//! counts near the cap and (rechecks) the audit's earlier panels. All narrowed in SQL, in a
//! fixed number of statements whatever the pool's size or the batch's.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use entity::{
    expert_conflict, expert_seat_count, expert_unavailability, panel, panel_seat, review,
};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QuerySelect,
};
use uuid::Uuid;

use super::index::DrawIndex;
use super::request::DrawJob;
use crate::domain::{ReviewKind, SeatStatus};
use crate::error::AppResult;
use crate::rules::eligibility::{DeclaredConflict, ReviewContext, StaffTie, Unavailability};
use crate::services::bulk::{among, select_prefixed};
use crate::services::{Services, expert_pool, is_not_constant};

pub(super) type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
pub(super) type FastSet<T> = HashSet<T, foldhash::fast::RandomState>;

/// What eligibility reads besides the pool, narrowed in SQL, for the review dates of one draw
/// or of a batch of draws. A batch counts each seat it takes as it goes ([`Self::take`]), so
/// every draw in it sees the seats of those before it.
#[derive(Default)]
pub(super) struct EligibilityFacts {
    /// Ties toward the credit codes asked for.
    pub conflicts: FastMap<Uuid, Vec<DeclaredConflict>>,
    /// Experts who are (or were) on the staff register of a consultancy asked for, matched
    /// by the keyed hash of their ID card number.
    pub staff_ties: FastMap<Uuid, Vec<StaffTie>>,
    /// Declared unavailability overlapping the span of the dates asked for.
    pub unavailable: FastMap<Uuid, Vec<Unavailability>>,
    /// Seats that stand on the dates asked for.
    pub seated: FastSet<(Uuid, NaiveDate)>,
    /// Yearly seat counts, of experts close enough to the cap to reach it (see [`load_facts`]).
    pub seats: FastMap<(Uuid, i32), i32>,
}

impl EligibilityFacts {
    /// A seat just taken by an earlier draw of the same batch.
    pub fn take(&mut self, expert_id: Uuid, date: NaiveDate) {
        self.seated.insert((expert_id, date));
        *self.seats.entry((expert_id, date.year())).or_insert(0) += 1;
    }
}

/// Reads the facts for draws on `dates` toward the credit `codes`. Only the comparison with
/// the cap matters, so only counts that can reach it are read: those at least `cap − later`,
/// where `later` is how many seats a batch may give one expert before any of its draws (a
/// panel seats an expert once, and a day seats them once). `panel_id`: the panel being
/// replaced into, whose own seats are not "another panel that day" (its experts are excluded
/// as already invited instead).
pub(super) async fn load_facts(
    txn: &impl ConnectionTrait,
    codes: &[&str],
    dates: &[NaiveDate],
    cap: u32,
    later: usize,
    panel_id: Option<Uuid>,
) -> AppResult<EligibilityFacts> {
    let mut facts = EligibilityFacts::default();
    let (Some(first), Some(last)) = (dates.iter().min(), dates.iter().max()) else {
        return Ok(facts);
    };
    let backend = txn.get_database_backend();
    let codes: Vec<String> = codes
        .iter()
        .filter(|c| !c.trim().is_empty())
        .map(|c| (*c).to_owned())
        .collect();
    if !codes.is_empty() {
        facts.staff_ties = staff_ties(txn, &codes).await?;
        let rows = expert_conflict::Entity::find()
            .filter(among(
                backend,
                expert_conflict::Column::OrganisationCreditCode,
                codes,
            ))
            .all(txn)
            .await?;
        for row in rows {
            facts
                .conflicts
                .entry(row.expert_id)
                .or_default()
                .push(DeclaredConflict {
                    credit_code: row.organisation_credit_code,
                    kind: row.kind,
                    from: row.valid_from,
                    until: row.valid_until,
                });
        }
    }
    let unavailable: Vec<(Uuid, NaiveDate, NaiveDate)> = expert_unavailability::Entity::find()
        .select_only()
        .columns([
            expert_unavailability::Column::ExpertId,
            expert_unavailability::Column::StartsOn,
            expert_unavailability::Column::EndsOn,
        ])
        .filter(expert_unavailability::Column::StartsOn.lte(*last))
        .filter(expert_unavailability::Column::EndsOn.gte(*first))
        .into_tuple()
        .all(txn)
        .await?;
    for (id, from, until) in unavailable {
        facts
            .unavailable
            .entry(id)
            .or_default()
            .push(Unavailability { from, until });
    }
    let mut seated_query = panel_seat::Entity::find()
        .select_only()
        .columns([panel_seat::Column::ExpertId, panel_seat::Column::ReviewDate])
        .filter(is_not_constant(
            panel_seat::Column::Status,
            SeatStatus::Declined.as_str(),
        ));
    seated_query = if first == last {
        seated_query.filter(panel_seat::Column::ReviewDate.eq(*first))
    } else {
        seated_query.filter(among(
            backend,
            panel_seat::Column::ReviewDate,
            dates.iter().copied(),
        ))
    };
    if let Some(id) = panel_id {
        seated_query = seated_query.filter(panel_seat::Column::PanelId.ne(id));
    }
    facts.seated = seated_query
        .into_tuple::<(Uuid, NaiveDate)>()
        .all(txn)
        .await?
        .into_iter()
        .collect();
    let mut years: Vec<i32> = dates.iter().map(Datelike::year).collect();
    years.sort_unstable();
    years.dedup();
    let later = u32::try_from(later).unwrap_or(u32::MAX);
    let within_reach = i32::try_from(cap.saturating_sub(later)).unwrap_or(i32::MAX);
    let mut seats_query = expert_seat_count::Entity::find()
        .select_only()
        .columns([
            expert_seat_count::Column::ExpertId,
            expert_seat_count::Column::Year,
            expert_seat_count::Column::Seats,
        ])
        .filter(expert_seat_count::Column::Seats.gte(within_reach));
    seats_query = match years.as_slice() {
        [year] => seats_query.filter(expert_seat_count::Column::Year.eq(*year)),
        _ => seats_query.filter(among(backend, expert_seat_count::Column::Year, years)),
    };
    facts.seats = seats_query
        .into_tuple::<(Uuid, i32, i32)>()
        .all(txn)
        .await?
        .into_iter()
        .map(|(id, year, seats)| ((id, year), seats))
        .collect();
    Ok(facts)
}

/// Experts who are the same person (by ID card) as someone on the staff register of a
/// consultancy with one of these credit codes, with each spell there: one statement.
async fn staff_ties(
    txn: &impl ConnectionTrait,
    codes: &[String],
) -> AppResult<FastMap<Uuid, Vec<StaffTie>>> {
    use entity::{consultancy, consultancy_staff, expert};
    let query = Query::select()
        .column((expert::Entity, expert::Column::Id))
        .column((consultancy::Entity, consultancy::Column::CreditCode))
        .column((
            consultancy_staff::Entity,
            consultancy_staff::Column::StartedOn,
        ))
        .column((
            consultancy_staff::Entity,
            consultancy_staff::Column::EndedOn,
        ))
        .from(consultancy_staff::Entity)
        .inner_join(
            consultancy::Entity,
            Expr::col((consultancy::Entity, consultancy::Column::Id)).equals((
                consultancy_staff::Entity,
                consultancy_staff::Column::ConsultancyId,
            )),
        )
        .inner_join(
            expert::Entity,
            Expr::col((expert::Entity, expert::Column::IdCardHmac)).equals((
                consultancy_staff::Entity,
                consultancy_staff::Column::IdCardHmac,
            )),
        )
        .and_where(among(
            txn.get_database_backend(),
            consultancy::Column::CreditCode,
            codes.iter().cloned(),
        ))
        .to_owned();
    let mut ties: FastMap<Uuid, Vec<StaffTie>> = FastMap::default();
    for row in txn.query_all(&query).await? {
        let expert_id: Uuid = row.try_get_by_index(0)?;
        ties.entry(expert_id).or_default().push(StaffTie {
            credit_code: row.try_get_by_index(1)?,
            from: row.try_get_by_index(2)?,
            until: row.try_get_by_index(3)?,
        });
    }
    Ok(ties)
}

/// A recheck's experts who sat on the audit's evaluation or acceptance (empty otherwise).
pub(super) async fn earlier_panel_experts(
    txn: &impl ConnectionTrait,
    ctx: &ReviewContext,
    audit_id: Uuid,
) -> AppResult<FastSet<Uuid>> {
    if ctx.kind != ReviewKind::Recheck {
        return Ok(FastSet::default());
    }
    let passed_reviews = Query::select()
        .column(review::Column::Id)
        .from(review::Entity)
        .and_where(review::Column::AuditId.eq(audit_id))
        .and_where(review::Column::Kind.is_in([
            ReviewKind::Evaluation.as_str(),
            ReviewKind::Acceptance.as_str(),
        ]))
        .to_owned();
    Ok(panel_seat::Entity::find()
        .select_only()
        .column(panel_seat::Column::ExpertId)
        .filter(panel_seat::Column::ReviewId.in_subquery(passed_reviews))
        .filter(is_not_constant(
            panel_seat::Column::Status,
            SeatStatus::Declined.as_str(),
        ))
        .into_tuple::<Uuid>()
        .all(txn)
        .await?
        .into_iter()
        .collect())
}

/// The reviews asked for, those of them with a panel, and the pool's revision: one statement.
async fn reviews_with_panels(
    txn: &impl ConnectionTrait,
    review_ids: impl IntoIterator<Item = Uuid>,
) -> AppResult<(FastMap<Uuid, review::Model>, FastSet<Uuid>, Option<i64>)> {
    let mut select = Query::select();
    select_prefixed::<review::Entity>(&mut select, "r_");
    select
        .expr_as(
            Expr::col((panel::Entity, panel::Column::Id)),
            Alias::new("panel_id"),
        )
        .expr_as(
            expert_pool::revision_column(),
            Alias::new(expert_pool::REVISION_COLUMN),
        )
        .from(review::Entity)
        .left_join(
            panel::Entity,
            Expr::col((panel::Entity, panel::Column::ReviewId))
                .equals((review::Entity, review::Column::Id)),
        )
        .and_where(among(
            txn.get_database_backend(),
            review::Column::Id,
            review_ids,
        ));
    let mut reviews = FastMap::default();
    let mut drawn = FastSet::default();
    let mut revision = None;
    for row in txn.query_all(&select).await? {
        let review = review::Model::from_query_result(&row, "r_")?;
        if row.try_get::<Option<Uuid>>("", "panel_id")?.is_some() {
            drawn.insert(review.id);
        }
        revision = Some(expert_pool::revision_in(&row)?);
        reviews.insert(review.id, review);
    }
    Ok((reviews, drawn, revision))
}

/// Runs each statement a batch of draws reads with, in each of its shapes (one date, several
/// in one year or in several, a recheck's earlier panels), for nobody, so that the connection
/// has them prepared (and PostgreSQL has planned them) before the first real draw. Reads only.
pub(super) async fn rehearse_reads(txn: &impl ConnectionTrait, cap: u32) -> AppResult<()> {
    let nobody = Uuid::nil();
    reviews_with_panels(txn, [nobody]).await?;
    let day = crate::services::today();
    // Dates in one year and in two: the seat counts are read by one year or by several.
    let year = day.year();
    let in_year = |month, day| NaiveDate::from_ymd_opt(year, month, day).unwrap_or_default();
    let next_year = NaiveDate::from_ymd_opt(year + 1, 1, 1).unwrap_or_default();
    let codes = ["-"];
    load_facts(txn, &codes, &[day], cap, 0, None).await?;
    load_facts(txn, &codes, &[in_year(1, 1), in_year(1, 2)], cap, 1, None).await?;
    load_facts(txn, &codes, &[in_year(1, 1), next_year], cap, 1, None).await?;
    let recheck = ReviewContext {
        review_date: day,
        kind: ReviewKind::Recheck,
        enterprise_credit_code: String::new(),
        enterprise_city_code: String::new(),
        consultancy_credit_code: None,
        exclude_same_city: false,
        seat_cap: cap,
    };
    earlier_panel_experts(txn, &recheck, nobody).await?;
    Ok(())
}

/// What a batch of draws reads before drawing (see `batch::draw_together`).
pub(super) struct BatchReads {
    pub reviews: FastMap<Uuid, review::Model>,
    /// Reviews of the batch that have a panel already.
    pub drawn: FastSet<Uuid>,
    pub index: Arc<DrawIndex>,
    pub facts: EligibilityFacts,
    /// Rechecks: who sat on the audit's earlier panels, kept current as the batch seats more.
    pub earlier: FastMap<Uuid, FastSet<Uuid>>,
}

/// Reads a batch's reviews (again, inside its transaction: another draw or the outcome may
/// have come first), which of them have a panel, the pool and the facts.
pub(super) async fn read_batch(
    s: &Services,
    txn: &impl ConnectionTrait,
    jobs: &[DrawJob],
) -> AppResult<BatchReads> {
    let (reviews, drawn, revision) =
        reviews_with_panels(txn, jobs.iter().map(|j| j.setting.review.id)).await?;
    let pool = match revision {
        Some(revision) => expert_pool::at_revision(txn, &s.expert_pool, revision).await?,
        // None of the reviews is left: nothing will be drawn, but the pool is read as usual.
        None => expert_pool::current(txn, &s.expert_pool).await?,
    };
    let mut codes: Vec<&str> = jobs
        .iter()
        .flat_map(|j| {
            [
                Some(j.setting.ctx.enterprise_credit_code.as_str()),
                j.setting.ctx.consultancy_credit_code.as_deref(),
            ]
        })
        .flatten()
        .collect();
    codes.sort_unstable();
    codes.dedup();
    let mut dates: Vec<NaiveDate> = jobs.iter().map(|j| j.setting.review_date()).collect();
    dates.sort_unstable();
    dates.dedup();
    // A batch seats an expert at most once a day, so before any of its draws it has given
    // one expert at most as many seats as it has dates (and as it has earlier draws).
    let later = dates.len().min(jobs.len().saturating_sub(1));
    let facts = load_facts(txn, &codes, &dates, s.config.seat_cap, later, None).await?;
    let mut earlier: FastMap<Uuid, FastSet<Uuid>> = FastMap::default();
    for job in jobs {
        let audit_id = job.setting.audit.id;
        if job.setting.kind == ReviewKind::Recheck && !earlier.contains_key(&audit_id) {
            let experts = earlier_panel_experts(txn, &job.setting.ctx, audit_id).await?;
            earlier.insert(audit_id, experts);
        }
    }
    Ok(BatchReads {
        reviews,
        drawn,
        index: s.draw_index.of(pool),
        facts,
        earlier,
    })
}
