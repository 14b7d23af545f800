//! Panels: the verifiable draw (`rules::draw`), seats and their answers, replacements (补抽),
//! attendance and ratings, the draw record (export and verification, `rules::draw_record`).
//!
//! # The draw
//!
//! Eligibility is judged by `rules::eligibility` over the whole pool, loaded in a fixed number
//! of queries whatever its size: the experts' own columns, the sectors and kinds of those who
//! can be eligible at all (ACTIVE and in term), and, narrowed in SQL, the ties toward the
//! enterprise and its consultancy, the unavailability covering the date, the seats standing
//! on that date, the experts at the yearly cap and (rechecks) the earlier panels of the
//! audit. Each round stores its eligible list with the profiles, so it can be re-run.
//!
//! # Concurrency
//!
//! Several instances may draw at once on one PostgreSQL; the database holds the rules:
//! - a unique index on (expert, review date) over seats that stand: one panel a day;
//! - a counter row per expert and year raised by `INSERT … ON CONFLICT DO UPDATE … WHERE
//!   seats < cap` (a row lock): the cap;
//! - unique indexes on the panel's review, its round numbers, (panel, expert), (panel, slot)
//!   over standing seats, and the seat a replacement replaces.
//!
//! Within one instance, draws queue (`draw_queue`) and those queued together are drawn in one
//! transaction, in order, each seeing in memory the seats taken before it (`draw_together`).
//! A batch that loses a race rolls back whole and its draws are drawn one by one. A draw that
//! loses a race (a unique violation, or a counter already at the cap) rolls back and starts
//! again with fresh eligibility and fresh randomness, at most [`MAX_ATTEMPTS`] times, then
//! answers CONFLICT. Locks are taken in one order everywhere — per expert in
//! ascending id: the counter row, then the seat; the audit-log head last — so two writers
//! never wait on each other in a cycle. On SQLite `BEGIN IMMEDIATE` serialises writers.
//!
//! # Secrecy
//!
//! Who sits on a panel is shown to the province, to the organising city's admins, to the
//! consultancy holding the audit from the review date on, and to each expert for their own
//! seats only ([`sees_members`]).

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Datelike, NaiveDate, SubsecRound, Utc};
use entity::{
    audit, consultancy, enterprise, expert_conflict, expert_pool_snapshot, expert_seat_count,
    expert_unavailability, panel, panel_draw, panel_seat, review,
};
use rust_decimal::Decimal;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, FromQueryResult,
    IdenStatic, Iterable, JoinType, QueryFilter, QueryOrder, QuerySelect, RelationDef, Set,
};
use serde_json::{Value as Json, json};
use uuid::Uuid;

use crate::auth::Viewer;
use crate::db::begin_write;
use crate::domain::{
    DrawRoundKind, ExclusionReason, ReviewKind, ReviewStatus, Role, SeatStatus, Sector,
};
use crate::error::{AppError, AppResult};
use crate::rules::draw::{
    DRAW_ALGORITHM, DrawCandidate, DrawError, MAX_PANEL_SIZE, Seat, Slot, composition_with,
    default_composition, derive_seed, draw_panel as run_draw, draw_replacement, eligible_digest,
    panel_size, pool_digest_of_entries,
};
use crate::rules::draw_record::{
    DrawRecord, EligibleRecord, Profile, RECORD_FORMAT, RoundRecord, SeatRecord, Verification,
    decode_eligible_stored, decode_excluded_stored, encode_eligible_positions,
    encode_excluded_reasons, parse_slots, slot_records, verify,
};
use crate::rules::eligibility::{
    Candidate, DeclaredConflict, Partition, ReviewContext, Unavailability, conflict_cutoff,
    partition_pool,
};
use crate::rules::seats;

use super::amounts::to_stored;
use super::bulk::{insert_rows, insert_statements, padded_for_in};
use super::expert_pool::{self, Pool};
use super::pagination::{Page, PageRequest, fetch_page};
use super::text::optional_text;
use super::{Services, audit_log, audits, grouped, is_not_constant, today};

/// Tries of one draw before a race lost every time becomes a CONFLICT.
pub const MAX_ATTEMPTS: usize = 5;
/// The witness nonce is kept exactly as typed, up to this many bytes.
const MAX_NONCE_BYTES: usize = 256;

pub struct DrawInput {
    pub review_id: Uuid,
    pub size: Option<i64>,
    pub exclude_same_city: bool,
    pub witness_nonce: Option<String>,
    /// The specific slots wanted, in order; `None` for the plan's default.
    pub composition: Option<Vec<Slot>>,
}

// Access.

/// Whether the viewer may see who sits on the panel: the province; the organising city's
/// admins; the consultancy holding the audit from the review date on. Experts see their own
/// seats through `myPanelSeats`, not whole panels; anyone else sees nothing.
pub fn sees_members(
    viewer: &Viewer,
    panel: &panel::Model,
    audit_consultancy: Option<Uuid>,
    today: NaiveDate,
) -> bool {
    match viewer {
        Viewer::System => true,
        Viewer::Anonymous => false,
        Viewer::User(p) => match p.role {
            Role::ProvinceAdmin => true,
            Role::CityAdmin => {
                panel.organiser_city_code.is_some()
                    && panel.organiser_city_code.as_deref() == viewer.city_scope()
            }
            Role::Consultancy => {
                audit_consultancy.is_some_and(|c| viewer.is_consultancy(c))
                    && panel.review_date <= today
            }
            Role::Expert => false,
        },
    }
}

/// Who runs a review's panel: its organiser (the audit's city's admins, or the province for
/// a recheck).
fn require_organiser(
    viewer: &Viewer,
    organiser_city: Option<&str>,
    audit: &audit::Model,
) -> AppResult<()> {
    viewer.require_admin()?;
    viewer.require_city(&audit.city_code)?;
    audits::require_organiser(viewer, organiser_city)
}

/// A panel changes only while its review is scheduled and its date has not passed.
fn check_open(review: &review::Model) -> AppResult<()> {
    if review.status != ReviewStatus::Scheduled {
        return Err(AppError::bad_input(
            "reviewId",
            "the review has been held; its panel can no longer change",
        ));
    }
    if review.review_date < today() {
        return Err(AppError::bad_input(
            "reviewId",
            format!("the review date {} has passed", review.review_date),
        ));
    }
    Ok(())
}

/// The witness nonce exactly as typed (it goes into the seed byte for byte).
pub(crate) fn check_nonce(nonce: Option<String>) -> AppResult<String> {
    let nonce = nonce.unwrap_or_default();
    if nonce.len() > MAX_NONCE_BYTES {
        return Err(AppError::bad_input(
            "witnessNonce",
            format!("must be at most {MAX_NONCE_BYTES} bytes"),
        ));
    }
    if nonce.chars().any(char::is_control) {
        return Err(AppError::bad_input(
            "witnessNonce",
            "must not contain control characters",
        ));
    }
    Ok(nonce)
}

/// 32 bytes from the operating system's random source.
pub(crate) fn os_random() -> AppResult<[u8; 32]> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| AppError::internal(format!("OS random source failed: {e}")))?;
    Ok(bytes)
}

// The review a draw is for.

struct Setting {
    review: review::Model,
    audit: audit::Model,
    kind: ReviewKind,
    ctx: ReviewContext,
    sector: Option<Sector>,
}

impl Setting {
    /// The review facts eligibility was judged on, kept with each round for its reader.
    fn context_json(&self) -> Json {
        json!({
            "reviewKind": self.kind.as_str(),
            "reviewDate": self.ctx.review_date,
            "enterpriseId": self.audit.enterprise_id,
            "enterpriseCreditCode": self.ctx.enterprise_credit_code,
            "enterpriseCityCode": self.ctx.enterprise_city_code,
            "consultancyCreditCode": self.ctx.consultancy_credit_code,
            "excludeSameCity": self.ctx.exclude_same_city,
            "seatCap": self.ctx.seat_cap,
            "conflictCutoff": conflict_cutoff(self.ctx.review_date),
        })
    }
}

/// Adds every column of `E` to `select`, named `prefix` + column (for `from_query_result`).
fn select_prefixed<E: EntityTrait + Default>(select: &mut SelectStatement, prefix: &str) {
    for column in E::Column::iter() {
        select.expr_as(
            column.select_as(Expr::col((E::default(), column))),
            Alias::new(format!("{prefix}{}", column.as_str())),
        );
    }
}

