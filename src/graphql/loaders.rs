//! DataLoaders, one per relation, built per request so caches never outlive it.

use std::collections::HashMap;

use async_graphql::Lookahead;
use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use entity::{city, expert, expert_conflict, expert_status_change, expert_unavailability};
use uuid::Uuid;

use crate::domain::{ExpertiseKind, Sector};
use crate::error::{AppError, AppResult};
use crate::services::{Services, experts, reference};

/// A loader with a per-request cache, so a list resolver can prime it (see
/// [`Loaders::prime_experts`]) and nested fields then cost no query at all.
pub type Cached<T> = DataLoader<T, HashMapCache>;

fn cached<T: Loader<K>, K>(loader: T) -> Cached<T>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
{
    DataLoader::with_cache(loader, tokio::spawn, HashMapCache::default())
}

pub struct Loaders {
    pub cities: Cached<CityLoader>,
    pub expert_sectors: Cached<ExpertSectorsLoader>,
    pub expert_kinds: Cached<ExpertKindsLoader>,
    pub expert_status_history: Cached<ExpertStatusHistoryLoader>,
    pub expert_conflicts: Cached<ExpertConflictsLoader>,
    pub expert_unavailability: Cached<ExpertUnavailabilityLoader>,
}

impl Loaders {
    pub fn new(services: &Services) -> Loaders {
        let db = services.clone();
        Loaders {
            cities: cached(CityLoader(db.clone())),
            expert_sectors: cached(ExpertSectorsLoader(db.clone())),
            expert_kinds: cached(ExpertKindsLoader(db.clone())),
            expert_status_history: cached(ExpertStatusHistoryLoader(db.clone())),
            expert_conflicts: cached(ExpertConflictsLoader(db.clone())),
            expert_unavailability: cached(ExpertUnavailabilityLoader(db)),
        }
    }

    /// Loads, for a page of experts, every relation the query asks for, one query per
    /// relation. DataLoader batching alone depends on timing (a batch may fire before the
    /// last item of a large page registers its key); priming makes the count fixed.
    pub async fn prime_experts(
        &self,
        services: &Services,
        node: Lookahead<'_>,
        experts: &[expert::Model],
    ) -> AppResult<()> {
        let ids: Vec<Uuid> = experts.iter().map(|e| e.id).collect();
        if ids.is_empty() {
            return Ok(());
        }
        let db = &services.db;
        if node.field("city").exists() {
            let mut codes: Vec<String> = experts.iter().map(|e| e.city_code.clone()).collect();
            codes.sort_unstable();
            codes.dedup();
            self.cities
                .feed_many(reference::cities_by_code(db, &codes).await?)
                .await;
        }
        if node.field("sectors").exists() {
            prime(
                &self.expert_sectors,
                &ids,
                experts::sectors_of(db, &ids).await?,
            )
            .await;
        }
        if node.field("expertiseKinds").exists() {
            prime(&self.expert_kinds, &ids, experts::kinds_of(db, &ids).await?).await;
        }
        if node.field("statusHistory").exists() {
            let rows = experts::status_history_of(db, &ids).await?;
            prime(&self.expert_status_history, &ids, rows).await;
        }
        if node.field("conflicts").exists() {
            prime(
                &self.expert_conflicts,
                &ids,
                experts::conflicts_of(db, &ids).await?,
            )
            .await;
        }
        if node.field("unavailability").exists() {
            let rows = experts::unavailability_of(db, &ids).await?;
            prime(&self.expert_unavailability, &ids, rows).await;
        }
        Ok(())
    }
}

/// Feeds every id, with an empty list where the batch found nothing, so that no nested
/// field falls back to a query of its own.
async fn prime<T, V>(loader: &Cached<T>, ids: &[Uuid], mut found: HashMap<Uuid, Vec<V>>)
where
    T: Loader<Uuid, Value = Vec<V>>,
    V: Send + Sync + Clone + 'static,
{
    let values: Vec<(Uuid, Vec<V>)> = ids
        .iter()
        .map(|id| (*id, found.remove(id).unwrap_or_default()))
        .collect();
    loader.feed_many(values).await;
}

type LoadError = async_graphql::Error;

fn to_load_error(err: AppError) -> LoadError {
    err.into()
}

pub struct CityLoader(Services);

impl Loader<String> for CityLoader {
    type Value = city::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[String]) -> Result<HashMap<String, city::Model>, LoadError> {
        reference::cities_by_code(&self.0.db, keys)
            .await
            .map_err(to_load_error)
    }
}

macro_rules! expert_relation_loader {
    ($name:ident, $value:ty, $fetch:path) => {
        pub struct $name(Services);

        impl Loader<Uuid> for $name {
            type Value = $value;
            type Error = LoadError;

            async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, $value>, LoadError> {
                $fetch(&self.0.db, keys).await.map_err(to_load_error)
            }
        }
    };
}

expert_relation_loader!(ExpertSectorsLoader, Vec<Sector>, experts::sectors_of);
expert_relation_loader!(ExpertKindsLoader, Vec<ExpertiseKind>, experts::kinds_of);
expert_relation_loader!(
    ExpertStatusHistoryLoader,
    Vec<expert_status_change::Model>,
    experts::status_history_of
);
expert_relation_loader!(
    ExpertConflictsLoader,
    Vec<expert_conflict::Model>,
    experts::conflicts_of
);
expert_relation_loader!(
    ExpertUnavailabilityLoader,
    Vec<expert_unavailability::Model>,
    experts::unavailability_of
);
