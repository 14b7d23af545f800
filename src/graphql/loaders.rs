//! DataLoaders, one per relation, built per request so caches never outlive it.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::Lookahead;
use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use entity::{
    annual_audit_list, annual_audit_list_entry, annual_list_status_change, appraisal_deduction,
    audit, audit_transition, certification, city, consultancy, consultancy_staff,
    consultancy_status_change, enterprise, expert_conflict, expert_status_change,
    expert_unavailability, improvement_option, review, training_attendance, training_plan_item,
    training_session,
};
use uuid::Uuid;

use crate::domain::{ExpertiseKind, Sector, TrainingAudience, TrainingTopic};
use crate::error::{AppError, AppResult};
use crate::services::enterprises::Completion;
use crate::services::expert_pool::PoolExpert;
use crate::services::{
    Services, annual_lists, appraisals, audits, consultancies, enterprises, experts, reference,
    training,
};

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
    pub enterprises: Cached<EnterpriseLoader>,
    pub last_completions: Cached<LastCompletionLoader>,
    pub enterprise_audits: Cached<EnterpriseAuditsLoader>,
    pub enterprise_certifications: Cached<EnterpriseCertificationsLoader>,
    pub consultancies: Cached<ConsultancyLoader>,
    pub consultancy_staff: Cached<ConsultancyStaffLoader>,
    pub consultancy_status_history: Cached<ConsultancyStatusHistoryLoader>,
    pub staff: Cached<StaffLoader>,
    pub audits: Cached<AuditLoader>,
    pub audit_history: Cached<AuditHistoryLoader>,
    pub audit_reviews: Cached<AuditReviewsLoader>,
    pub audit_options: Cached<AuditOptionsLoader>,
    pub list_entries: Cached<ListEntriesLoader>,
    pub list_history: Cached<ListHistoryLoader>,
    pub training_sessions: Cached<TrainingSessionLoader>,
    pub training_audiences: Cached<TrainingAudiencesLoader>,
    pub training_topics: Cached<TrainingTopicsLoader>,
    pub training_attendances: Cached<TrainingAttendancesLoader>,
    pub training_plan_items: Cached<TrainingPlanItemLoader>,
    pub training_item_sessions: Cached<TrainingItemSessionsLoader>,
    pub appraisal_deductions: Cached<AppraisalDeductionsLoader>,
    /// Panels, seats, draw rounds and recheck findings.
    pub panels: super::panel_loaders::PanelLoaders,
}

impl Loaders {
    pub fn new(services: &Services) -> Loaders {
        // One shared copy: each loader holds a pointer, not a clone of every handle.
        let db = Arc::new(services.clone());
        Loaders {
            cities: cached(CityLoader(db.clone())),
            expert_sectors: cached(ExpertSectorsLoader(db.clone())),
            expert_kinds: cached(ExpertKindsLoader(db.clone())),
            expert_status_history: cached(ExpertStatusHistoryLoader(db.clone())),
            expert_conflicts: cached(ExpertConflictsLoader(db.clone())),
            expert_unavailability: cached(ExpertUnavailabilityLoader(db.clone())),
            enterprises: cached(EnterpriseLoader(db.clone())),
            last_completions: cached(LastCompletionLoader(db.clone())),
            enterprise_audits: cached(EnterpriseAuditsLoader(db.clone())),
            enterprise_certifications: cached(EnterpriseCertificationsLoader(db.clone())),
            consultancies: cached(ConsultancyLoader(db.clone())),
            consultancy_staff: cached(ConsultancyStaffLoader(db.clone())),
            consultancy_status_history: cached(ConsultancyStatusHistoryLoader(db.clone())),
            staff: cached(StaffLoader(db.clone())),
            audits: cached(AuditLoader(db.clone())),
            audit_history: cached(AuditHistoryLoader(db.clone())),
            audit_reviews: cached(AuditReviewsLoader(db.clone())),
            audit_options: cached(AuditOptionsLoader(db.clone())),
            list_entries: cached(ListEntriesLoader(db.clone())),
            panels: super::panel_loaders::PanelLoaders::new(&db),
            list_history: cached(ListHistoryLoader(db.clone())),
            training_sessions: cached(TrainingSessionLoader(db.clone())),
            training_audiences: cached(TrainingAudiencesLoader(db.clone())),
            training_topics: cached(TrainingTopicsLoader(db.clone())),
            training_attendances: cached(TrainingAttendancesLoader(db.clone())),
            training_plan_items: cached(TrainingPlanItemLoader(db.clone())),
            training_item_sessions: cached(TrainingItemSessionsLoader(db.clone())),
            appraisal_deductions: cached(AppraisalDeductionsLoader(db)),
        }
    }

