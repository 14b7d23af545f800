//! The expert pool kept in memory: every expert with their sectors and expertise kinds.
//!
//! The pool is small (thousands of rows), read on every list of experts and by every draw,
//! and changed only by administrators. Database triggers raise `expert_pool_revision` on
//! any change to its tables (migration `m20261128_000008`), so one read of that row tells
//! whether the copy here is current; when it is not, the pool is read again. A list or a
//! draw therefore sees what the database holds at the moment it asks, on every instance.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use entity::{expert, expert_kind, expert_pool_revision, expert_sector};
use sea_orm::sea_query::{Query, QueryStatementBuilder, SimpleExpr};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryOrder, QueryResult};
use uuid::Uuid;

use crate::domain::{ExpertStatus, ExpertiseKind, ProfessionalTitle, Sector};
use crate::error::{AppError, AppResult};
use crate::rules::slot_matching::sector_bits;

/// An expert as stored (personal data still encrypted) with their sets.
#[derive(Clone, Debug)]
pub struct PoolExpert {
    /// As stored (personal data encrypted), shared by every copy handed out.
    pub model: Arc<expert::Model>,
    pub status: ExpertStatus,
    pub title: Option<ProfessionalTitle>,
    pub sectors: Vec<Sector>,
    pub kinds: Vec<ExpertiseKind>,
    /// Lower-cased name and employer, for the text filter.
    search_name: String,
    search_employer: String,
}

/// The pool at one revision, in ascending id order (registration order). The draw keeps
/// what it stores about the pool beside it (`draw::DrawIndex`).
#[derive(Debug)]
pub struct Pool {
    pub revision: i64,
    pub experts: Vec<PoolExpert>,
    /// Each expert's [`FilterKey`], at the expert's position.
    filter_keys: Vec<FilterKey>,
    /// Each expert's id, at the expert's position.
    ids: Vec<Uuid>,
    /// Each expert's position by id: a draw looks up every expert its facts name, thousands
    /// at national scale, and a binary search through the records was a tenth of its time.
    positions: HashMap<Uuid, usize, foldhash::fast::RandomState>,
}

/// What a list of experts is filtered by most, packed beside the pool: a list scans a few
/// bytes per expert instead of following each expert's record and sector list. At 20 000
/// experts that scan was the largest part of a page of experts.
#[derive(Clone, Copy, Debug)]
struct FilterKey {
    status: ExpertStatus,
    title: Option<ProfessionalTitle>,
    /// The expert's sectors as bits (`rules::slot_matching::sector_bits`).
    sectors: u16,
}

impl FilterKey {
    fn of(expert: &PoolExpert) -> FilterKey {
        FilterKey {
            status: expert.status,
            title: expert.title,
            sectors: sector_bits(&expert.sectors),
        }
    }
}

// What a list of experts may be narrowed by (`text`: a search term, see `text::search_term`);
// the GraphQL input `ExpertFilter`.
#[derive(Clone, Debug, Default, async_graphql::InputObject)]
#[graphql(name = "ExpertFilter")]
pub struct PoolFilter {
    pub status: Option<ExpertStatus>,
    pub sector: Option<Sector>,
    pub city_code: Option<String>,
    pub title: Option<ProfessionalTitle>,
    /// Matches part of the name or the employer.
    pub text: Option<String>,
}

impl PoolFilter {
    /// Whether an expert's [`FilterKey`] passes the status, title and sector asked for.
    fn admits_key(&self, key: &FilterKey) -> bool {
        self.status.is_none_or(|s| key.status == s)
            && self.title.is_none_or(|t| key.title == Some(t))
            && self
                .sector
                .is_none_or(|s| key.sectors & sector_bits(&[s]) != 0)
    }

    /// Whether an expert passes the rest: the city and the text, `text` already lower-cased
    /// (once per list, not once per expert), matched against name or employer.
    fn admits_rest(&self, e: &PoolExpert, text: Option<&str>) -> bool {
        self.city_code
            .as_deref()
            .is_none_or(|c| e.model.city_code == c)
            && text.is_none_or(|t| e.search_name.contains(t) || e.search_employer.contains(t))
    }
}

impl Pool {
    /// One expert by id.
    pub fn get(&self, id: Uuid) -> Option<&PoolExpert> {
        self.position(id).map(|i| &self.experts[i])
    }

