//! The draw's view of the expert pool: what each expert contributes to a round's stored lists
//! and digests, made once per pool revision rather than in every draw. The pool itself
//! (`expert_pool`) serves expert lists too and carries none of this.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use crate::rules::draw::{DrawCandidate, pool_digest_entry};
use crate::rules::draw_record::{eligible_entry, encode_eligible_entries, snapshot_name};
use crate::services::expert_pool::Pool;

/// The pool at one revision with its storage bytes, in the pool's id order.
#[derive(Debug)]
pub struct DrawIndex {
    pub pool: Arc<Pool>,
    /// Each expert's part of a round's pool digest (`rules::draw::pool_digest_entry`).
    digest_entries: Vec<Vec<u8>>,
    /// Every expert's eligible entry in id order (`rules::draw_record`): the snapshot a
    /// round's lists are stored against, and the name it is stored under.
    pub snapshot: Vec<u8>,
    pub snapshot_name: String,
    /// Set once a committed transaction has stored the snapshot (or found it stored).
    snapshot_stored: AtomicBool,
}

impl DrawIndex {
    pub fn new(pool: Arc<Pool>) -> DrawIndex {
        let mut digest_entries = Vec::with_capacity(pool.experts.len());
        let mut eligible_entries = Vec::with_capacity(pool.experts.len());
        for expert in &pool.experts {
            let profile = DrawCandidate {
                id: expert.model.id,
                sectors: &expert.sectors,
                expertise: &expert.kinds,
            };
            digest_entries.push(pool_digest_entry(&profile));
            eligible_entries.push(eligible_entry(&profile));
        }
        let snapshot = encode_eligible_entries(eligible_entries.iter());
        DrawIndex {
            snapshot_name: snapshot_name(&snapshot),
            snapshot,
            digest_entries,
            pool,
            snapshot_stored: AtomicBool::new(false),
        }
    }

    /// The pool-digest entries of the experts at `positions` of the pool.
    pub fn digest_entries<'a>(
        &'a self,
        positions: &'a [usize],
    ) -> impl Iterator<Item = &'a [u8]> + 'a {
        positions
            .iter()
            .filter_map(|i| self.digest_entries.get(*i))
            .map(Vec::as_slice)
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
    use crate::domain::Sector;
    use crate::rules::draw::pool_digest_of_entries;
    use crate::services::expert_pool::fixtures;
    use uuid::Uuid;

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
