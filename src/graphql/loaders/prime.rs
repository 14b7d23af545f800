//! Priming: a list resolver loads, for its whole page, every relation the query asks for,
//! one statement per relation, and feeds the loaders; nested fields then cost no query.
//! DataLoader batching alone depends on timing (a batch may fire before the last item of a
//! large page registers its key); priming makes the count fixed.

use std::collections::HashMap;

use async_graphql::Lookahead;
use async_graphql::dataloader::Loader;
use entity::{
    annual_audit_list, audit, consultancy, enterprise, panel, panel_seat, recheck_finding, review,
    training_plan_item, training_session,
};
use uuid::Uuid;

use crate::services::audits::unguarded::PanelsOfReviews;
use crate::services::expert_pool::PoolExpert;
use crate::services::{Services, audits, experts, panels, reference};

use super::{Cached, LoadError, Loaders};

type PrimeResult = Result<(), LoadError>;

impl Loaders {
    /// Loads, for a page of the pool, every relation the query asks for (none for those the
    /// pool holds).
    pub async fn prime_experts(
        &self,
        services: &Services,
        node: Lookahead<'_>,
        page: &[PoolExpert],
    ) -> PrimeResult {
        let ids: Vec<Uuid> = page.iter().map(|e| e.model.id).collect();
        if ids.is_empty() {
            return Ok(());
        }
        if node.field("city").exists() {
            self.prime_city_codes(services, page.iter().map(|e| e.model.city_code.clone()))
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
            prime_all(&self.expert_status_history, &ids).await?;
        }
        if node.field("conflicts").exists() {
            prime_all(&self.expert_conflicts, &ids).await?;
        }
        if node.field("unavailability").exists() {
            prime_all(&self.expert_unavailability, &ids).await?;
        }
        Ok(())
    }

    /// Feeds the cities of some codes (ranking lines, violations, any page with a city).
    pub async fn prime_city_codes(&self, services: &Services, codes: impl Iterator<Item = String>) {
        let mut codes: Vec<String> = codes.collect();
        codes.sort_unstable();
        codes.dedup();
        if !codes.is_empty() {
            self.cities
                .feed_many(reference::cities_among(&services.cities, &codes))
                .await;
        }
    }

    /// The deductions of several appraisals (an appraisal's history).
    pub async fn prime_appraisal_deductions(&self, ids: &[Uuid]) -> PrimeResult {
        if ids.is_empty() {
            return Ok(());
        }
        prime_all(&self.appraisal_deductions, ids).await
    }

    /// The relations of a page of enterprises (also the directory's, and those nested in
    /// audits and lists).
    pub async fn prime_enterprises(
        &self,
        services: &Services,
        node: Lookahead<'_>,
        models: &[enterprise::Model],
    ) -> PrimeResult {
        let ids: Vec<Uuid> = models.iter().map(|e| e.id).collect();
        if ids.is_empty() {
            return Ok(());
        }
        if node.field("city").exists() {
            self.prime_city_codes(services, models.iter().map(|e| e.city_code.clone()))
                .await;
        }
        if node.field("lastCompletion").exists() {
            let found = self.last_completions.loader().load(&ids).await?;
            self.last_completions.feed_many(found).await;
        }
        let audit_node = node.field("audits");
        if audit_node.exists() {
            // Down to the seats (an enterprise page): every level in one statement.
            let (rows, below) = if audit_node
                .field("reviews")
                .field("panel")
                .field("seats")
                .exists()
            {
                let trees =
                    audits::unguarded::audit_trees_of_enterprises(&services.db, &ids).await?;
                (trees.audits, Some((trees.reviews, trees.panels)))
            } else {
                (self.enterprise_audits.loader().load(&ids).await?, None)
            };
            let list: Vec<audit::Model> = rows.values().flatten().cloned().collect();
            prime(&self.enterprise_audits, &ids, rows).await;
            // Boxed: an audit's enterprise may ask for its audits again.
            Box::pin(self.prime_audits_read_ahead(services, audit_node, &list, below)).await?;
        }
        if node.field("certifications").exists() {
            prime_all(&self.enterprise_certifications, &ids).await?;
        }
        Ok(())
    }

