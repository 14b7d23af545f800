//! The principals behind recently seen tokens, so that a request does not read its user row
//! every time.
//!
//! Every change that could alter a principal (password, role, city, disabling) raises the
//! user's token version. This process forgets the user's entry when it makes such a change
//! itself ([`PrincipalCache::forget`]), so here a revoked token stops working at once. A change
//! made by another process (a second instance, the command line) is seen when the entry
//! expires: `CLEANPROD_AUTH_CACHE_SECONDS` bounds that delay (0 turns the cache off).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use uuid::Uuid;

use super::Principal;

/// Beyond this many users the cache starts over rather than grow: a bound on memory, not an
/// eviction policy worth more code (the province has a few thousand users).
const MAX_ENTRIES: usize = 50_000;

#[derive(Clone)]
struct Entry {
    token_version: i32,
    principal: Principal,
    read_at: Instant,
}

#[derive(Clone)]
pub struct PrincipalCache {
    ttl: Duration,
    entries: Arc<RwLock<HashMap<Uuid, Entry>>>,
    /// Raised by every [`PrincipalCache::forget`]: a row read before a change must not be
    /// kept after the change has been forgotten.
    forgets: Arc<AtomicU64>,
}

impl PrincipalCache {
    pub fn new(ttl: Duration) -> PrincipalCache {
        PrincipalCache {
            ttl,
            entries: Arc::default(),
            forgets: Arc::default(),
        }
    }

    /// Taken before reading a user row, and handed back to [`PrincipalCache::keep`].
    pub fn ticket(&self) -> u64 {
        self.forgets.load(Ordering::Acquire)
    }

    /// The principal of a token of this user and version, if read within the time to live.
    pub fn get(&self, user_id: Uuid, token_version: i32, now: Instant) -> Option<Principal> {
        if self.ttl.is_zero() {
            return None;
        }
        // A poisoned lock only means a panic elsewhere mid-insert: the map is still sound.
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        let entry = entries.get(&user_id)?;
        let fresh = now.saturating_duration_since(entry.read_at) < self.ttl;
        (fresh && entry.token_version == token_version).then(|| entry.principal.clone())
    }

    /// Remembers a principal read from the database for a token of this version, unless a
    /// user was forgotten since the `ticket` was taken (the row may predate that change).
    pub fn keep(&self, ticket: u64, token_version: i32, principal: &Principal, read_at: Instant) {
        if self.ttl.is_zero() {
            return;
        }
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if self.forgets.load(Ordering::Acquire) != ticket {
            return;
        }
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(
            principal.user_id,
            Entry {
                token_version,
                principal: principal.clone(),
                read_at,
            },
        );
    }

    /// Drops what is known of a user: called when this process changes them.
    pub fn forget(&self, user_id: Uuid) {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        self.forgets.fetch_add(1, Ordering::AcqRel);
        entries.remove(&user_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Role;

    fn principal() -> Principal {
        Principal {
            user_id: Uuid::now_v7(),
            username: "city-140100".into(),
            role: Role::CityAdmin,
            city_code: Some("140100".into()),
            county: None,
            expert_id: None,
            consultancy_id: None,
            enterprise_id: None,
        }
    }

    #[test]
    fn answers_only_the_same_version_within_the_time_to_live() {
        let cache = PrincipalCache::new(Duration::from_secs(5));
        let p = principal();
        let t0 = Instant::now();
        cache.keep(cache.ticket(), 3, &p, t0);
        assert_eq!(
            cache.get(p.user_id, 3, t0 + Duration::from_secs(4)),
            Some(p.clone())
        );
        assert_eq!(cache.get(p.user_id, 2, t0), None, "an older token");
        assert_eq!(cache.get(p.user_id, 4, t0), None, "a newer token");
        assert_eq!(
            cache.get(p.user_id, 3, t0 + Duration::from_secs(5)),
            None,
            "expired"
        );
        assert_eq!(cache.get(Uuid::now_v7(), 3, t0), None, "another user");
    }

    #[test]
    fn forgetting_a_user_takes_effect_at_once() {
        let cache = PrincipalCache::new(Duration::from_secs(60));
        let p = principal();
        let t0 = Instant::now();
        cache.keep(cache.ticket(), 0, &p, t0);
        cache.forget(p.user_id);
        assert_eq!(cache.get(p.user_id, 0, t0), None);
    }

    #[test]
    fn a_row_read_before_a_change_is_not_kept_after_it() {
        let cache = PrincipalCache::new(Duration::from_secs(60));
        let p = principal();
        let t0 = Instant::now();
        let ticket = cache.ticket();
        // The row is read, then the user changes (and is forgotten), then the read finishes.
        cache.forget(p.user_id);
        cache.keep(ticket, 0, &p, t0);
        assert_eq!(cache.get(p.user_id, 0, t0), None);
    }

    #[test]
    fn a_zero_time_to_live_keeps_nothing() {
        let cache = PrincipalCache::new(Duration::ZERO);
        let p = principal();
        let t0 = Instant::now();
        cache.keep(cache.ticket(), 0, &p, t0);
        assert_eq!(cache.get(p.user_id, 0, t0), None);
    }
}