/// A review with its audit, the audit's enterprise and its consultancy (if any), read in
/// one statement: every draw's request reads them before it queues.
async fn review_with_parties(
    db: &impl ConnectionTrait,
    review_id: Uuid,
) -> AppResult<(
    review::Model,
    audit::Model,
    enterprise::Model,
    Option<consultancy::Model>,
)> {
    let mut select = Query::select();
    select_prefixed::<review::Entity>(&mut select, "r_");
    select_prefixed::<audit::Entity>(&mut select, "a_");
    select_prefixed::<enterprise::Entity>(&mut select, "e_");
    select_prefixed::<consultancy::Entity>(&mut select, "c_");
    select
        .from(review::Entity)
        .inner_join(
            audit::Entity,
            Expr::col((audit::Entity, audit::Column::Id))
                .equals((review::Entity, review::Column::AuditId)),
        )
        .inner_join(
            enterprise::Entity,
            Expr::col((enterprise::Entity, enterprise::Column::Id))
                .equals((audit::Entity, audit::Column::EnterpriseId)),
        )
        .left_join(
            consultancy::Entity,
            Expr::col((consultancy::Entity, consultancy::Column::Id))
                .equals((audit::Entity, audit::Column::ConsultancyId)),
        )
        .and_where(Expr::col((review::Entity, review::Column::Id)).eq(review_id));
    let row = db
        .query_one(&select)
        .await?
        .ok_or_else(|| AppError::not_found("Review", review_id))?;
    let review = review::Model::from_query_result(&row, "r_")?;
    let audit = audit::Model::from_query_result(&row, "a_")?;
    let enterprise = enterprise::Model::from_query_result(&row, "e_")?;
    let consultancy = match audit.consultancy_id {
        Some(_) => Some(consultancy::Model::from_query_result(&row, "c_")?),
        None => None,
    };
    Ok((review, audit, enterprise, consultancy))
}

async fn load_setting(
    s: &Services,
    viewer: &Viewer,
    review_id: Uuid,
    exclude_same_city: bool,
) -> AppResult<Setting> {
    let (review, audit, enterprise, consultancy) = review_with_parties(&s.db, review_id).await?;
    require_organiser(viewer, review.organiser_city_code.as_deref(), &audit)?;
    let kind = review.kind;
    let consultancy_credit_code = consultancy.map(|c| c.credit_code);
    let sector = enterprise.sector;
    let ctx = ReviewContext {
        review_date: review.review_date,
        kind,
        enterprise_credit_code: enterprise.credit_code,
        enterprise_city_code: enterprise.city_code,
        consultancy_credit_code,
        exclude_same_city,
        seat_cap: s.config.seat_cap,
    };
    Ok(Setting {
        review,
        audit,
        kind,
        ctx,
        sector,
    })
}

/// The plan's default composition; an enterprise outside the catalogue's sectors gets an
/// INDUSTRY_PROCESS expert of any sector in the first slot.
pub(crate) fn default_slots(sector: Option<Sector>, size: u8) -> Vec<Slot> {
    match sector {
        Some(sector) => default_composition(sector, size),
        None => {
            let mut slots = default_composition(Sector::Energy, size);
            if let Some(first) = slots.first_mut() {
                first.sector = None;
            }
            slots
        }
    }
}

// The pool.

type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
type FastSet<T> = HashSet<T, foldhash::fast::RandomState>;

/// What eligibility reads besides the pool, narrowed in SQL, for the review dates of one draw
/// or of a batch of draws. A batch counts each seat it takes as it goes ([`Self::take`]), so
/// every draw in it sees the seats of those before it.
#[derive(Default)]
struct EligibilityFacts {
    /// Ties toward the credit codes asked for.
    conflicts: FastMap<Uuid, Vec<DeclaredConflict>>,
    /// Declared unavailability overlapping the span of the dates asked for.
    unavailable: FastMap<Uuid, Vec<Unavailability>>,
    /// Seats that stand on the dates asked for.
    seated: FastSet<(Uuid, NaiveDate)>,
    /// Yearly seat counts, of experts close enough to the cap to reach it (see [`load_facts`]).
    seats: FastMap<(Uuid, i32), i32>,
}

