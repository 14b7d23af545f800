//! DataLoaders, one per relation, built per request so caches never outlive it.
//!
//! Every relation is one line of the `loaders!` table below: its field on [`Loaders`], its
//! loader type, its key and value, and the batch read that fills it. A resolver then calls
//! `ctx.loaders().<field>.load_one(id)`; a list resolver primes a page's relations in
//! `prime.rs`, so a nested field costs no query of its own and a page costs a fixed number
//! of statements whatever its size.
//!
//! The batch reads take no viewer: they are the services' `unguarded` reads (rows by id
//! through the generic `services::unguarded::keyed_by_id`), and the types that resolve their
//! values check access (see the services' module docs).

mod prime;

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use entity::{
    annual_audit_list_entry, annual_list_status_change, appraisal_deduction, audit,
    audit_transition, certification, city, consultancy, consultancy_staff,
    consultancy_status_change, enterprise, expert, expert_conflict, expert_status_change,
    expert_unavailability, improvement_option, panel, panel_draw, panel_seat, recheck_finding,
    recheck_finding_expert, review, training_attendance, training_plan_item, training_session,
};
use uuid::Uuid;

use crate::domain::{ExpertiseKind, Sector, TrainingAudience, TrainingTopic};
use crate::services::enterprises::Completion;
use crate::services::{
    Services, annual_lists, appraisals, audits, consultancies, enterprises, experts, panels,
    rechecks, reference, training, unguarded,
};

/// A loader with a per-request cache, so a list resolver can prime it and nested fields then
/// cost no query at all.
pub type Cached<T> = DataLoader<T, HashMapCache>;

type LoadError = async_graphql::Error;

fn cached<T: Loader<K>, K>(loader: T) -> Cached<T>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
{
    DataLoader::with_cache(loader, tokio::spawn, HashMapCache::default())
}

/// One key's value through its loader, wrapped as its GraphQL type; `None` when absent.
pub async fn load_as<T, K, V, N>(
    loader: &Cached<T>,
    key: K,
    wrap: impl FnOnce(V) -> N,
) -> Result<Option<N>, LoadError>
where
    T: Loader<K, Value = V, Error = LoadError>,
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
{
    Ok(loader.load_one(key).await?.map(wrap))
}

/// `load_as` through an optional foreign key: `None` without a key.
pub async fn load_optional_as<T, K, V, N>(
    loader: &Cached<T>,
    key: Option<K>,
    wrap: impl FnOnce(V) -> N,
) -> Result<Option<N>, LoadError>
where
    T: Loader<K, Value = V, Error = LoadError>,
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
{
    match key {
        Some(key) => load_as(loader, key, wrap).await,
        None => Ok(None),
    }
}

/// One key's rows of a one-to-many relation; none when the batch read found none.
pub async fn load_rows<T, K, V>(loader: &Cached<T>, key: K) -> Result<Vec<V>, LoadError>
where
    T: Loader<K, Value = Vec<V>, Error = LoadError>,
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    V: Send + Sync + Clone + 'static,
{
    Ok(loader.load_one(key).await?.unwrap_or_default())
}

/// One key's rows of a one-to-many relation, each wrapped as its GraphQL type.
pub async fn load_rows_as<T, K, V, N>(
    loader: &Cached<T>,
    key: K,
    wrap: impl FnMut(V) -> N,
) -> Result<Vec<N>, LoadError>
where
    T: Loader<K, Value = Vec<V>, Error = LoadError>,
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    V: Send + Sync + Clone + 'static,
{
    Ok(load_rows(loader, key)
        .await?
        .into_iter()
        .map(wrap)
        .collect())
}

/// How a loader reads a batch: from the database; from the services (reads that decrypt);
/// from the database where a key may have no value (`None` is cached too, so a primed page
/// never falls back to a query per missing key); or from reference data held in memory.
macro_rules! batch_read {
    (db, $read:path, $s:expr, $keys:expr) => {
        $read(&$s.db, $keys).await
    };
    (services, $read:path, $s:expr, $keys:expr) => {
        $read(&$s, $keys).await
    };
    (optional, $read:path, $s:expr, $keys:expr) => {
        $read(&$s.db, $keys)
            .await
            .map(|mut found| $keys.iter().map(|k| (*k, found.remove(k))).collect())
    };
    (cities, $read:path, $s:expr, $keys:expr) => {
        Ok::<_, crate::error::AppError>($read(&$s.cities, $keys))
    };
}

