//! The draw's view of the expert pool: what each expert contributes to a round's stored lists
//! and digests, made once per pool revision rather than in every draw. The pool itself
//! (`expert_pool`) serves expert lists too and carries none of this.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use chrono::NaiveDate;
use uuid::Uuid;

use super::judging::JudgingIndex;
use crate::domain::{ExpertStatus, ExpertiseKind, Sector};
use crate::rules::draw::{DrawCandidate, pool_digest_entry};
use crate::rules::draw_record::{eligible_entry, encode_eligible_entries, snapshot_name};
use crate::rules::eligibility::Candidate;
use crate::rules::slot_matching::{kind_bits, sector_bits};
use crate::services::expert_pool::Pool;

/// The pool at one revision with its storage bytes, in the pool's id order.
#[derive(Debug)]
pub struct DrawIndex {
    pub pool: Arc<Pool>,
    /// What every draw reads of every expert, laid out one expert after another.
    pub profiles: Profiles,
    /// Who can have a reason against them, by what makes them suspects.
    pub judging: JudgingIndex,
    /// Each expert's part of a round's pool digest (`rules::draw::pool_digest_entry`), end to
    /// end, and where each ends.
    digest_bytes: Vec<u8>,
    digest_ends: Vec<usize>,
    /// Every expert's eligible entry in id order (`rules::draw_record`): the snapshot a
    /// round's lists are stored against, and the name it is stored under.
    pub snapshot: Vec<u8>,
    pub snapshot_name: String,
    /// Set once a committed transaction has stored the snapshot (or found it stored).
    snapshot_stored: AtomicBool,
}

impl DrawIndex {
    pub fn new(pool: Arc<Pool>) -> DrawIndex {
        let mut digest_bytes = Vec::new();
        let mut digest_ends = Vec::with_capacity(pool.experts.len());
        let mut eligible_entries = Vec::with_capacity(pool.experts.len());
        for expert in &pool.experts {
            let profile = DrawCandidate::new(expert.model.id, &expert.sectors, &expert.kinds);
            digest_bytes.extend_from_slice(&pool_digest_entry(&profile));
            digest_ends.push(digest_bytes.len());
            eligible_entries.push(eligible_entry(&profile));
        }
        let snapshot = encode_eligible_entries(eligible_entries.iter());
        DrawIndex {
            snapshot_name: snapshot_name(&snapshot),
            snapshot,
            digest_bytes,
            digest_ends,
            profiles: Profiles::new(&pool),
            judging: JudgingIndex::new(&pool),
            pool,
            snapshot_stored: AtomicBool::new(false),
        }
    }

    /// The pool-digest entries of the experts at `positions` of the pool.
    pub fn digest_entries<'a>(
        &'a self,
        positions: &'a [usize],
    ) -> impl Iterator<Item = &'a [u8]> + 'a {
        positions.iter().filter_map(|&i| {
            let start = match i.checked_sub(1) {
                Some(before) => *self.digest_ends.get(before)?,
                None => 0,
            };
            self.digest_bytes.get(start..*self.digest_ends.get(i)?)
        })
    }

    /// Whether the snapshot is known to be in the database already. Snapshots are never
    /// deleted, so once stored it stays.
    pub fn snapshot_stored(&self) -> bool {
        self.snapshot_stored.load(Ordering::Relaxed)
    }

    /// Call after committing a transaction that stored the snapshot.
    pub fn mark_snapshot_stored(&self) {
        self.snapshot_stored.store(true, Ordering::Relaxed);
    }
}

/// What eligibility and the draw read of every expert of the pool in every draw, one expert
/// after another in the pool's order. Read through each expert's own record (an `Arc`, and
/// the strings and lists it points to), a draw at 20 000 experts spent most of its time
/// waiting on memory.
#[derive(Debug, Default)]
pub struct Profiles {
    experts: Vec<Profile>,
    /// The experts' employer and city codes, end to end.
    codes: String,
    sectors: Vec<Sector>,
    kinds: Vec<ExpertiseKind>,
}