impl EligibilityFacts {
    /// A seat just taken by an earlier draw of the same batch.
    fn take(&mut self, expert_id: Uuid, date: NaiveDate) {
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
async fn load_facts(
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
    let codes: Vec<String> = padded_for_in(
        codes
            .iter()
            .filter(|c| !c.trim().is_empty())
            .map(|c| (*c).to_owned())
            .collect(),
    );
    if !codes.is_empty() {
        let rows = expert_conflict::Entity::find()
            .filter(expert_conflict::Column::OrganisationCreditCode.is_in(codes))
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
        seated_query.filter(panel_seat::Column::ReviewDate.is_in(padded_for_in(dates.to_vec())))
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
        _ => seats_query.filter(expert_seat_count::Column::Year.is_in(padded_for_in(years))),
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

/// A recheck's experts who sat on the audit's evaluation or acceptance (empty otherwise).
async fn earlier_panel_experts(
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

/// Every expert of the pool as the eligibility rules see them on the review date, borrowing
/// the pool's data (a draw builds thousands: no copies). The facts are few next to the pool,
/// so each is applied to its expert, rather than every expert looked up in every kind of fact.
fn candidates<'a>(
    pool: &'a Pool,
    facts: &EligibilityFacts,
    ctx: &ReviewContext,
    earlier: &FastSet<Uuid>,
) -> Vec<Candidate<'a>> {
    let date = ctx.review_date;
    let year = date.year();
    let mut candidates: Vec<Candidate<'a>> = pool
        .experts
        .iter()
        .map(|e| Candidate {
            expert_id: e.model.id,
            status: e.status,
            term_start: e.model.term_start,
            term_end: e.model.term_end,
            city_code: &e.model.city_code,
            sectors: &e.sectors,
            expertise: &e.kinds,
            employer_credit_code: Some(&e.model.employer_credit_code),
            conflicts: Vec::new(),
            unavailable: Vec::new(),
            seated_dates: Vec::new(),
            seats_this_year: 0,
            on_earlier_panel_of_audit: false,
        })
        .collect();
    for (id, conflicts) in &facts.conflicts {
        if let Some(c) = candidate_of(pool, &mut candidates, *id) {
            c.conflicts.clone_from(conflicts);
        }
    }
    for (id, unavailable) in &facts.unavailable {
        if let Some(c) = candidate_of(pool, &mut candidates, *id) {
            c.unavailable.clone_from(unavailable);
        }
    }
    for (id, day) in &facts.seated {
        if *day == date
            && let Some(c) = candidate_of(pool, &mut candidates, *id)
        {
            c.seated_dates = vec![date];
        }
    }
    for ((id, seats_year), seats) in &facts.seats {
        if *seats_year == year
            && let Some(c) = candidate_of(pool, &mut candidates, *id)
        {
            c.seats_this_year = u32::try_from(*seats).unwrap_or(0);
        }
    }
    for id in earlier {
        if let Some(c) = candidate_of(pool, &mut candidates, *id) {
            c.on_earlier_panel_of_audit = true;
        }
    }
    candidates
}

/// The candidate an expert of the pool stands as; facts about someone no longer in the pool
/// concern no candidate.
fn candidate_of<'c, 'a>(
    pool: &Pool,
    candidates: &'c mut [Candidate<'a>],
    id: Uuid,
) -> Option<&'c mut Candidate<'a>> {
    pool.position(id).and_then(|i| candidates.get_mut(i))
}

/// The eligible experts with their profiles, in ascending id order (the draw's input), and
/// where each stands in the pool (whose order, by id, the candidates keep). Both lists
/// ascend, so one walk over the candidates finds them.
fn eligible_list<'a>(
    candidates: &[Candidate<'a>],
    partition: &Partition,
) -> (Vec<DrawCandidate<'a>>, Vec<usize>) {
    let mut eligible = partition.eligible.iter().peekable();
    let mut list = (
        Vec::with_capacity(partition.eligible.len()),
        Vec::with_capacity(partition.eligible.len()),
    );
    for (i, c) in candidates.iter().enumerate() {
        while eligible.next_if(|id| **id < c.expert_id).is_some() {}
        if eligible.next_if(|id| **id == c.expert_id).is_some() {
            list.0.push(DrawCandidate::from(c));
            list.1.push(i);
        }
    }
    list
}

fn counts_json(partition: &Partition) -> Json {
    let map: serde_json::Map<String, Json> = partition
        .excluded_counts
        .iter()
        .map(|(reason, n)| (reason.as_str().to_owned(), json!(n)))
        .collect();
    Json::Object(map)
}

/// INSUFFICIENT_CANDIDATES with the counts per reason and the slot that cannot be filled.
fn insufficient(err: DrawError, partition: &Partition) -> AppError {
    let mut details = BTreeMap::new();
    let counts: BTreeMap<String, async_graphql::Value> = partition
        .excluded_counts
        .iter()
        .map(|(reason, n)| (reason.as_str().to_owned(), async_graphql::Value::from(*n)))
        .collect();
    details.insert(
        "excludedCounts".to_owned(),
        async_graphql::Value::Object(
            counts
                .into_iter()
                .map(|(k, v)| (async_graphql::Name::new(k), v))
                .collect(),
        ),
    );
    details.insert(
        "excludedTotal".to_owned(),
        async_graphql::Value::from(partition.excluded_total()),
    );
    details.insert(
        "eligibleCount".to_owned(),
        async_graphql::Value::from(partition.eligible.len() as u64),
    );
    let message = err.to_string();
    match err {
        DrawError::TooFewCandidates { needed, available } => {
            details.insert("needed".to_owned(), (needed as u64).into());
            details.insert("available".to_owned(), (available as u64).into());
            details.insert("unfillableSlot".to_owned(), async_graphql::Value::Null);
        }
        DrawError::UnfillableSlot {
            index,
            slot,
            fitting,
        } => {
            let mut obj = async_graphql::indexmap::IndexMap::new();
            obj.insert(
                async_graphql::Name::new("index"),
                async_graphql::Value::from(index as u64),
            );
            obj.insert(
                async_graphql::Name::new("sector"),
                slot.sector
                    .map_or(async_graphql::Value::Null, |s| s.as_str().into()),
            );
            obj.insert(
                async_graphql::Name::new("kind"),
                slot.kind
                    .map_or(async_graphql::Value::Null, |k| k.as_str().into()),
            );
            obj.insert(
                async_graphql::Name::new("fitting"),
                async_graphql::Value::from(fitting as u64),
            );
            details.insert(
                "unfillableSlot".to_owned(),
                async_graphql::Value::Object(obj),
            );
        }
        DrawError::DuplicateCandidate(id) => {
            return AppError::internal(format!("expert {id} twice in an eligible list"));
        }
    }
    AppError::InsufficientCandidates { message, details }
}

// Writes.

/// A lost race: roll back and draw again.
fn is_race(err: &DbErr) -> bool {
    if matches!(
        err.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    ) {
        return true;
    }
    // PostgreSQL deadlock or serialization failure: the transaction can simply be retried.
    if let DbErr::Exec(sea_orm::RuntimeErr::SqlxError(e))
    | DbErr::Query(sea_orm::RuntimeErr::SqlxError(e)) = err
        && let sea_orm::sqlx::Error::Database(db) = e.as_ref()
    {
        return matches!(db.code().as_deref(), Some("40P01" | "40001"));
    }
    false
}

enum Attempt<T> {
    Done(T),
    LostRace,
}

/// Lifts a write error: a race means "draw again", anything else fails the draw.
fn raced<T>(result: Result<T, DbErr>) -> AppResult<Result<T, ()>> {
    match result {
        Ok(v) => Ok(Ok(v)),
        Err(e) if is_race(&e) => Ok(Err(())),
        Err(e) => Err(e.into()),
    }
}

/// Raises each expert's seat count for the year by the seats taken, in as few upserts as the
/// backend allows (`bulk::insert_statements`; rows in ascending (expert, year) order, the
/// lock order). No count may pass the cap: fewer rows changed than given means another
/// writer took a seat meanwhile, and the draw is lost (`Ok(false)`, or `Err(())` for a race).
/// The upsert's row locks make concurrent draws queue here.
async fn take_seats(
    txn: &impl ConnectionTrait,
    taken: &BTreeMap<(Uuid, i32), i32>,
    cap: u32,
) -> AppResult<Result<bool, ()>> {
    let cap = i32::try_from(cap).unwrap_or(i32::MAX);
    let table = expert_seat_count::Entity;
    let rows: Vec<expert_seat_count::ActiveModel> = taken
        .iter()
        .map(
            |((expert_id, year), seats)| expert_seat_count::ActiveModel {
                expert_id: Set(*expert_id),
                year: Set(*year),
                seats: Set(*seats),
            },
        )
        .collect();
    let current = Expr::col((table, expert_seat_count::Column::Seats));
    let added = Expr::col((Alias::new("excluded"), expert_seat_count::Column::Seats));
    let raise = OnConflict::columns([
        expert_seat_count::Column::ExpertId,
        expert_seat_count::Column::Year,
    ])
    .value(
        expert_seat_count::Column::Seats,
        current.clone().add(added.clone()),
    )
    .action_and_where(current.add(added).lte(cap))
    .to_owned();
    let mut affected = 0u64;
    for mut upsert in insert_statements(txn.get_database_backend(), rows) {
        upsert.on_conflict(raise.clone());
        match raced(txn.execute(&upsert).await)? {
            Ok(result) => affected += result.rows_affected(),
            Err(()) => return Ok(Err(())),
        }
    }
    // A row skipped by the WHERE is not counted: fewer rows than given means a cap was hit.
    Ok(Ok(usize::try_from(affected).is_ok_and(|n| n == taken.len())))
}

/// A declined seat no longer counts toward the cap.
async fn release_seat(txn: &impl ConnectionTrait, expert_id: Uuid, year: i32) -> AppResult<()> {
    expert_seat_count::Entity::update_many()
        .col_expr(
            expert_seat_count::Column::Seats,
            Expr::col(expert_seat_count::Column::Seats).sub(1),
        )
        .filter(expert_seat_count::Column::ExpertId.eq(expert_id))
        .filter(expert_seat_count::Column::Year.eq(year))
        .filter(expert_seat_count::Column::Seats.gt(0))
        .exec(txn)
        .await?;
    Ok(())
}

/// One round of a draw, about to be stored.
struct NewRound<'a> {
    panel_id: Uuid,
    round_no: i32,
    kind: DrawRoundKind,
    review: &'a review::Model,
    server_random: [u8; 32],
    witness_nonce: &'a str,
    seed: [u8; 32],
    slots: &'a [Slot],
    replaced: Option<(Uuid, usize)>,
    already_invited: &'a [Uuid],
    eligible: &'a [DrawCandidate<'a>],
    /// Where each eligible expert stands in `pool`, whose kept entries make the stored list
    /// and the pool digest.
    positions: &'a [usize],
    pool: &'a Pool,
    partition: &'a Partition,
    context: Json,
}

fn to_json_text<T: serde::Serialize>(value: &T) -> AppResult<String> {
    serde_json::to_string(value).map_err(|e| AppError::internal(format!("encoding JSON: {e}")))
}

/// The reasons each expert of the pool outside the eligible `positions` (ascending) was
/// excluded for, in the pool's order: the excluded list stored against the pool's snapshot.
/// The pool and the excluded map are both in id order, so one walk pairs them.
fn excluded_in_pool_order<'p>(
    pool: &Pool,
    positions: &[usize],
    partition: &'p Partition,
) -> AppResult<Vec<&'p [ExclusionReason]>> {
    let mismatch = || AppError::internal("the eligible and excluded lists do not make up the pool");
    let mut eligible = positions.iter().peekable();
    let mut excluded = partition.excluded.iter();
    let mut reasons = Vec::with_capacity(partition.excluded.len());
    for (i, expert) in pool.experts.iter().enumerate() {
        if eligible.next_if_eq(&&i).is_some() {
            continue;
        }
        match excluded.next() {
            Some((id, why)) if *id == expert.model.id && !why.is_empty() => {
                reasons.push(why.as_slice());
            }
            _ => return Err(mismatch()),
        }
    }
    if excluded.next().is_some() || eligible.next().is_some() {
        return Err(mismatch());
    }
    Ok(reasons)
}

/// What a round's digests are made from: its eligible experts' ids and where they stand in
/// the pool. Hashing them is most of a draw's work in memory, so a batch does it on a
/// blocking thread while its first statements run (see [`draw_together`]).
#[derive(Default)]
struct DigestInput {
    ids: Vec<Uuid>,
    positions: Vec<usize>,
}

/// The round's eligible digest and pool digest, hex-encoded.
fn round_digests(pool: &Pool, input: &DigestInput) -> (String, String) {
    let kept = input
        .positions
        .iter()
        .filter_map(|i| pool.experts.get(*i))
        .map(|e| e.digest_entry.as_slice());
    (
        hex::encode(eligible_digest(&input.ids)),
        hex::encode(pool_digest_of_entries(kept)),
    )
}