macro_rules! loaders {
    ($(
        $(#[doc = $doc:literal])*
        $field:ident: $loader:ident($key:ty => $value:ty) = $how:ident $read:path;
    )*) => {
        /// The request's loaders (see the module doc).
        pub struct Loaders {
            $( $(#[doc = $doc])* pub $field: Cached<$loader>, )*
        }

        impl Loaders {
            pub fn new(services: &Services) -> Loaders {
                // One shared copy: each loader holds a pointer, not a clone of every handle.
                let services = Arc::new(services.clone());
                Loaders { $( $field: cached($loader(services.clone())), )* }
            }
        }

        $(
            pub struct $loader(Arc<Services>);

            impl Loader<$key> for $loader {
                type Value = $value;
                type Error = LoadError;

                async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, $value>, LoadError> {
                    batch_read!($how, $read, self.0, keys).map_err(LoadError::from)
                }
            }
        )*
    };
}

loaders! {
    cities: CityLoader(String => city::Model) = cities reference::cities_among;

    expert_sectors: ExpertSectorsLoader(Uuid => Vec<Sector>) = db experts::unguarded::sectors_of;
    expert_kinds: ExpertKindsLoader(Uuid => Vec<ExpertiseKind>) = db experts::unguarded::kinds_of;
    expert_status_history: ExpertStatusHistoryLoader(Uuid => Vec<expert_status_change::Model>) =
        db experts::unguarded::status_history_of;
    expert_conflicts: ExpertConflictsLoader(Uuid => Vec<expert_conflict::Model>) =
        db experts::unguarded::conflicts_of;
    expert_unavailability: ExpertUnavailabilityLoader(Uuid => Vec<expert_unavailability::Model>) =
        db experts::unguarded::unavailability_of;
    /// Experts with their personal data decrypted (the `Expert` type masks it per viewer).
    experts: ExpertLoader(Uuid => Arc<expert::Model>) = services experts::unguarded::by_ids;

    enterprises: EnterpriseLoader(Uuid => enterprise::Model) =
        db unguarded::keyed_by_id::<enterprise::Entity>;
    /// The latest completion of an enterprise; `None` for one that never completed.
    last_completions: LastCompletionLoader(Uuid => Option<Completion>) =
        optional enterprises::unguarded::last_completions;
    enterprise_audits: EnterpriseAuditsLoader(Uuid => Vec<audit::Model>) =
        db audits::unguarded::audits_of_enterprises;
    enterprise_certifications: EnterpriseCertificationsLoader(Uuid => Vec<certification::Model>) =
        db audits::unguarded::certifications_of;

    consultancies: ConsultancyLoader(Uuid => consultancy::Model) =
        db unguarded::keyed_by_id::<consultancy::Entity>;
    consultancy_staff: ConsultancyStaffLoader(Uuid => Vec<consultancy_staff::Model>) =
        db consultancies::unguarded::staff_of;
    consultancy_status_history:
        ConsultancyStatusHistoryLoader(Uuid => Vec<consultancy_status_change::Model>) =
        db consultancies::unguarded::status_history_of;
    staff: StaffLoader(Uuid => consultancy_staff::Model) =
        db unguarded::keyed_by_id::<consultancy_staff::Entity>;

    audits: AuditLoader(Uuid => audit::Model) =
        db unguarded::keyed_by_id::<audit::Entity>;
    audit_history: AuditHistoryLoader(Uuid => Vec<audit_transition::Model>) =
        db audits::unguarded::transitions_of;
    audit_reviews: AuditReviewsLoader(Uuid => Vec<review::Model>) =
        db audits::unguarded::reviews_of;
    audit_options: AuditOptionsLoader(Uuid => Vec<improvement_option::Model>) =
        db audits::unguarded::options_of;

    list_entries: ListEntriesLoader(Uuid => Vec<annual_audit_list_entry::Model>) =
        db annual_lists::unguarded::entries_of;
    list_history: ListHistoryLoader(Uuid => Vec<annual_list_status_change::Model>) =
        db annual_lists::unguarded::history_of;

    training_sessions: TrainingSessionLoader(Uuid => training_session::Model) =
        db unguarded::keyed_by_id::<training_session::Entity>;
    training_audiences: TrainingAudiencesLoader(Uuid => Vec<TrainingAudience>) =
        db training::unguarded::audiences_of;
    training_topics: TrainingTopicsLoader(Uuid => Vec<TrainingTopic>) =
        db training::unguarded::topics_of;
    training_attendances: TrainingAttendancesLoader(Uuid => Vec<training_attendance::Model>) =
        db training::unguarded::attendances_of;
    training_plan_items: TrainingPlanItemLoader(Uuid => training_plan_item::Model) =
        db unguarded::keyed_by_id::<training_plan_item::Entity>;
    training_item_sessions: TrainingItemSessionsLoader(Uuid => Vec<training_session::Model>) =
        db training::unguarded::item_sessions_of;

    appraisal_deductions: AppraisalDeductionsLoader(Uuid => Vec<appraisal_deduction::Model>) =
        db appraisals::unguarded::deductions_of;

    panels: PanelLoader(Uuid => panel::Model) =
        db unguarded::keyed_by_id::<panel::Entity>;
    /// A review's panel; `None` for a review without one yet.
    panel_of_review: PanelOfReviewLoader(Uuid => Option<panel::Model>) =
        optional panels::unguarded::panels_of_reviews;
    panel_seats: PanelSeatsLoader(Uuid => Vec<panel_seat::Model>) = db panels::unguarded::seats_of;
    panel_draws: PanelDrawsLoader(Uuid => Vec<panel_draw::Model>) = db panels::unguarded::draws_of;
    reviews: ReviewLoader(Uuid => review::Model) =
        db unguarded::keyed_by_id::<review::Entity>;

    review_findings: ReviewFindingsLoader(Uuid => Vec<recheck_finding::Model>) =
        db rechecks::unguarded::findings_of_reviews;
    consultancy_findings: ConsultancyFindingsLoader(Uuid => Vec<recheck_finding::Model>) =
        db rechecks::unguarded::findings_of_consultancies;
    staff_findings: StaffFindingsLoader(Uuid => Vec<recheck_finding::Model>) =
        db rechecks::unguarded::findings_of_staff;
    expert_findings: ExpertFindingsLoader(Uuid => Vec<recheck_finding::Model>) =
        db rechecks::unguarded::findings_of_experts;
    implicated_experts: ImplicatedLoader(Uuid => Vec<recheck_finding_expert::Model>) =
        db rechecks::unguarded::implicated_of;
}