/// One expert's part of [`Profiles`]; the spans are `start..end` in its text and lists.
#[derive(Debug)]
struct Profile {
    id: Uuid,
    status: ExpertStatus,
    term_start: NaiveDate,
    term_end: NaiveDate,
    employer_credit_code: (usize, usize),
    city_code: (usize, usize),
    sectors: (usize, usize),
    kinds: (usize, usize),
    sector_bits: u16,
    kind_bits: u16,
}

fn span<T>(list: &mut Vec<T>, items: impl IntoIterator<Item = T>) -> (usize, usize) {
    let start = list.len();
    list.extend(items);
    (start, list.len())
}

impl Profiles {
    fn new(pool: &Pool) -> Profiles {
        let mut profiles = Profiles::default();
        for expert in &pool.experts {
            let model = &expert.model;
            let mut code = |text: &str| {
                let start = profiles.codes.len();
                profiles.codes.push_str(text);
                (start, profiles.codes.len())
            };
            let employer_credit_code = code(&model.employer_credit_code);
            let city_code = code(&model.city_code);
            profiles.experts.push(Profile {
                id: model.id,
                status: expert.status,
                term_start: model.term_start,
                term_end: model.term_end,
                employer_credit_code,
                city_code,
                sectors: span(&mut profiles.sectors, expert.sectors.iter().copied()),
                kinds: span(&mut profiles.kinds, expert.kinds.iter().copied()),
                sector_bits: sector_bits(&expert.sectors),
                kind_bits: kind_bits(&expert.kinds),
            });
        }
        profiles
    }

    /// Each expert of the pool, in its order, as eligibility sees them before the facts of
    /// a draw (no conflicts, seats or unavailability).
    pub fn candidates(&self) -> impl Iterator<Item = Candidate<'_>> {
        self.experts.iter().map(|p| self.candidate_of(p))
    }

    /// The expert at `position` of the pool, as [`Self::candidates`] gives them.
    pub fn candidate(&self, position: usize) -> Option<Candidate<'_>> {
        self.experts.get(position).map(|p| self.candidate_of(p))
    }

    fn candidate_of(&self, p: &Profile) -> Candidate<'_> {
        Candidate {
            expert_id: p.id,
            status: p.status,
            term_start: p.term_start,
            term_end: p.term_end,
            city_code: self.code(p.city_code),
            sectors: self.sectors_of(p),
            expertise: self.kinds_of(p),
            employer_credit_code: Some(self.code(p.employer_credit_code)),
            conflicts: &[],
            staff_ties: &[],
            unavailable: &[],
            seated_dates: &[],
            seats_this_year: 0,
            on_earlier_panel_of_audit: false,
        }
    }

    /// Each expert of the pool, in its order, as the draw sees them.
    pub fn draw_candidates(&self) -> impl Iterator<Item = DrawCandidate<'_>> {
        self.experts.iter().map(|p| DrawCandidate {
            id: p.id,
            sectors: self.sectors_of(p),
            expertise: self.kinds_of(p),
            sector_bits: p.sector_bits,
            kind_bits: p.kind_bits,
        })
    }

    fn code(&self, (start, end): (usize, usize)) -> &str {
        self.codes.get(start..end).unwrap_or_default()
    }

    fn sectors_of(&self, p: &Profile) -> &[Sector] {
        self.sectors
            .get(p.sectors.0..p.sectors.1)
            .unwrap_or_default()
    }

    fn kinds_of(&self, p: &Profile) -> &[ExpertiseKind] {
        self.kinds.get(p.kinds.0..p.kinds.1).unwrap_or_default()
    }
}

/// The index of the pool last drawn from, shared by every draw of this process.
#[derive(Clone, Default)]
pub struct DrawIndexCache {
    current: Arc<RwLock<Option<Arc<DrawIndex>>>>,
}