/// Writes the digests into the round and into its audit-log summary.
fn set_digests(round: &mut panel_draw::Model, summary: &mut Json, digests: (String, String)) {
    let (eligible, pool) = digests;
    summary["eligibleDigest"] = Json::String(eligible.clone());
    summary["poolDigest"] = Json::String(pool.clone());
    round.eligible_digest = eligible;
    round.pool_digest = pool;
}

/// The stored form of a round: its lists as bits and reasons against the pool's snapshot.
/// Its digests are left empty, to be set from the [`DigestInput`] returned with it.
fn round_model(
    viewer: &Viewer,
    round: &NewRound<'_>,
) -> AppResult<(panel_draw::Model, DigestInput)> {
    let kept = round
        .positions
        .iter()
        .filter(|i| **i < round.pool.experts.len())
        .count();
    if kept != round.eligible.len() {
        return Err(AppError::internal("an eligible expert is not in the pool"));
    }
    let excluded = excluded_in_pool_order(round.pool, round.positions, round.partition)?;
    let model = panel_draw::Model {
        id: Uuid::now_v7(),
        panel_id: round.panel_id,
        round_no: round.round_no,
        kind: round.kind,
        algorithm: DRAW_ALGORITHM.to_owned(),
        review_id: round.review.id,
        review_date: round.review.review_date,
        server_random: hex::encode(round.server_random),
        witness_nonce: round.witness_nonce.to_owned(),
        seed: hex::encode(round.seed),
        slots: to_json_text(&slot_records(round.slots))?,
        replaced_seat_id: round.replaced.map(|(id, _)| id),
        replaced_slot: round
            .replaced
            .map(|(_, slot)| i32::try_from(slot).unwrap_or(i32::MAX)),
        already_invited: to_json_text(&round.already_invited)?,
        eligible_count: i32::try_from(round.eligible.len()).unwrap_or(i32::MAX),
        eligible_digest: String::new(),
        pool_digest: String::new(),
        pool_snapshot: Some(round.pool.snapshot_name.clone()),
        eligible: encode_eligible_positions(round.pool.experts.len(), round.positions),
        excluded_counts: counts_json(round.partition).to_string(),
        excluded_total: i32::try_from(round.partition.excluded_total()).unwrap_or(i32::MAX),
        excluded: encode_excluded_reasons(excluded),
        context: round.context.to_string(),
        drawn_by: viewer.user_id(),
        drawn_at: Utc::now(),
    };
    let input = DigestInput {
        ids: round.eligible.iter().map(|p| p.id).collect(),
        positions: round.positions.to_vec(),
    };
    Ok((model, input))
}

/// The seats a round gives, invited.
fn seat_models(
    panel: &panel::Model,
    draw_id: Uuid,
    seats: &[Seat],
    replaces: Option<Uuid>,
) -> Vec<panel_seat::Model> {
    // At the precision both databases keep: the answer shows these models as written.
    let now = Utc::now().trunc_subsecs(6);
    seats
        .iter()
        .map(|seat| panel_seat::Model {
            id: Uuid::now_v7(),
            panel_id: panel.id,
            draw_id,
            review_id: panel.review_id,
            review_date: panel.review_date,
            expert_id: seat.expert_id,
            slot_index: i32::try_from(seat.slot).unwrap_or(i32::MAX),
            status: SeatStatus::Invited,
            decline_reason: None,
            responded_at: None,
            responded_by: None,
            replaces_seat_id: replaces,
            attendance_recorded_at: None,
            attendance_recorded_by: None,
            rating: None,
            rating_comment: None,
            rated_by: None,
            rated_at: None,
            version: 1,
            created_at: now,
            updated_at: now,
        })
        .collect()
}

/// Stores the pool's snapshot unless it is known to be stored (another transaction, or
/// another instance, may have stored it meanwhile: then this one stores nothing).
async fn store_snapshot(txn: &impl ConnectionTrait, pool: &Pool) -> AppResult<()> {
    if pool.snapshot_stored() {
        return Ok(());
    }
    let experts = i32::try_from(pool.experts.len())
        .map_err(|_| AppError::internal("the expert pool is too large to store"))?;
    let mut insert = Query::insert();
    insert
        .into_table(expert_pool_snapshot::Entity)
        .columns([
            expert_pool_snapshot::Column::Name,
            expert_pool_snapshot::Column::Experts,
            expert_pool_snapshot::Column::Entries,
            expert_pool_snapshot::Column::CreatedAt,
        ])
        .values([
            pool.snapshot_name.clone().into(),
            experts.into(),
            pool.snapshot.clone().into(),
            Utc::now().into(),
        ])
        .map_err(|e| AppError::internal(format!("pool snapshot insert: {e}")))?
        .on_conflict(
            OnConflict::column(expert_pool_snapshot::Column::Name)
                .do_nothing()
                .to_owned(),
        );
    txn.execute(&insert).await?;
    Ok(())
}

/// Raises the seated experts' yearly counts by `seats` (see [`take_seats`]). `Err(())`: a
/// race was lost, or a cap reached meanwhile.
async fn count_seats(
    txn: &impl ConnectionTrait,
    seats: &[panel_seat::Model],
    cap: u32,
) -> AppResult<Result<(), ()>> {
    let mut taken: BTreeMap<(Uuid, i32), i32> = BTreeMap::new();
    for seat in seats {
        *taken
            .entry((seat.expert_id, seat.review_date.year()))
            .or_insert(0) += 1;
    }
    match take_seats(txn, &taken, cap).await? {
        Ok(true) => Ok(Ok(())),
        Ok(false) | Err(()) => Ok(Err(())),
    }
}

/// Stores the rounds, and the snapshot of `pool` they are stored against. `Err(())`: a race
/// was lost.
async fn store_rounds(
    txn: &impl ConnectionTrait,
    pool: &Pool,
    rounds: Vec<panel_draw::Model>,
) -> AppResult<Result<(), ()>> {
    if rounds.is_empty() {
        return Ok(Ok(()));
    }
    store_snapshot(txn, pool).await?;
    let rows = rounds
        .into_iter()
        .map(panel_draw::ActiveModel::from)
        .collect();
    raced(insert_rows(txn, rows).await)
}

/// Stores the seats (after their rounds). `Err(())`: a race was lost.
async fn store_seats(
    txn: &impl ConnectionTrait,
    seats: Vec<panel_seat::Model>,
) -> AppResult<Result<(), ()>> {
    let rows = seats
        .into_iter()
        .map(panel_seat::ActiveModel::from)
        .collect();
    raced(insert_rows(txn, rows).await)
}

fn seats_json(seats: &[Seat]) -> Json {
    json!(
        seats
            .iter()
            .map(|s| json!({ "slot": s.slot, "expertId": s.expert_id }))
            .collect::<Vec<_>>()
    )
}

// The draw.

/// A panel just drawn, with its seats (in slot order), as the draw wrote them.
#[derive(Clone, Debug)]
pub struct DrawnPanel {
    pub panel: panel::Model,
    pub seats: Vec<panel_seat::Model>,
}

/// A draw asked for and checked, waiting for its turn in the queue (`draw_queue`).
pub(super) struct DrawJob {
    viewer: Viewer,
    setting: Setting,
    slots: Vec<Slot>,
    nonce: String,
}

/// Draws the panel of a scheduled review (its organiser). Fails with INSUFFICIENT_CANDIDATES
/// when no valid panel exists, and writes nothing then.
pub async fn draw_panel(s: &Services, viewer: &Viewer, input: DrawInput) -> AppResult<DrawnPanel> {
    viewer.require_admin()?;
    let setting = load_setting(s, viewer, input.review_id, input.exclude_same_city).await?;
    check_open(&setting.review)?;
    let size = panel_size(input.size, setting.kind)
        .map_err(|e| AppError::bad_input("size", e.to_string()))?;
    let slots = match &input.composition {
        Some(required) => composition_with(required, size)
            .map_err(|e| AppError::bad_input("composition", e.to_string()))?,
        None => default_slots(setting.sector, size),
    };
    let nonce = check_nonce(input.witness_nonce)?;
    let kind = setting.kind;
    let job = DrawJob {
        viewer: viewer.clone(),
        setting,
        slots,
        nonce,
    };
    let answer = s.draw_queue.draw(s, job).await;
    let outcome = match &answer {
        Ok(_) => "drawn",
        Err(AppError::InsufficientCandidates { .. }) => "insufficient_candidates",
        Err(AppError::Conflict(_)) => "conflict",
        Err(_) => "error",
    };
    s.metrics.observe_draw(kind.as_str(), outcome);
    answer
}