    /// Where an expert stands in the pool's id order.
    pub fn position(&self, id: Uuid) -> Option<usize> {
        self.positions.get(&id).copied()
    }

    /// The experts' ids in the pool's order.
    pub fn ids(&self) -> &[Uuid] {
        &self.ids
    }

    /// The experts that pass `filter`, in id order. Text matches ignoring case.
    pub fn select<'a>(&'a self, filter: &'a PoolFilter) -> impl Iterator<Item = &'a PoolExpert> {
        let text = filter.text.as_deref().map(str::to_lowercase);
        self.experts
            .iter()
            .zip(&self.filter_keys)
            .filter(move |(e, key)| {
                filter.admits_key(key) && filter.admits_rest(e, text.as_deref())
            })
            .map(|(e, _)| e)
    }

    /// The pool of these experts, in id order whatever the order given.
    fn new(revision: i64, mut experts: Vec<PoolExpert>) -> Pool {
        experts.sort_by_key(|e| e.model.id);
        let filter_keys = experts.iter().map(FilterKey::of).collect();
        let ids: Vec<Uuid> = experts.iter().map(|e| e.model.id).collect();
        let positions = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        Pool {
            revision,
            experts,
            filter_keys,
            ids,
            positions,
        }
    }

    /// The pool from its tables' rows, in any order.
    pub(crate) fn from_rows(
        revision: i64,
        experts: Vec<expert::Model>,
        sector_rows: Vec<expert_sector::Model>,
        kind_rows: Vec<expert_kind::Model>,
    ) -> AppResult<Pool> {
        let mut sectors = super::sorted_tags(
            sector_rows
                .into_iter()
                .map(|row| (row.expert_id, row.sector)),
        );
        let mut kinds =
            super::sorted_tags(kind_rows.into_iter().map(|row| (row.expert_id, row.kind)));
        let mut pool = Vec::with_capacity(experts.len());
        for model in experts {
            pool.push(PoolExpert {
                status: model.status,
                title: Some(model.title),
                sectors: sectors.remove(&model.id).unwrap_or_default(),
                kinds: kinds.remove(&model.id).unwrap_or_default(),
                search_name: model.name.to_lowercase(),
                search_employer: model.employer.to_lowercase(),
                model: Arc::new(model),
            });
        }
        Ok(Pool::new(revision, pool))
    }
}

/// The pool as last read, shared by every request of this process.
#[derive(Clone, Default)]
pub struct PoolCache {
    current: Arc<RwLock<Option<Arc<Pool>>>>,
    /// One reader at a time re-reads the pool; the others wait and take its result.
    reload: Arc<tokio::sync::Mutex<()>>,
}

/// Which cached copy a reader takes.
#[derive(Clone, Copy)]
enum Wanted {
    /// The pool exactly as of the revision: a draw's eligibility must match its snapshot.
    Exactly(i64),
    /// The revision or a newer one: a read that only shows experts is as right with a copy
    /// that is more current.
    AtLeast(i64),
}

impl PoolCache {
    fn taken(&self, wanted: Wanted) -> Option<Arc<Pool>> {
        // A poisoned lock only means a panic elsewhere mid-swap: the value is still sound.
        let current = self.current.read().unwrap_or_else(|e| e.into_inner());
        current
            .as_ref()
            .filter(|p| match wanted {
                Wanted::Exactly(revision) => p.revision == revision,
                Wanted::AtLeast(revision) => p.revision >= revision,
            })
            .cloned()
    }

    fn keep(&self, pool: Arc<Pool>) {
        let mut current = self.current.write().unwrap_or_else(|e| e.into_inner());
        // Revisions only grow: never put an older copy over a newer one.
        if current.as_ref().is_none_or(|p| p.revision <= pool.revision) {
            *current = Some(pool);
        }
    }
}

async fn revision(db: &impl ConnectionTrait) -> AppResult<i64> {
    expert_pool_revision::Entity::find_by_id(1)
        .one(db)
        .await?
        .map(|row| row.revision)
        .ok_or_else(|| AppError::internal("the expert pool revision row is missing"))
}

/// What [`revision_column`] is named in a statement, for [`revision_in`].
pub const REVISION_COLUMN: &str = "pool_revision";