    pub async fn prime_consultancies(
        &self,
        services: &Services,
        node: Lookahead<'_>,
        models: &[consultancy::Model],
    ) -> PrimeResult {
        let ids: Vec<Uuid> = models.iter().map(|c| c.id).collect();
        if ids.is_empty() {
            return Ok(());
        }
        if node.field("city").exists() {
            self.prime_city_codes(services, models.iter().map(|c| c.city_code.clone()))
                .await;
        }
        if node.field("staff").exists() {
            prime_all(&self.consultancy_staff, &ids).await?;
        }
        if node.field("statusHistory").exists() {
            prime_all(&self.consultancy_status_history, &ids).await?;
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
    ) -> PrimeResult {
        self.prime_audits_read_ahead(services, node, models, None)
            .await
    }

    /// [`Self::prime_audits`], given the audits' reviews and their panels when they were read
    /// with the audits.
    async fn prime_audits_read_ahead(
        &self,
        services: &Services,
        node: Lookahead<'_>,
        models: &[audit::Model],
        below: Option<(HashMap<Uuid, Vec<review::Model>>, PanelsOfReviews)>,
    ) -> PrimeResult {
        let ids: Vec<Uuid> = models.iter().map(|a| a.id).collect();
        if ids.is_empty() {
            return Ok(());
        }
        if node.field("city").exists() {
            self.prime_city_codes(services, models.iter().map(|a| a.city_code.clone()))
                .await;
        }
        let enterprise_node = node.field("enterprise");
        if enterprise_node.exists() {
            let wanted = distinct(models.iter().map(|a| a.enterprise_id));
            let found = feed(&self.enterprises, &wanted).await?;
            let list: Vec<enterprise::Model> = found.into_values().collect();
            Box::pin(self.prime_enterprises(services, enterprise_node, &list)).await?;
        }
        if node.field("consultancy").exists() {
            let wanted = distinct(models.iter().filter_map(|a| a.consultancy_id));
            feed(&self.consultancies, &wanted).await?;
        }
        if node.field("leadAuditor").exists() {
            let wanted = distinct(models.iter().filter_map(|a| a.lead_auditor_id));
            feed(&self.staff, &wanted).await?;
        }
        if node.field("history").exists() {
            prime_all(&self.audit_history, &ids).await?;
        }
        let review_node = node.field("reviews");
        if review_node.exists() {
            if review_node.field("panel").exists() {
                // A panel's visibility depends on its audit, looked up by id.
                self.audits
                    .feed_many(models.iter().map(|a| (a.id, a.clone())))
                    .await;
            }
            let (rows, panels) = match below {
                Some((reviews, panels)) => (reviews, Some(panels)),
                None => (self.audit_reviews.loader().load(&ids).await?, None),
            };
            let list: Vec<review::Model> = rows.values().flatten().cloned().collect();
            prime(&self.audit_reviews, &ids, rows).await;
            if review_node.field("panel").exists() {
                // ... and on its review, looked up by id too.
                self.reviews
                    .feed_many(list.iter().map(|r| (r.id, r.clone())))
                    .await;
            }
            self.prime_reviews_read_ahead(services, review_node, &list, panels)
                .await?;
        }
        if node.field("options").exists() {
            prime_all(&self.audit_options, &ids).await?;
        }
        Ok(())
    }

    pub async fn prime_lists(
        &self,
        services: &Services,
        node: Lookahead<'_>,
        models: &[annual_audit_list::Model],
    ) -> PrimeResult {
        let ids: Vec<Uuid> = models.iter().map(|l| l.id).collect();
        if ids.is_empty() {
            return Ok(());
        }
        if node.field("city").exists() {
            self.prime_city_codes(services, models.iter().map(|l| l.city_code.clone()))
                .await;
        }
        let enterprise_node = node.field("enterprises");
        if enterprise_node.exists() {
            let entries = self.list_entries.loader().load(&ids).await?;
            let wanted = distinct(entries.values().flatten().map(|e| e.enterprise_id));
            let found = feed(&self.enterprises, &wanted).await?;
            let list: Vec<enterprise::Model> = found.into_values().collect();
            self.prime_enterprises(services, enterprise_node, &list)
                .await?;
            prime(&self.list_entries, &ids, entries).await;
        }
        if node.field("history").exists() {
            prime_all(&self.list_history, &ids).await?;
        }
        Ok(())
    }

    /// The relations of a page of training sessions.
    pub async fn prime_training_sessions(
        &self,
        services: &Services,
        node: Lookahead<'_>,
        models: &[training_session::Model],
    ) -> PrimeResult {
        let ids: Vec<Uuid> = models.iter().map(|s| s.id).collect();
        if ids.is_empty() {
            return Ok(());
        }
        if node.field("city").exists() {
            self.prime_city_codes(services, models.iter().filter_map(|s| s.city_code.clone()))
                .await;
        }
        if node.field("audiences").exists() {
            prime_all(&self.training_audiences, &ids).await?;
        }
        if node.field("topics").exists() {
            prime_all(&self.training_topics, &ids).await?;
        }
        let attendances = node.field("attendances");
        if attendances.exists() {
            prime_all(&self.training_attendances, &ids).await?;
            // An attendance's session is one of this page's.
            if attendances.field("session").exists() {
                self.training_sessions
                    .feed_many(models.iter().map(|m| (m.id, m.clone())))
                    .await;
            }
        }
        if node.field("planItem").exists() {
            let wanted = distinct(models.iter().filter_map(|s| s.plan_item_id));
            feed(&self.training_plan_items, &wanted).await?;
        }
        Ok(())
    }

    /// The sessions of a plan's items (and their relations when asked for).
    pub async fn prime_plan_items(
        &self,
        services: &Services,
        node: Lookahead<'_>,
        items: &[training_plan_item::Model],
    ) -> PrimeResult {
        let ids: Vec<Uuid> = items.iter().map(|i| i.id).collect();
        if ids.is_empty() {
            return Ok(());
        }
        if node.field("city").exists() {
            self.prime_city_codes(services, items.iter().filter_map(|i| i.city_code.clone()))
                .await;
        }
        let found = self.training_item_sessions.loader().load(&ids).await?;
        let sessions: Vec<training_session::Model> = found.values().flatten().cloned().collect();
        prime(&self.training_item_sessions, &ids, found).await;
        self.prime_training_sessions(services, node.field("sessions"), &sessions)
            .await
    }

    /// The panels of some reviews (an audit's, nested in a deep read), and what the query
    /// asks of them, one query per level. The caller has fed the reviews' audits (a panel's
    /// visibility depends on its audit).
    pub async fn prime_reviews(
        &self,
        services: &Services,
        node: Lookahead<'_>,
        reviews: &[review::Model],
    ) -> PrimeResult {
        self.prime_reviews_read_ahead(services, node, reviews, None)
            .await
    }

    /// [`Self::prime_reviews`], given the reviews' panels and seats when they were read with
    /// the reviews (only when the query asks for the seats).
    async fn prime_reviews_read_ahead(
        &self,
        services: &Services,
        node: Lookahead<'_>,
        reviews: &[review::Model],
        below: Option<PanelsOfReviews>,
    ) -> PrimeResult {
        let panel_node = node.field("panel");
        if reviews.is_empty() || !(panel_node.exists() || node.field("hasPanel").exists()) {
            return Ok(());
        }
        let ids = distinct(reviews.iter().map(|r| r.id));
        // Seats asked for too come with their panels, in one statement.
        let seat_node = panel_node.field("seats");
        let below = match below {
            None if seat_node.exists() => {
                Some(panels::unguarded::panels_with_seats_of_reviews(&services.db, &ids).await?)
            }
            read => read,
        };
        let (mut found, seats) = match below {
            Some(read) => (read.panels, Some((read.seats, read.pool_revision))),
            None => {
                let found = panels::unguarded::panels_of_reviews(&services.db, &ids).await?;
                (found, None)
            }
        };
        let drawn: Vec<panel::Model> = found.values().cloned().collect();
        let values: Vec<(Uuid, Option<panel::Model>)> =
            ids.iter().map(|id| (*id, found.remove(id))).collect();
        self.panel_of_review.feed_many(values).await;
        match seats {
            Some((seats, pool_revision)) => {
                self.feed_seats(services, seat_node, &drawn, seats, pool_revision)
                    .await
            }
            None if panel_node.exists() => self.prime_panels(services, panel_node, &drawn).await,
            None => Ok(()),
        }
    }

    /// The seats of some panels, and the seats' own relations, when the query asks for them.
    pub async fn prime_panels(
        &self,
        services: &Services,
        node: Lookahead<'_>,
        drawn: &[panel::Model],
    ) -> PrimeResult {
        let seat_node = node.field("seats");
        if drawn.is_empty() || !seat_node.exists() {
            return Ok(());
        }
        let ids = distinct(drawn.iter().map(|p| p.id));
        let found = self.panel_seats.loader().load(&ids).await?;
        self.feed_seats(services, seat_node, drawn, found, None)
            .await
    }

    /// Feeds the seats of some panels (none where a panel has none), then their relations.
    /// `pool_revision`: the expert pool's, when it was read with the seats.
    async fn feed_seats(
        &self,
        services: &Services,
        seat_node: Lookahead<'_>,
        drawn: &[panel::Model],
        found: HashMap<Uuid, Vec<panel_seat::Model>>,
        pool_revision: Option<i64>,
    ) -> PrimeResult {
        let ids = distinct(drawn.iter().map(|p| p.id));
        let seats: Vec<panel_seat::Model> = found.values().flatten().cloned().collect();
        prime(&self.panel_seats, &ids, found).await;
        self.prime_seats(services, seat_node, &seats, pool_revision)
            .await
    }

    /// The relations of a page of seats. `pool_revision`: the expert pool's, when it was read
    /// with the seats (their experts are then taken from it without another statement).
    pub async fn prime_seats(
        &self,
        services: &Services,
        node: Lookahead<'_>,
        seats: &[panel_seat::Model],
        pool_revision: Option<i64>,
    ) -> PrimeResult {
        if seats.is_empty() {
            return Ok(());
        }
        if node.field("expert").exists() || node.field("expertName").exists() {
            let wanted = distinct(seats.iter().map(|s| s.expert_id));
            match pool_revision {
                Some(revision) => {
                    let found =
                        experts::unguarded::by_ids_at_revision(services, &wanted, revision).await?;
                    self.experts.feed_many(found).await;
                }
                None => {
                    feed(&self.experts, &wanted).await?;
                }
            }
        }
        if node.field("review").exists() || node.field("panel").exists() {
            let wanted = distinct(seats.iter().map(|s| s.review_id));
            let found = feed(&self.reviews, &wanted).await?;
            // The review's audit decides what the viewer may see of the panel.
            feed(&self.audits, &distinct(found.values().map(|r| r.audit_id))).await?;
        }
        if node.field("panel").exists() {
            feed(&self.panels, &distinct(seats.iter().map(|s| s.panel_id))).await?;
        }
        Ok(())
    }

    /// The relations of a page of findings. `need_links`: load who each finding implicates
    /// even when not asked for (an expert's list is filtered by it).
    pub async fn prime_findings(
        &self,
        node: Lookahead<'_>,
        findings: &[recheck_finding::Model],
        need_links: bool,
    ) -> PrimeResult {
        if findings.is_empty() {
            return Ok(());
        }
        let ids: Vec<Uuid> = findings.iter().map(|f| f.id).collect();
        let implicated_node = node.field("implicatedExperts");
        if implicated_node.exists() || need_links {
            let found = self.implicated_experts.loader().load(&ids).await?;
            if implicated_node.field("expertName").exists()
                || implicated_node.field("expert").exists()
            {
                let wanted = distinct(found.values().flatten().map(|l| l.expert_id));
                feed(&self.experts, &wanted).await?;
            }
            prime(&self.implicated_experts, &ids, found).await;
        }
        if node.field("consultancy").exists() {
            let wanted = distinct(findings.iter().filter_map(|f| f.consultancy_id));
            feed(&self.consultancies, &wanted).await?;
        }
        if node.field("leadAuditor").exists() {
            let wanted = distinct(findings.iter().filter_map(|f| f.lead_auditor_staff_id));
            feed(&self.staff, &wanted).await?;
        }
        if node.field("audit").exists() {
            feed(&self.audits, &distinct(findings.iter().map(|f| f.audit_id))).await?;
        }
        if node.field("review").exists() {
            feed(
                &self.reviews,
                &distinct(findings.iter().map(|f| f.review_id)),
            )
            .await?;
        }
        Ok(())
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

/// Reads a to-many relation of `ids` with its loader's own batch read and primes it.
async fn prime_all<T, V>(loader: &Cached<T>, ids: &[Uuid]) -> PrimeResult
where
    T: Loader<Uuid, Value = Vec<V>, Error = LoadError>,
    V: Send + Sync + Clone + 'static,
{
    let found = loader.loader().load(ids).await?;
    prime(loader, ids, found).await;
    Ok(())
}

/// Reads the rows of `ids` with the loader's own batch read and feeds them.
async fn feed<T, V>(loader: &Cached<T>, ids: &[Uuid]) -> Result<HashMap<Uuid, V>, LoadError>
where
    T: Loader<Uuid, Value = V, Error = LoadError>,
    V: Send + Sync + Clone + 'static,
{
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let found = loader.loader().load(ids).await?;
    loader.feed_many(found.clone()).await;
    Ok(found)
}