/// Draws queued panels, answering each in queue order: together in one transaction, or,
/// when that loses a race with another writer, one by one as single draws.
pub(super) async fn draw_queued(
    s: &Services,
    db: &DatabaseConnection,
    jobs: &[DrawJob],
) -> Vec<AppResult<DrawnPanel>> {
    if jobs.len() > 1 {
        match draw_together(s, db, jobs).await {
            Ok(Attempt::Done(answers)) => return answers,
            Ok(Attempt::LostRace) => {
                for job in jobs {
                    s.metrics.observe_draw(job.setting.kind.as_str(), "retried");
                }
            }
            // With the database away, each draw alone would only wait for it again.
            Err(AppError::Unavailable) => {
                return jobs.iter().map(|_| Err(AppError::Unavailable)).collect();
            }
            // Anything else may be one draw's own: each meets it, or not, on its own.
            Err(_) => {}
        }
    }
    let mut answers = Vec::with_capacity(jobs.len());
    for job in jobs {
        answers.push(draw_alone(s, db, job).await);
    }
    answers
}

/// One draw in its own transaction; a lost race draws again with fresh eligibility and
/// fresh randomness, at most [`MAX_ATTEMPTS`] times.
async fn draw_alone(s: &Services, db: &DatabaseConnection, job: &DrawJob) -> AppResult<DrawnPanel> {
    for _ in 0..MAX_ATTEMPTS {
        match draw_together(s, db, std::slice::from_ref(job)).await? {
            Attempt::Done(mut answers) => {
                return answers
                    .pop()
                    .unwrap_or_else(|| Err(AppError::internal("a draw gave no answer")));
            }
            Attempt::LostRace => s.metrics.observe_draw(job.setting.kind.as_str(), "retried"),
        }
    }
    Err(AppError::conflict(
        "other draws kept taking the same experts; try again",
    ))
}

/// A draw made in memory, to be written once its round has its digests.
struct StagedDraw {
    panel: panel::Model,
    round: panel_draw::Model,
    digest_input: DigestInput,
    seats: Vec<panel_seat::Model>,
    summary: Json,
}

/// What a batch of draws reads before drawing (see [`draw_together`]).
struct BatchReads {
    reviews: FastMap<Uuid, review::Model>,
    /// Reviews of the batch that have a panel already.
    drawn: FastSet<Uuid>,
    pool: std::sync::Arc<Pool>,
    facts: EligibilityFacts,
    /// Rechecks: who sat on the audit's earlier panels, kept current as the batch seats more.
    earlier: FastMap<Uuid, FastSet<Uuid>>,
}

/// Reads a batch's reviews (again, inside its transaction: another draw or the outcome may
/// have come first), which of them have a panel, the pool and the facts.
async fn read_batch(
    s: &Services,
    txn: &impl ConnectionTrait,
    jobs: &[DrawJob],
) -> AppResult<BatchReads> {
    let review_ids = padded_for_in(jobs.iter().map(|j| j.setting.review.id).collect());
    // The reviews, whether each has a panel, and the pool's revision: one statement.
    let mut select = Query::select();
    select_prefixed::<review::Entity>(&mut select, "r_");
    select
        .expr_as(
            Expr::col((panel::Entity, panel::Column::Id)),
            Alias::new("panel_id"),
        )
        .expr_as(expert_pool::revision_column(), Alias::new("pool_revision"))
        .from(review::Entity)
        .left_join(
            panel::Entity,
            Expr::col((panel::Entity, panel::Column::ReviewId))
                .equals((review::Entity, review::Column::Id)),
        )
        .and_where(Expr::col((review::Entity, review::Column::Id)).is_in(review_ids));
    let mut reviews = FastMap::default();
    let mut drawn = FastSet::default();
    let mut revision = None;
    for row in txn.query_all(&select).await? {
        let review = review::Model::from_query_result(&row, "r_")?;
        if row.try_get::<Option<Uuid>>("", "panel_id")?.is_some() {
            drawn.insert(review.id);
        }
        revision = Some(row.try_get::<i64>("", "pool_revision")?);
        reviews.insert(review.id, review);
    }
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
    let mut dates: Vec<NaiveDate> = jobs.iter().map(|j| j.setting.ctx.review_date).collect();
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
        pool,
        facts,
        earlier,
    })
}

/// Draws `jobs` in one transaction, in order, each seeing the seats taken by those before
/// it, with a fixed number of statements whatever their number. A draw that cannot be made
/// (too few candidates, its review no longer open or drawn already) gets its error and
/// writes nothing; the others are written together. `LostRace`: another writer took a seat,
/// a counter or the review meanwhile, and nothing was written.
async fn draw_together(
    s: &Services,
    db: &DatabaseConnection,
    jobs: &[DrawJob],
) -> AppResult<Attempt<Vec<AppResult<DrawnPanel>>>> {
    let started = std::time::Instant::now();
    let txn = begin_write(db).await?;
    let BatchReads {
        reviews,
        mut drawn,
        pool,
        mut facts,
        mut earlier,
    } = read_batch(s, &txn, jobs).await?;
    let cap = s.config.seat_cap;
    let nobody = FastSet::default();
    let read = started.elapsed();

    let mut answers = Vec::with_capacity(jobs.len());
    let mut staged: Vec<StagedDraw> = Vec::new();
    for job in jobs {
        let id = job.setting.review.id;
        let audit_id = job.setting.audit.id;
        let outcome = match reviews.get(&id) {
            None => Err(AppError::not_found("Review", id)),
            Some(review) => check_open(review).and_then(|()| {
                if drawn.contains(&id) {
                    return Err(AppError::conflict(
                        "the review already has a panel; replace declined seats instead",
                    ));
                }
                stage_draw(
                    job,
                    review,
                    &pool,
                    &facts,
                    earlier.get(&audit_id).unwrap_or(&nobody),
                )
            }),
        };
        match outcome {
            Ok(draw) => {
                drawn.insert(id);
                for seat in &draw.seats {
                    facts.take(seat.expert_id, seat.review_date);
                }
                if job.setting.kind != ReviewKind::Recheck
                    && let Some(sat) = earlier.get_mut(&audit_id)
                {
                    sat.extend(draw.seats.iter().map(|seat| seat.expert_id));
                }
                let mut seats = draw.seats.clone();
                seats.sort_by_key(|seat| (seat.slot_index, seat.id));
                answers.push(Ok(DrawnPanel {
                    panel: draw.panel.clone(),
                    seats,
                }));
                staged.push(draw);
            }
            Err(err) => answers.push(Err(err)),
        }
    }
    if staged.is_empty() {
        return Ok(Attempt::Done(answers));
    }

    let staged_at = started.elapsed();
    let drawn_count = staged.len();
    let mut panels = Vec::with_capacity(drawn_count);
    let mut rounds = Vec::with_capacity(drawn_count);
    let mut digest_inputs = Vec::with_capacity(drawn_count);
    let mut seats = Vec::with_capacity(drawn_count * MAX_PANEL_SIZE as usize);
    let mut summaries = Vec::with_capacity(drawn_count);
    for draw in staged {
        summaries.push((draw.panel.id, draw.summary));
        panels.push(draw.panel);
        rounds.push(draw.round);
        digest_inputs.push(draw.digest_input);
        seats.extend(draw.seats);
    }
    // The rounds' digests are hashed on a blocking thread meanwhile: the panels and the seat
    // counters do not need them.
    let hashing_pool = pool.clone();
    let digests = tokio::task::spawn_blocking(move || {
        digest_inputs
            .iter()
            .map(|input| round_digests(&hashing_pool, input))
            .collect::<Vec<_>>()
    });
    // Panels in review order, so two batches never wait on each other's reviews in a cycle.
    panels.sort_by_key(|p| p.review_id);
    let rows = panels.into_iter().map(panel::ActiveModel::from).collect();
    if raced(insert_rows(&txn, rows).await)?.is_err() {
        return Ok(Attempt::LostRace);
    }
    if count_seats(&txn, &seats, cap).await?.is_err() {
        return Ok(Attempt::LostRace);
    }
    let digests = digests
        .await
        .map_err(|e| AppError::internal(format!("hashing the rounds: {e}")))?;
    for ((round, (_, summary)), digests) in rounds.iter_mut().zip(&mut summaries).zip(digests) {
        set_digests(round, summary, digests);
    }
    if store_rounds(&txn, &pool, rounds).await?.is_err() || store_seats(&txn, seats).await?.is_err()
    {
        return Ok(Attempt::LostRace);
    }
    let entries: Vec<audit_log::NewEntry<'_>> = jobs
        .iter()
        .zip(&answers)
        .filter(|(_, answer)| answer.is_ok())
        .map(|(job, _)| &job.viewer)
        .zip(summaries)
        .map(|(viewer, (panel_id, summary))| audit_log::NewEntry {
            viewer,
            operation: "drawPanel",
            entity_type: "Panel",
            entity_id: Some(panel_id.to_string()),
            summary,
        })
        .collect();
    audit_log::record_all(&txn, entries).await?;
    let written = started.elapsed();
    txn.commit().await?;
    pool.mark_snapshot_stored();
    crate::db::checkpoint_behind(db);
    s.metrics.observe_draw_batch(drawn_count);
    // Where a batch's time goes (RUST_LOG=cleanprod::services::panels=debug).
    tracing::debug!(
        draws = drawn_count,
        read_us = read.as_micros(),
        drawn_us = (staged_at - read).as_micros(),
        written_us = (written - staged_at).as_micros(),
        committed_us = (started.elapsed() - written).as_micros(),
        "batch of draws"
    );
    Ok(Attempt::Done(answers))
}