/// The pool's revision as a column of another statement, named [`REVISION_COLUMN`]: a batch
/// of draws reads it with its reviews, a deep read with its seats, one round trip fewer.
pub fn revision_column() -> SimpleExpr {
    SimpleExpr::SubQuery(
        None,
        Box::new(
            Query::select()
                .column(expert_pool_revision::Column::Revision)
                .from(expert_pool_revision::Entity)
                .and_where(expert_pool_revision::Column::Id.eq(1))
                .to_owned()
                .into_sub_query_statement(),
        ),
    )
}

/// The pool's revision from a row of a statement that selected [`revision_column`].
pub fn revision_in(row: &QueryResult) -> AppResult<i64> {
    Ok(row.try_get("", REVISION_COLUMN)?)
}

/// The pool as the database holds it now (as `db`, a connection or a transaction, sees it).
pub async fn current(db: &impl ConnectionTrait, cache: &PoolCache) -> AppResult<Arc<Pool>> {
    at_revision(db, cache, revision(db).await?).await
}

/// The pool at `revision`, just read through `db`: the cached copy, or read again.
pub async fn at_revision(
    db: &impl ConnectionTrait,
    cache: &PoolCache,
    revision: i64,
) -> AppResult<Arc<Pool>> {
    taken_or_read(db, cache, Wanted::Exactly(revision)).await
}

/// The pool at `revision` or newer, for reads that show experts: a read that raced an
/// admin's edit (its statement saw the revision before the one cached) takes the cached copy
/// instead of reading the whole pool again.
pub async fn at_least_revision(
    db: &impl ConnectionTrait,
    cache: &PoolCache,
    revision: i64,
) -> AppResult<Arc<Pool>> {
    taken_or_read(db, cache, Wanted::AtLeast(revision)).await
}

async fn taken_or_read(
    db: &impl ConnectionTrait,
    cache: &PoolCache,
    wanted: Wanted,
) -> AppResult<Arc<Pool>> {
    if let Some(pool) = cache.taken(wanted) {
        return Ok(pool);
    }
    let _reading = cache.reload.lock().await;
    if let Some(pool) = cache.taken(wanted) {
        return Ok(pool);
    }
    let (Wanted::Exactly(revision) | Wanted::AtLeast(revision)) = wanted;
    // Read after the revision: rows newer than it only make the copy look older than it
    // is (read again next time), never the reverse.
    let experts = expert::Entity::find()
        .order_by_asc(expert::Column::Id)
        .all(db)
        .await?;
    let sectors = expert_sector::Entity::find().all(db).await?;
    let kinds = expert_kind::Entity::find().all(db).await?;
    let pool = Arc::new(Pool::from_rows(revision, experts, sectors, kinds)?);
    cache.keep(pool.clone());
    Ok(pool)
}

/// A pool of three experts for unit tests: 王强 (steel), Li Ming (energy and steel), 张伟
/// (suspended, energy expertise), in that id order.
#[cfg(test)]
pub(crate) mod fixtures {
    use super::*;
    use chrono::{NaiveDate, Utc};

    pub fn expert(
        name: &str,
        employer: &str,
        city: &str,
        status: ExpertStatus,
        title: ProfessionalTitle,
    ) -> expert::Model {
        let date = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or_default();
        expert::Model {
            id: Uuid::now_v7(),
            name: name.into(),
            gender: entity::domain::Gender::Male,
            birth_date: date,
            id_card_number: String::new(),
            phone: String::new(),
            email: None,
            employer: employer.into(),
            employer_credit_code: String::new(),
            title,
            years_in_field: 10,
            city_code: city.into(),
            term_start: date,
            term_end: date,
            status,
            version: 1,
            created_at: Utc::now(),
            updated_at: Utc::now(),
            id_card_hmac: None,
        }
    }