impl DrawIndexCache {
    /// The index of `pool`: the one kept, when it was built from this revision, or a new one.
    pub fn of(&self, pool: Arc<Pool>) -> Arc<DrawIndex> {
        {
            // A poisoned lock only means a panic elsewhere mid-swap: the value is still sound.
            let current = self.current.read().unwrap_or_else(|e| e.into_inner());
            if let Some(index) = current.as_ref()
                && index.pool.revision == pool.revision
            {
                return index.clone();
            }
        }
        // Built outside the lock: two draws meeting a new revision at once may both build it.
        let index = Arc::new(DrawIndex::new(pool));
        let mut current = self.current.write().unwrap_or_else(|e| e.into_inner());
        // Revisions only grow: never put an older index over a newer one.
        if current
            .as_ref()
            .is_none_or(|kept| kept.pool.revision <= index.pool.revision)
        {
            *current = Some(index.clone());
        }
        index
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::draw::pool_digest_of_entries;
    use crate::services::expert_pool::fixtures;

    #[test]
    fn the_snapshot_is_the_whole_pool_in_id_order() {
        let index = DrawIndex::new(Arc::new(fixtures::pool(7)));
        let profiles = match crate::rules::draw_record::decode_eligible(&index.snapshot) {
            Ok(profiles) => profiles,
            Err(e) => panic!("the snapshot decodes: {e}"),
        };
        let ids: Vec<Uuid> = index.pool.experts.iter().map(|e| e.model.id).collect();
        assert_eq!(profiles.iter().map(|p| p.id).collect::<Vec<_>>(), ids);
        assert_eq!(profiles[1].sectors, [Sector::Energy, Sector::Steel]);
        assert_eq!(index.snapshot_name, snapshot_name(&index.snapshot));
        assert!(!index.snapshot_stored());
        index.mark_snapshot_stored();
        assert!(index.snapshot_stored());
    }

    #[test]
    fn the_profiles_are_the_pool_as_eligibility_and_the_draw_see_it() {
        let index = DrawIndex::new(Arc::new(fixtures::pool(7)));
        let candidates: Vec<Candidate> = index.profiles.candidates().collect();
        assert_eq!(candidates.len(), index.pool.experts.len());
        for ((candidate, drawn), expert) in candidates
            .iter()
            .zip(index.profiles.draw_candidates())
            .zip(&index.pool.experts)
        {
            assert_eq!(candidate.expert_id, expert.model.id);
            assert_eq!(candidate.status, expert.status);
            assert_eq!(candidate.term_start, expert.model.term_start);
            assert_eq!(candidate.term_end, expert.model.term_end);
            assert_eq!(candidate.city_code, expert.model.city_code);
            assert_eq!(
                candidate.employer_credit_code,
                Some(expert.model.employer_credit_code.as_str())
            );
            assert_eq!(candidate.sectors, expert.sectors.as_slice());
            assert_eq!(candidate.expertise, expert.kinds.as_slice());
            assert_eq!(drawn, DrawCandidate::from(candidate));
            assert!(candidate.conflicts.is_empty() && candidate.seated_dates.is_empty());
        }
        assert_eq!(candidates[1].sectors, [Sector::Energy, Sector::Steel]);
        assert_eq!(candidates[1].city_code, "140200");
    }

    #[test]
    fn digest_entries_follow_the_positions_given() {
        let index = DrawIndex::new(Arc::new(fixtures::pool(7)));
        let all: Vec<&[u8]> = index.digest_entries(&[0, 1, 2]).collect();
        let kept: Vec<&[u8]> = index.digest_entries(&[0, 2]).collect();
        assert_eq!(kept, [all[0], all[2]]);
        assert_ne!(
            pool_digest_of_entries(all.iter().copied()),
            pool_digest_of_entries(kept.iter().copied())
        );
        assert_eq!(index.digest_entries(&[9]).count(), 0, "no such position");
    }

    #[test]
    fn the_cache_keeps_one_index_per_revision_and_never_an_older_one() {
        let cache = DrawIndexCache::default();
        let seven = cache.of(Arc::new(fixtures::pool(7)));
        assert!(Arc::ptr_eq(&seven, &cache.of(Arc::new(fixtures::pool(7)))));
        let three = cache.of(Arc::new(fixtures::pool(3)));
        assert_eq!(three.pool.revision, 3);
        assert!(Arc::ptr_eq(&seven, &cache.of(seven.pool.clone())));
    }
}