/// One draw in memory: eligibility over the whole pool, the seed, the panel, its first round
/// and its seats.
fn stage_draw(
    job: &DrawJob,
    review: &review::Model,
    pool: &Pool,
    facts: &EligibilityFacts,
    earlier: &FastSet<Uuid>,
) -> AppResult<StagedDraw> {
    let setting = &job.setting;
    let candidates = candidates(pool, facts, &setting.ctx, earlier);
    let partition = partition_pool(&candidates, &setting.ctx);
    let (eligible, positions) = eligible_list(&candidates, &partition);
    let server_random = os_random()?;
    let seed = derive_seed(&server_random, review.id, &job.nonce);
    let drawn = run_draw(&eligible, &job.slots, &seed).map_err(|e| insufficient(e, &partition))?;
    let panel = panel::Model {
        id: Uuid::now_v7(),
        review_id: review.id,
        audit_id: setting.audit.id,
        review_kind: setting.kind,
        review_date: review.review_date,
        organiser_city_code: review.organiser_city_code.clone(),
        size: i32::try_from(job.slots.len()).unwrap_or(i32::MAX),
        composition: to_json_text(&slot_records(&job.slots))?,
        exclude_same_city: setting.ctx.exclude_same_city,
        drawn_by: job.viewer.user_id(),
        created_at: Utc::now().trunc_subsecs(6),
    };
    let (round, digest_input) = round_model(
        &job.viewer,
        &NewRound {
            panel_id: panel.id,
            round_no: 1,
            kind: DrawRoundKind::Initial,
            review,
            server_random,
            witness_nonce: &job.nonce,
            seed,
            slots: &job.slots,
            replaced: None,
            already_invited: &[],
            eligible: &eligible,
            positions: &positions,
            pool,
            partition: &partition,
            context: setting.context_json(),
        },
    )?;
    let seats = seat_models(&panel, round.id, &drawn, None);
    let summary = json!({
        "reviewId": review.id,
        "round": 1,
        "algorithm": DRAW_ALGORITHM,
        "seed": round.seed,
        "eligibleCount": round.eligible_count,
        // Set with the round's digests (`set_digests`).
        "eligibleDigest": null,
        "poolDigest": null,
        "excludedCounts": counts_json(&partition),
        "seats": seats_json(&drawn),
    });
    Ok(StagedDraw {
        panel,
        round,
        digest_input,
        seats,
        summary,
    })
}

// Replacement (补抽).

/// Draws a replacement for a declined seat, for the same slot, from those still eligible and
/// never invited to this panel, recorded as a new round.
pub async fn replace_declined_seat(
    s: &Services,
    viewer: &Viewer,
    seat_id: Uuid,
    witness_nonce: Option<String>,
) -> AppResult<panel_seat::Model> {
    viewer.require_admin()?;
    let seat = find_seat(&s.db, seat_id).await?;
    let panel = find_panel(&s.db, seat.panel_id).await?;
    let setting = load_setting(s, viewer, panel.review_id, panel.exclude_same_city).await?;
    if seat.status != SeatStatus::Declined {
        return Err(AppError::bad_input(
            "seatId",
            format!(
                "the seat is {}; only a declined seat is replaced",
                seat.status
            ),
        ));
    }
    check_open(&setting.review)?;
    let nonce = check_nonce(witness_nonce)?;
    let composition = parse_slots(&serde_json::from_str::<Vec<_>>(&panel.composition).map_err(
        |e| AppError::internal(format!("stored composition of panel {}: {e}", panel.id)),
    )?)
    .map_err(|e| AppError::internal(format!("stored composition of panel {}: {e}", panel.id)))?;
    let slot_index = usize::try_from(seat.slot_index)
        .map_err(|_| AppError::internal(format!("seat {} has a negative slot", seat.id)))?;
    let slot = *composition.get(slot_index).ok_or_else(|| {
        AppError::internal(format!("seat {} names a slot the panel lacks", seat.id))
    })?;
    let kind = setting.kind.as_str();
    for _ in 0..MAX_ATTEMPTS {
        match replace_attempt(s, viewer, &setting, &panel, &seat, slot_index, slot, &nonce).await {
            Ok(Attempt::Done(created)) => {
                s.metrics.observe_draw(kind, "replaced");
                return Ok(created);
            }
            Ok(Attempt::LostRace) => s.metrics.observe_draw(kind, "retried"),
            Err(err) => {
                let outcome = match &err {
                    AppError::InsufficientCandidates { .. } => "insufficient_candidates",
                    AppError::Conflict(_) => "conflict",
                    _ => "error",
                };
                s.metrics.observe_draw(kind, outcome);
                return Err(err);
            }
        }
    }
    s.metrics.observe_draw(kind, "conflict");
    Err(AppError::conflict(
        "other draws kept taking the same experts; try again",
    ))
}

#[allow(clippy::too_many_arguments)]
async fn replace_attempt(
    s: &Services,
    viewer: &Viewer,
    setting: &Setting,
    panel: &panel::Model,
    declined: &panel_seat::Model,
    slot_index: usize,
    slot: Slot,
    nonce: &str,
) -> AppResult<Attempt<panel_seat::Model>> {
    let txn = begin_write(&s.db).await?;
    let review = audits::find_review(&txn, panel.review_id).await?;
    check_open(&review)?;
    let panel_seats = panel_seat::Entity::find()
        .filter(panel_seat::Column::PanelId.eq(panel.id))
        .all(&txn)
        .await?;
    if panel_seats
        .iter()
        .any(|s| s.replaces_seat_id == Some(declined.id))
    {
        return Err(AppError::conflict("the declined seat is already replaced"));
    }
    let mut invited: Vec<Uuid> = panel_seats.iter().map(|s| s.expert_id).collect();
    invited.sort_unstable();
    invited.dedup();
    let last_round: Option<i32> = panel_draw::Entity::find()
        .select_only()
        .column_as(panel_draw::Column::RoundNo.max(), "round")
        .filter(panel_draw::Column::PanelId.eq(panel.id))
        .into_tuple::<Option<i32>>()
        .one(&txn)
        .await?
        .flatten();
    let round_no = last_round.unwrap_or(0) + 1;

    let pool = expert_pool::current(&txn, &s.expert_pool).await?;
    let ctx = &setting.ctx;
    let codes = [
        ctx.enterprise_credit_code.as_str(),
        ctx.consultancy_credit_code.as_deref().unwrap_or(""),
    ];
    let facts = load_facts(
        &txn,
        &codes,
        &[ctx.review_date],
        ctx.seat_cap,
        0,
        Some(panel.id),
    )
    .await?;
    let earlier = earlier_panel_experts(&txn, ctx, setting.audit.id).await?;
    let candidates = candidates(&pool, &facts, ctx, &earlier);
    let partition = partition_pool(&candidates, ctx);
    let (eligible, positions) = eligible_list(&candidates, &partition);
    let server_random = os_random()?;
    let seed = derive_seed(&server_random, review.id, nonce);
    let seat = draw_replacement(&eligible, slot_index, slot, &invited, &seed)
        .map_err(|e| insufficient(e, &partition))?;
    let (mut draw, digest_input) = round_model(
        viewer,
        &NewRound {
            panel_id: panel.id,
            round_no,
            kind: DrawRoundKind::Replacement,
            review: &review,
            server_random,
            witness_nonce: nonce,
            seed,
            slots: std::slice::from_ref(&slot),
            replaced: Some((declined.id, slot_index)),
            already_invited: &invited,
            eligible: &eligible,
            positions: &positions,
            pool: &pool,
            partition: &partition,
            context: setting.context_json(),
        },
    )?;
    let mut created = seat_models(
        panel,
        draw.id,
        std::slice::from_ref(&seat),
        Some(declined.id),
    );
    let mut summary = json!({
        "panelId": panel.id,
        "replacesSeatId": declined.id,
        "round": round_no,
        "algorithm": DRAW_ALGORITHM,
        "seed": draw.seed,
        "eligibleCount": draw.eligible_count,
        "eligibleDigest": null,
        "poolDigest": null,
        "excludedCounts": counts_json(&partition),
        "seats": seats_json(std::slice::from_ref(&seat)),
    });
    set_digests(&mut draw, &mut summary, round_digests(&pool, &digest_input));
    if count_seats(&txn, &created, ctx.seat_cap).await?.is_err()
        || store_rounds(&txn, &pool, vec![draw]).await?.is_err()
        || store_seats(&txn, created.clone()).await?.is_err()
    {
        return Ok(Attempt::LostRace);
    }
    let created = created
        .pop()
        .ok_or_else(|| AppError::internal("a replacement seated nobody"))?;
    audit_log::record(
        &txn,
        viewer,
        "replaceDeclinedSeat",
        "PanelSeat",
        Some(created.id.to_string()),
        summary,
    )
    .await?;
    txn.commit().await?;
    pool.mark_snapshot_stored();
    Ok(Attempt::Done(created))
}