    /// Loads, for a page of the pool, every relation the query asks for, one query per
    /// relation (none for those the pool holds). DataLoader batching alone depends on timing (a batch may fire before the
    /// last item of a large page registers its key); priming makes the count fixed.
    pub async fn prime_experts(
        &self,
        services: &Services,
        node: Lookahead<'_>,
        page: &[PoolExpert],
    ) -> AppResult<()> {
        let ids: Vec<Uuid> = page.iter().map(|e| e.model.id).collect();
        if ids.is_empty() {
            return Ok(());
        }
        let db = &services.db;
        if node.field("city").exists() {
            let mut codes: Vec<String> = page.iter().map(|e| e.model.city_code.clone()).collect();
            codes.sort_unstable();
            codes.dedup();
            self.cities
                .feed_many(reference::cities_among(&services.cities, &codes))
                .await;
        }
        // The pool holds the sets already.
        if node.field("sectors").exists() {
            let sets = page.iter().map(|e| (e.model.id, e.sectors.clone()));
            self.expert_sectors.feed_many(sets).await;
        }
        if node.field("expertiseKinds").exists() {
            let sets = page.iter().map(|e| (e.model.id, e.kinds.clone()));
            self.expert_kinds.feed_many(sets).await;
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

impl Loaders {
    /// Primes the city loader with the given codes (ranking lines, violations).
    pub async fn prime_city_codes(
        &self,
        services: &Services,
        codes: impl Iterator<Item = String>,
    ) -> AppResult<()> {
        self.prime_cities(services, codes).await
    }

    /// Loads the deductions of several appraisals (an appraisal's history) in one query.
    pub async fn prime_appraisal_deductions(
        &self,
        services: &Services,
        ids: &[Uuid],
    ) -> AppResult<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let rows = appraisals::deductions_of(&services.db, ids).await?;
        prime(&self.appraisal_deductions, ids, rows).await;
        Ok(())
    }

    async fn prime_cities(
        &self,
        services: &Services,
        codes: impl Iterator<Item = String>,
    ) -> AppResult<()> {
        let mut codes: Vec<String> = codes.collect();
        codes.sort_unstable();
        codes.dedup();
        if !codes.is_empty() {
            self.cities
                .feed_many(reference::cities_among(&services.cities, &codes))
                .await;
        }
        Ok(())
    }

    /// The relations of a page of enterprises (also the directory's, and those nested in
    /// audits and lists), one query per relation asked for.
    pub async fn prime_enterprises(
        &self,
        services: &Services,
        node: Lookahead<'_>,
        models: &[enterprise::Model],
    ) -> AppResult<()> {
        let ids: Vec<Uuid> = models.iter().map(|e| e.id).collect();
        if ids.is_empty() {
            return Ok(());
        }
        let db = &services.db;
        if node.field("city").exists() {
            self.prime_cities(services, models.iter().map(|e| e.city_code.clone()))
                .await?;
        }
        if node.field("lastCompletion").exists() {
            let mut found = enterprises::last_completions(db, &ids).await?;
            let values: Vec<(Uuid, Option<Completion>)> =
                ids.iter().map(|id| (*id, found.remove(id))).collect();
            self.last_completions.feed_many(values).await;
        }
        let audit_node = node.field("audits");
        if audit_node.exists() {
            let rows = audits::audits_of_enterprises(db, &ids).await?;
            let list: Vec<audit::Model> = rows.values().flatten().cloned().collect();
            prime(&self.enterprise_audits, &ids, rows).await;
            // Boxed: an audit's enterprise may ask for its audits again.
            Box::pin(self.prime_audits(services, audit_node, &list)).await?;
        }
        if node.field("certifications").exists() {
            let rows = audits::certifications_of(db, &ids).await?;
            prime(&self.enterprise_certifications, &ids, rows).await;
        }
        Ok(())
    }

    pub async fn prime_consultancies(
        &self,
        services: &Services,
        node: Lookahead<'_>,
        models: &[consultancy::Model],
    ) -> AppResult<()> {
        let ids: Vec<Uuid> = models.iter().map(|c| c.id).collect();
        if ids.is_empty() {
            return Ok(());
        }
        let db = &services.db;
        if node.field("city").exists() {
            self.prime_cities(services, models.iter().map(|c| c.city_code.clone()))
                .await?;
        }
        if node.field("staff").exists() {
            prime(
                &self.consultancy_staff,
                &ids,
                consultancies::staff_of(db, &ids).await?,
            )
            .await;
        }
        if node.field("statusHistory").exists() {
            let rows = consultancies::status_history_of(db, &ids).await?;
            prime(&self.consultancy_status_history, &ids, rows).await;
        }
        Ok(())
    }

    /// The relations of a page of audits, including the enterprise's own relations when the
    /// query asks for them.
    pub async fn prime_audits(
        &self,
        services: &Services,
        node: Lookahead<'_>,
        models: &[audit::Model],
    ) -> AppResult<()> {
        let ids: Vec<Uuid> = models.iter().map(|a| a.id).collect();
        if ids.is_empty() {
            return Ok(());
        }
        let db = &services.db;
        if node.field("city").exists() {
            self.prime_cities(services, models.iter().map(|a| a.city_code.clone()))
                .await?;
        }
        let enterprise_node = node.field("enterprise");
        if enterprise_node.exists() {
            let wanted: Vec<Uuid> = distinct(models.iter().map(|a| a.enterprise_id));
            let found = enterprises::by_ids(db, &wanted).await?;
            let list: Vec<enterprise::Model> = found.values().cloned().collect();
            self.enterprises.feed_many(found).await;
            Box::pin(self.prime_enterprises(services, enterprise_node, &list)).await?;
        }
        if node.field("consultancy").exists() {
            let wanted = distinct(models.iter().filter_map(|a| a.consultancy_id));
            if !wanted.is_empty() {
                self.consultancies
                    .feed_many(consultancies::by_ids(db, &wanted).await?)
                    .await;
            }
        }
        if node.field("leadAuditor").exists() {
            let wanted = distinct(models.iter().filter_map(|a| a.lead_auditor_id));
            if !wanted.is_empty() {
                self.staff
                    .feed_many(consultancies::staff_by_ids(db, &wanted).await?)
                    .await;
            }
        }
        if node.field("history").exists() {
            prime(
                &self.audit_history,
                &ids,
                audits::transitions_of(db, &ids).await?,
            )
            .await;
        }
        let review_node = node.field("reviews");
        if review_node.exists() {
            if review_node.field("panel").exists() {
                // A panel's visibility depends on its audit, looked up by id.
                self.audits
                    .feed_many(models.iter().map(|a| (a.id, a.clone())))
                    .await;
            }
            let rows = audits::reviews_of(db, &ids).await?;
            let list: Vec<review::Model> = rows.values().flatten().cloned().collect();
            prime(&self.audit_reviews, &ids, rows).await;
            self.prime_reviews(services, review_node, &list).await?;
        }
        if node.field("options").exists() {
            prime(
                &self.audit_options,
                &ids,
                audits::options_of(db, &ids).await?,
            )
            .await;
        }
        Ok(())
    }

    pub async fn prime_lists(
        &self,
        services: &Services,
        node: Lookahead<'_>,
        models: &[annual_audit_list::Model],
    ) -> AppResult<()> {
        let ids: Vec<Uuid> = models.iter().map(|l| l.id).collect();
        if ids.is_empty() {
            return Ok(());
        }
        let db = &services.db;
        if node.field("city").exists() {
            self.prime_cities(services, models.iter().map(|l| l.city_code.clone()))
                .await?;
        }
        let enterprise_node = node.field("enterprises");
        if enterprise_node.exists() {
            let entries = annual_lists::entries_of(db, &ids).await?;
            let wanted = distinct(entries.values().flatten().map(|e| e.enterprise_id));
            let found = enterprises::by_ids(db, &wanted).await?;
            let list: Vec<enterprise::Model> = found.values().cloned().collect();
            self.enterprises.feed_many(found).await;
            self.prime_enterprises(services, enterprise_node, &list)
                .await?;
            prime(&self.list_entries, &ids, entries).await;
        }
        if node.field("history").exists() {
            prime(
                &self.list_history,
                &ids,
                annual_lists::history_of(db, &ids).await?,
            )
            .await;
        }
        Ok(())
    }
}

impl Loaders {
    /// The relations of a page of training sessions, one query per relation asked for.
    pub async fn prime_training_sessions(
        &self,
        services: &Services,
        node: Lookahead<'_>,
        models: &[training_session::Model],
    ) -> AppResult<()> {
        let ids: Vec<Uuid> = models.iter().map(|s| s.id).collect();
        if ids.is_empty() {
            return Ok(());
        }
        let db = &services.db;
        if node.field("city").exists() {
            self.prime_cities(services, models.iter().filter_map(|s| s.city_code.clone()))
                .await?;
        }
        if node.field("audiences").exists() {
            let rows = training::audiences_of(db, &ids).await?;
            prime(&self.training_audiences, &ids, rows).await;
        }
        if node.field("topics").exists() {
            prime(
                &self.training_topics,
                &ids,
                training::topics_of(db, &ids).await?,
            )
            .await;
        }
        let attendances = node.field("attendances");
        if attendances.exists() {
            let rows = training::attendances_of(db, &ids).await?;
            prime(&self.training_attendances, &ids, rows).await;
            // An attendance's session is one of this page's.
            if attendances.field("session").exists() {
                self.training_sessions
                    .feed_many(models.iter().map(|m| (m.id, m.clone())))
                    .await;
            }
        }
        if node.field("planItem").exists() {
            let wanted = distinct(models.iter().filter_map(|s| s.plan_item_id));
            if !wanted.is_empty() {
                self.training_plan_items
                    .feed_many(training::plan_items_by_ids(db, &wanted).await?)
                    .await;
            }
        }
        Ok(())
    }

    /// The sessions of a plan's items (and their relations when asked for).
    pub async fn prime_plan_items(
        &self,
        services: &Services,
        node: Lookahead<'_>,
        items: &[training_plan_item::Model],
    ) -> AppResult<()> {
        let ids: Vec<Uuid> = items.iter().map(|i| i.id).collect();
        if ids.is_empty() {
            return Ok(());
        }
        if node.field("city").exists() {
            self.prime_cities(services, items.iter().filter_map(|i| i.city_code.clone()))
                .await?;
        }
        let found = training::item_sessions_of(&services.db, &ids).await?;
        let sessions: Vec<training_session::Model> = found.values().flatten().cloned().collect();
        prime(&self.training_item_sessions, &ids, found).await;
        self.prime_training_sessions(services, node.field("sessions"), &sessions)
            .await
    }
}

fn distinct(ids: impl Iterator<Item = Uuid>) -> Vec<Uuid> {
    let mut ids: Vec<Uuid> = ids.collect();
    ids.sort_unstable();
    ids.dedup();
    ids
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

pub struct CityLoader(Arc<Services>);

impl Loader<String> for CityLoader {
    type Value = city::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[String]) -> Result<HashMap<String, city::Model>, LoadError> {
        Ok(reference::cities_among(&self.0.cities, keys))
    }
}

macro_rules! relation_loader {
    ($name:ident, $value:ty, $fetch:path) => {
        pub struct $name(Arc<Services>);

        impl Loader<Uuid> for $name {
            type Value = $value;
            type Error = LoadError;

            async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, $value>, LoadError> {
                $fetch(&self.0.db, keys).await.map_err(to_load_error)
            }
        }
    };
}

relation_loader!(ExpertSectorsLoader, Vec<Sector>, experts::sectors_of);
relation_loader!(ExpertKindsLoader, Vec<ExpertiseKind>, experts::kinds_of);
relation_loader!(
    ExpertStatusHistoryLoader,
    Vec<expert_status_change::Model>,
    experts::status_history_of
);
relation_loader!(
    ExpertConflictsLoader,
    Vec<expert_conflict::Model>,
    experts::conflicts_of
);
relation_loader!(
    ExpertUnavailabilityLoader,
    Vec<expert_unavailability::Model>,
    experts::unavailability_of
);

relation_loader!(EnterpriseLoader, enterprise::Model, enterprises::by_ids);
relation_loader!(
    EnterpriseAuditsLoader,
    Vec<audit::Model>,
    audits::audits_of_enterprises
);
relation_loader!(
    EnterpriseCertificationsLoader,
    Vec<certification::Model>,
    audits::certifications_of
);
relation_loader!(ConsultancyLoader, consultancy::Model, consultancies::by_ids);
relation_loader!(
    ConsultancyStaffLoader,
    Vec<consultancy_staff::Model>,
    consultancies::staff_of
);
relation_loader!(
    ConsultancyStatusHistoryLoader,
    Vec<consultancy_status_change::Model>,
    consultancies::status_history_of
);
relation_loader!(
    StaffLoader,
    consultancy_staff::Model,
    consultancies::staff_by_ids
);
relation_loader!(AuditLoader, audit::Model, audits::by_ids);
relation_loader!(
    AuditHistoryLoader,
    Vec<audit_transition::Model>,
    audits::transitions_of
);
relation_loader!(AuditReviewsLoader, Vec<review::Model>, audits::reviews_of);
relation_loader!(
    AuditOptionsLoader,
    Vec<improvement_option::Model>,
    audits::options_of
);
relation_loader!(
    ListEntriesLoader,
    Vec<annual_audit_list_entry::Model>,
    annual_lists::entries_of
);
relation_loader!(
    AppraisalDeductionsLoader,
    Vec<appraisal_deduction::Model>,
    appraisals::deductions_of
);
relation_loader!(
    ListHistoryLoader,
    Vec<annual_list_status_change::Model>,
    annual_lists::history_of
);

/// The latest completion of an enterprise; `None` is a value, so that a primed page caches
/// members that never completed too.
pub struct LastCompletionLoader(Arc<Services>);

impl Loader<Uuid> for LastCompletionLoader {
    type Value = Option<Completion>;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Option<Completion>>, LoadError> {
        let mut found = enterprises::last_completions(&self.0.db, keys)
            .await
            .map_err(to_load_error)?;
        Ok(keys.iter().map(|k| (*k, found.remove(k))).collect())
    }
}

relation_loader!(
    TrainingSessionLoader,
    training_session::Model,
    training::sessions_by_ids
);
relation_loader!(
    TrainingAudiencesLoader,
    Vec<TrainingAudience>,
    training::audiences_of
);
relation_loader!(
    TrainingTopicsLoader,
    Vec<TrainingTopic>,
    training::topics_of
);
relation_loader!(
    TrainingAttendancesLoader,
    Vec<training_attendance::Model>,
    training::attendances_of
);
relation_loader!(
    TrainingPlanItemLoader,
    training_plan_item::Model,
    training::plan_items_by_ids
);
relation_loader!(
    TrainingItemSessionsLoader,
    Vec<training_session::Model>,
    training::item_sessions_of
);