    pub fn pool(revision: i64) -> Pool {
        let a = expert(
            "王强",
            "太原钢铁集团",
            "140100",
            ExpertStatus::Active,
            ProfessionalTitle::Senior,
        );
        let b = expert(
            "Li Ming",
            "Datong Coal",
            "140200",
            ExpertStatus::Active,
            ProfessionalTitle::FullSenior,
        );
        let c = expert(
            "张伟",
            "晋城化工",
            "140500",
            ExpertStatus::Suspended,
            ProfessionalTitle::Senior,
        );
        let sectors = vec![
            expert_sector::Model {
                expert_id: a.id,
                sector: Sector::Steel,
            },
            expert_sector::Model {
                expert_id: b.id,
                sector: Sector::Energy,
            },
            expert_sector::Model {
                expert_id: b.id,
                sector: Sector::Steel,
            },
        ];
        let kinds = vec![expert_kind::Model {
            expert_id: c.id,
            kind: ExpertiseKind::Energy,
        }];
        // Given out of order: the pool is kept in id order whatever the rows' order.
        match Pool::from_rows(revision, vec![c, a, b], sectors, kinds) {
            Ok(pool) => pool,
            Err(e) => panic!("assembling the pool: {e:?}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(pool: &Pool, filter: &PoolFilter) -> Vec<String> {
        pool.select(filter).map(|e| e.model.name.clone()).collect()
    }

    #[test]
    fn the_pool_is_in_id_order_with_sorted_sets() {
        let pool = fixtures::pool(7);
        assert_eq!(
            names(&pool, &PoolFilter::default()),
            ["王强", "Li Ming", "张伟"]
        );
        assert_eq!(pool.experts[1].sectors, [Sector::Energy, Sector::Steel]);
        assert_eq!(pool.experts[2].kinds, [ExpertiseKind::Energy]);
        assert!(pool.experts[0].kinds.is_empty());
        let second = pool.experts[1].model.id;
        assert_eq!(
            pool.get(second).map(|e| e.model.name.as_str()),
            Some("Li Ming")
        );
        assert!(pool.get(Uuid::now_v7()).is_none());
    }

    #[test]
    fn filters_combine() {
        let pool = fixtures::pool(7);
        let steel = PoolFilter {
            sector: Some(Sector::Steel),
            ..Default::default()
        };
        assert_eq!(names(&pool, &steel), ["王强", "Li Ming"]);
        let steel_full_senior = PoolFilter {
            title: Some(ProfessionalTitle::FullSenior),
            ..steel.clone()
        };
        assert_eq!(names(&pool, &steel_full_senior), ["Li Ming"]);
        let active_in_jincheng = PoolFilter {
            status: Some(ExpertStatus::Active),
            city_code: Some("140500".into()),
            ..Default::default()
        };
        assert!(names(&pool, &active_in_jincheng).is_empty());
        let suspended_energy = PoolFilter {
            status: Some(ExpertStatus::Suspended),
            sector: Some(Sector::Energy),
            ..Default::default()
        };
        assert!(
            names(&pool, &suspended_energy).is_empty(),
            "张伟 has no sector"
        );
        let energy = PoolFilter {
            sector: Some(Sector::Energy),
            ..Default::default()
        };
        assert_eq!(names(&pool, &energy), ["Li Ming"]);
    }

    #[test]
    fn text_matches_name_or_employer_ignoring_case() {
        let pool = fixtures::pool(7);
        let by = |t: &str| {
            names(
                &pool,
                &PoolFilter {
                    text: Some(t.into()),
                    ..Default::default()
                },
            )
        };
        assert_eq!(by("钢铁"), ["王强"]);
        assert_eq!(by("li m"), ["Li Ming"]);
        assert_eq!(by("DATONG"), ["Li Ming"]);
        assert_eq!(by("%"), Vec::<String>::new(), "no wildcards");
    }

    #[test]
    fn an_older_copy_never_replaces_a_newer_one() {
        let cache = PoolCache::default();
        let newer = Arc::new(fixtures::pool(7));
        cache.keep(newer);
        cache.keep(Arc::new(Pool::new(3, Vec::new())));
        assert!(cache.taken(Wanted::Exactly(7)).is_some());
        assert!(cache.taken(Wanted::Exactly(3)).is_none());
    }

    #[test]
    fn a_read_that_shows_experts_takes_a_newer_copy_and_a_draw_does_not() {
        let cache = PoolCache::default();
        cache.keep(Arc::new(fixtures::pool(7)));
        let revision_of = |wanted| cache.taken(wanted).map(|p| p.revision);
        assert_eq!(revision_of(Wanted::AtLeast(5)), Some(7));
        assert_eq!(revision_of(Wanted::AtLeast(7)), Some(7));
        assert_eq!(revision_of(Wanted::AtLeast(8)), None, "older than asked");
        assert_eq!(revision_of(Wanted::Exactly(5)), None, "a draw's snapshot");
    }
}