// Answers, attendance, ratings.

pub async fn find_panel(db: &impl ConnectionTrait, id: Uuid) -> AppResult<panel::Model> {
    panel::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("Panel", id))
}

pub async fn find_seat(db: &impl ConnectionTrait, id: Uuid) -> AppResult<panel_seat::Model> {
    panel_seat::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("PanelSeat", id))
}

/// The seat with its review and audit, after checking that the viewer organises it.
async fn seat_to_run(
    db: &DatabaseConnection,
    viewer: &Viewer,
    seat_id: Uuid,
) -> AppResult<(panel_seat::Model, review::Model)> {
    viewer.require_admin()?;
    let seat = find_seat(db, seat_id).await?;
    let review = audits::find_review(db, seat.review_id).await?;
    let audit = audits::find(db, review.audit_id).await?;
    require_organiser(viewer, review.organiser_city_code.as_deref(), &audit)?;
    Ok((seat, review))
}

/// Writes a seat change if the seat still has the version read; CONFLICT otherwise.
async fn save_seat(
    txn: &impl ConnectionTrait,
    seat: &panel_seat::Model,
    mut active: panel_seat::ActiveModel,
) -> AppResult<panel_seat::Model> {
    active.version = Set(seat.version + 1);
    active.updated_at = Set(Utc::now());
    let result = panel_seat::Entity::update_many()
        .set(active)
        .filter(panel_seat::Column::Id.eq(seat.id))
        .filter(panel_seat::Column::Version.eq(seat.version))
        .exec(txn)
        .await?;
    if result.rows_affected != 1 {
        return Err(AppError::conflict(
            "the seat was changed meanwhile; reload and retry",
        ));
    }
    find_seat(txn, seat.id).await
}

