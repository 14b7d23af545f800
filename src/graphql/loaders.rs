//! DataLoaders, one per relation, built per request so caches never outlive it.

use std::collections::HashMap;

use async_graphql::dataloader::{DataLoader, Loader};
use entity::{city, expert_conflict, expert_status_change, expert_unavailability};
use uuid::Uuid;

use crate::domain::{ExpertiseKind, Sector};
use crate::error::AppError;
use crate::services::{Services, experts, reference};

pub struct Loaders {
    pub cities: DataLoader<CityLoader>,
    pub expert_sectors: DataLoader<ExpertSectorsLoader>,
    pub expert_kinds: DataLoader<ExpertKindsLoader>,
    pub expert_status_history: DataLoader<ExpertStatusHistoryLoader>,
    pub expert_conflicts: DataLoader<ExpertConflictsLoader>,
    pub expert_unavailability: DataLoader<ExpertUnavailabilityLoader>,
}

impl Loaders {
    pub fn new(services: &Services) -> Loaders {
        let db = services.clone();
        Loaders {
            cities: DataLoader::new(CityLoader(db.clone()), tokio::spawn),
            expert_sectors: DataLoader::new(ExpertSectorsLoader(db.clone()), tokio::spawn),
            expert_kinds: DataLoader::new(ExpertKindsLoader(db.clone()), tokio::spawn),
            expert_status_history: DataLoader::new(
                ExpertStatusHistoryLoader(db.clone()),
                tokio::spawn,
            ),
            expert_conflicts: DataLoader::new(ExpertConflictsLoader(db.clone()), tokio::spawn),
            expert_unavailability: DataLoader::new(ExpertUnavailabilityLoader(db), tokio::spawn),
        }
    }
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