/// The expert (or the organiser on their behalf) accepts or declines an invitation; a
/// decline frees the day and the seat's place under the cap.
pub async fn respond_to_seat(
    db: &DatabaseConnection,
    viewer: &Viewer,
    seat_id: Uuid,
    accept: bool,
    reason: Option<String>,
) -> AppResult<panel_seat::Model> {
    viewer.require_user()?;
    let seat = find_seat(db, seat_id).await?;
    let review = audits::find_review(db, seat.review_id).await?;
    if !viewer.is_expert(seat.expert_id) {
        let audit = audits::find(db, review.audit_id).await?;
        require_organiser(viewer, review.organiser_city_code.as_deref(), &audit)?;
    }
    let reason = optional_text("reason", reason, 500)?;
    if accept && reason.is_some() {
        return Err(AppError::bad_input(
            "reason",
            "a reason goes with a decline only",
        ));
    }
    if review.status != ReviewStatus::Scheduled {
        return Err(AppError::bad_input("seatId", "the review has been held"));
    }
    let from = seat.status;
    let to = seats::respond(from, accept, review.review_date, today())
        .map_err(|e| AppError::bad_input("seatId", e.to_string()))?;
    let txn = begin_write(db).await?;
    // Lock order: the counter row before the seat (see the module doc).
    if !seats::stands(to) {
        release_seat(&txn, seat.expert_id, seat.review_date.year()).await?;
    }
    let saved = save_seat(
        &txn,
        &seat,
        panel_seat::ActiveModel {
            status: Set(to),
            decline_reason: Set(reason),
            responded_at: Set(Some(Utc::now())),
            responded_by: Set(viewer.user_id()),
            ..Default::default()
        },
    )
    .await?;
    audit_log::record(
        &txn,
        viewer,
        "respondToPanelSeat",
        "PanelSeat",
        Some(seat.id.to_string()),
        json!({ "from": from.as_str(), "to": to.as_str(), "withReason": saved.decline_reason.is_some() }),
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// ATTENDED or NO_SHOW, recorded by the organiser on or after the review date.
pub async fn record_attendance(
    db: &DatabaseConnection,
    viewer: &Viewer,
    seat_id: Uuid,
    attended: bool,
) -> AppResult<panel_seat::Model> {
    let (seat, review) = seat_to_run(db, viewer, seat_id).await?;
    let from = seat.status;
    let to = seats::record_attendance(from, attended, review.review_date, today())
        .map_err(|e| AppError::bad_input("seatId", e.to_string()))?;
    let txn = begin_write(db).await?;
    let saved = save_seat(
        &txn,
        &seat,
        panel_seat::ActiveModel {
            status: Set(to),
            attendance_recorded_at: Set(Some(Utc::now())),
            attendance_recorded_by: Set(viewer.user_id()),
            ..Default::default()
        },
    )
    .await?;
    audit_log::record(
        &txn,
        viewer,
        "recordSeatAttendance",
        "PanelSeat",
        Some(seat.id.to_string()),
        json!({ "from": from.as_str(), "to": to.as_str() }),
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// The organiser rates an expert who attended (0–100), once.
pub async fn rate_seated_expert(
    db: &DatabaseConnection,
    viewer: &Viewer,
    seat_id: Uuid,
    score: Decimal,
    comment: Option<String>,
) -> AppResult<panel_seat::Model> {
    let (seat, review) = seat_to_run(db, viewer, seat_id).await?;
    let stored = to_stored("score", score)?;
    if score > Decimal::ONE_HUNDRED {
        return Err(AppError::bad_input("score", "must be between 0 and 100"));
    }
    let comment = optional_text("comment", comment, 2000)?;
    seats::check_rating(seat.status, review.review_date, today())
        .map_err(|e| AppError::bad_input("seatId", e.to_string()))?;
    if seat.rating.is_some() {
        return Err(AppError::conflict(
            "the expert is already rated for this seat",
        ));
    }
    let txn = begin_write(db).await?;
    let saved = save_seat(
        &txn,
        &seat,
        panel_seat::ActiveModel {
            rating: Set(Some(stored)),
            rating_comment: Set(comment),
            rated_by: Set(viewer.user_id()),
            rated_at: Set(Some(Utc::now())),
            ..Default::default()
        },
    )
    .await?;
    audit_log::record(
        &txn,
        viewer,
        "rateSeatedExpert",
        "PanelSeat",
        Some(seat.id.to_string()),
        json!({ "expertId": seat.expert_id, "score": score.to_string() }),
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

// Reads.

/// A panel whose members the viewer may see; FORBIDDEN otherwise.
pub async fn get_panel(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<panel::Model> {
    viewer.require_user()?;
    let found = find_panel(db, id).await?;
    let audit = audits::find(db, found.audit_id).await?;
    if !sees_members(viewer, &found, audit.consultancy_id, today()) {
        return Err(AppError::forbidden(
            "who sits on this panel is not shown to you",
        ));
    }
    Ok(found)
}

/// A panel whose draw record the viewer may read: administrators who see its members (the
/// record lists the whole eligible pool, which is no business of the consultancy).
async fn panel_to_inspect(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<panel::Model> {
    viewer.require_admin()?;
    get_panel(db, viewer, id).await
}

/// The viewer's own seats (experts), newest last.
pub async fn my_seats(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    page: PageRequest,
) -> AppResult<Page<panel_seat::Model>> {
    let principal = viewer.require_user()?;
    let expert_id = match (principal.role, principal.expert_id) {
        (Role::Expert, Some(id)) => id,
        _ => {
            return Err(AppError::forbidden(
                "only an expert's account has panel seats",
            ));
        }
    };
    let query = panel_seat::Entity::find().filter(panel_seat::Column::ExpertId.eq(expert_id));
    fetch_page(db, query, panel_seat::Column::Id, page).await
}

/// The experts a round excluded, with every reason (the organiser and the province).
pub async fn excluded_experts(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    draw: &panel_draw::Model,
) -> AppResult<Vec<(Uuid, Vec<ExclusionReason>)>> {
    viewer.require_admin()?;
    let panel = find_panel(db, draw.panel_id).await?;
    let audit = audits::find(db, panel.audit_id).await?;
    require_organiser(viewer, panel.organiser_city_code.as_deref(), &audit)?;
    let snapshots = snapshots_of(db, std::slice::from_ref(draw)).await?;
    decode_excluded_stored(
        &draw.excluded,
        &draw.eligible,
        snapshot_of(draw, &snapshots),
    )
    .map_err(|e| AppError::internal(format!("stored exclusions of draw {}: {e}", draw.id)))
}

/// The pool snapshots `rounds` are stored against, by name (rounds stored before snapshots
/// name none).
async fn snapshots_of(
    db: &impl ConnectionTrait,
    rounds: &[panel_draw::Model],
) -> AppResult<HashMap<String, Vec<u8>>> {
    let mut names: Vec<&String> = rounds
        .iter()
        .filter_map(|r| r.pool_snapshot.as_ref())
        .collect();
    names.sort_unstable();
    names.dedup();
    if names.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(expert_pool_snapshot::Entity::find()
        .filter(expert_pool_snapshot::Column::Name.is_in(names.into_iter().cloned()))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.name, s.entries))
        .collect())
}

fn snapshot_of<'s>(
    round: &panel_draw::Model,
    snapshots: &'s HashMap<String, Vec<u8>>,
) -> Option<&'s [u8]> {
    round
        .pool_snapshot
        .as_ref()
        .and_then(|name| snapshots.get(name))
        .map(Vec::as_slice)
}

/// Decodes a stored round's eligible list (against its snapshot, from `snapshots_of`).
fn eligible_of(
    draw: &panel_draw::Model,
    snapshots: &HashMap<String, Vec<u8>>,
) -> AppResult<Vec<Profile>> {
    decode_eligible_stored(&draw.eligible, snapshot_of(draw, snapshots))
        .map_err(|e| AppError::internal(format!("stored eligible list of draw {}: {e}", draw.id)))
}

fn stored_json<T: serde::de::DeserializeOwned>(what: &str, id: Uuid, text: &str) -> AppResult<T> {
    serde_json::from_str(text)
        .map_err(|e| AppError::internal(format!("stored {what} of {id} is not valid: {e}")))
}

/// The panel's whole draw record as exported (and as verified).
pub async fn draw_record(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    panel_id: Uuid,
) -> AppResult<DrawRecord> {
    let panel = panel_to_inspect(db, viewer, panel_id).await?;
    let rounds = panel_draw::Entity::find()
        .filter(panel_draw::Column::PanelId.eq(panel.id))
        .order_by_asc(panel_draw::Column::RoundNo)
        .all(db)
        .await?;
    let seats = panel_seat::Entity::find()
        .filter(panel_seat::Column::PanelId.eq(panel.id))
        .order_by_asc(panel_seat::Column::SlotIndex)
        .order_by_asc(panel_seat::Column::Id)
        .all(db)
        .await?;
    let mut by_draw = grouped(seats, |s| s.draw_id);
    let snapshots = snapshots_of(db, &rounds).await?;
    let mut records = Vec::with_capacity(rounds.len());
    for round in rounds {
        let eligible = eligible_of(&round, &snapshots)?;
        let seats = by_draw
            .remove(&round.id)
            .unwrap_or_default()
            .into_iter()
            .map(|s| SeatRecord {
                slot: u32::try_from(s.slot_index).unwrap_or(u32::MAX),
                expert_id: s.expert_id,
            })
            .collect();
        records.push(RoundRecord {
            round: u32::try_from(round.round_no).unwrap_or(0),
            kind: round.kind.to_string(),
            algorithm: round.algorithm.clone(),
            review_id: round.review_id,
            review_date: round.review_date,
            server_random: round.server_random.clone(),
            witness_nonce: round.witness_nonce.clone(),
            seed: round.seed.clone(),
            slots: stored_json("slots", round.id, &round.slots)?,
            replaced_seat_id: round.replaced_seat_id,
            replaced_slot: round.replaced_slot.and_then(|s| u32::try_from(s).ok()),
            already_invited: stored_json("invited list", round.id, &round.already_invited)?,
            eligible_count: u32::try_from(round.eligible_count).unwrap_or(0),
            eligible_digest: round.eligible_digest.clone(),
            pool_digest: round.pool_digest.clone(),
            eligible: eligible.iter().map(EligibleRecord::from).collect(),
            excluded_counts: stored_json("exclusion counts", round.id, &round.excluded_counts)?,
            excluded_total: u32::try_from(round.excluded_total).unwrap_or(0),
            seats,
            context: stored_json("context", round.id, &round.context)?,
            drawn_by: round.drawn_by,
            drawn_at: round.drawn_at,
        });
    }
    Ok(DrawRecord {
        format: RECORD_FORMAT.to_owned(),
        panel_id: panel.id,
        review_id: panel.review_id,
        review_kind: panel.review_kind.to_string(),
        review_date: panel.review_date,
        composition: stored_json("composition", panel.id, &panel.composition)?,
        rounds: records,
    })
}

/// Re-runs every round of the panel from its stored record.
pub async fn verify_panel(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    panel_id: Uuid,
) -> AppResult<Verification> {
    Ok(verify(&draw_record(db, viewer, panel_id).await?))
}

// Batch reads for the GraphQL loaders.

pub async fn seats_of(
    db: &impl ConnectionTrait,
    panel_ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<panel_seat::Model>>> {
    let rows = panel_seat::Entity::find()
        .filter(panel_seat::Column::PanelId.is_in(panel_ids.iter().copied()))
        .order_by_asc(panel_seat::Column::SlotIndex)
        .order_by_asc(panel_seat::Column::Id)
        .all(db)
        .await?;
    Ok(grouped(rows, |r| r.panel_id))
}

pub async fn draws_of(
    db: &impl ConnectionTrait,
    panel_ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<panel_draw::Model>>> {
    let rows = panel_draw::Entity::find()
        .filter(panel_draw::Column::PanelId.is_in(panel_ids.iter().copied()))
        .order_by_asc(panel_draw::Column::RoundNo)
        .all(db)
        .await?;
    Ok(grouped(rows, |r| r.panel_id))
}

pub async fn panels_by_ids(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, panel::Model>> {
    let rows = panel::Entity::find()
        .filter(panel::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|p| (p.id, p)).collect())
}

pub async fn reviews_by_ids(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, review::Model>> {
    let rows = review::Entity::find()
        .filter(review::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|r| (r.id, r)).collect())
}

/// The panels of some reviews, by review, and their seats in slot order, by panel, in one
/// statement: a deep read asking for both saves a round trip (on PostgreSQL two, with the
/// ping sqlx sends as a connection returns to the pool).
pub async fn panels_with_seats_of_reviews(
    db: &impl ConnectionTrait,
    review_ids: &[Uuid],
) -> AppResult<(
    HashMap<Uuid, panel::Model>,
    HashMap<Uuid, Vec<panel_seat::Model>>,
)> {
    let seats_of_panel: RelationDef = panel_seat::Entity::belongs_to(panel::Entity)
        .from(panel_seat::Column::PanelId)
        .to(panel::Column::Id)
        .into();
    let rows = panel::Entity::find()
        .filter(panel::Column::ReviewId.is_in(review_ids.iter().copied()))
        .join_rev(JoinType::LeftJoin, seats_of_panel)
        .select_also(panel_seat::Entity)
        .order_by_asc(panel::Column::Id)
        .order_by_asc(panel_seat::Column::SlotIndex)
        .order_by_asc(panel_seat::Column::Id)
        .all(db)
        .await?;
    let mut panels = HashMap::new();
    let mut seats: HashMap<Uuid, Vec<panel_seat::Model>> = HashMap::new();
    for (panel, seat) in rows {
        if let Some(seat) = seat {
            seats.entry(panel.id).or_default().push(seat);
        }
        panels.entry(panel.review_id).or_insert(panel);
    }
    Ok((panels, seats))
}

/// Panels by their review's id.
pub async fn panels_of_reviews(
    db: &impl ConnectionTrait,
    review_ids: &[Uuid],
) -> AppResult<HashMap<Uuid, panel::Model>> {
    let rows = panel::Entity::find()
        .filter(panel::Column::ReviewId.is_in(review_ids.iter().copied()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|p| (p.review_id, p)).collect())
}
