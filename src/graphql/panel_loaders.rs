//! DataLoaders of panels, seats, draw rounds and recheck findings, built per request like
//! the others in `loaders.rs` (they sit under `Loaders::panels`), with the priming that keeps
//! a page of seats or findings at a fixed number of queries.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::Lookahead;
use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use entity::{
    expert, panel, panel_draw, panel_seat, recheck_finding, recheck_finding_expert, review,
};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::services::{Services, audits, consultancies, experts, panels, rechecks};

use super::loaders::{Cached, Loaders};

fn cached<T: Loader<K>, K>(loader: T) -> Cached<T>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
{
    DataLoader::with_cache(loader, tokio::spawn, HashMapCache::default())
}

pub struct PanelLoaders {
    pub panels: Cached<PanelLoader>,
    pub by_review: Cached<PanelByReviewLoader>,
    pub seats: Cached<PanelSeatsLoader>,
    pub draws: Cached<PanelDrawsLoader>,
    pub reviews: Cached<ReviewLoader>,
    pub experts: Cached<ExpertLoader>,
    pub review_findings: Cached<ReviewFindingsLoader>,
    pub consultancy_findings: Cached<ConsultancyFindingsLoader>,
    pub staff_findings: Cached<StaffFindingsLoader>,
    pub expert_findings: Cached<ExpertFindingsLoader>,
    pub implicated: Cached<ImplicatedLoader>,
}

impl PanelLoaders {
    pub fn new(services: &Arc<Services>) -> PanelLoaders {
        let s = services.clone();
        PanelLoaders {
            panels: cached(PanelLoader(s.clone())),
            by_review: cached(PanelByReviewLoader(s.clone())),
            seats: cached(PanelSeatsLoader(s.clone())),
            draws: cached(PanelDrawsLoader(s.clone())),
            reviews: cached(ReviewLoader(s.clone())),
            experts: cached(ExpertLoader(s.clone())),
            review_findings: cached(ReviewFindingsLoader(s.clone())),
            consultancy_findings: cached(ConsultancyFindingsLoader(s.clone())),
            staff_findings: cached(StaffFindingsLoader(s.clone())),
            expert_findings: cached(ExpertFindingsLoader(s.clone())),
            implicated: cached(ImplicatedLoader(s)),
        }
    }
}

fn distinct(ids: impl Iterator<Item = Uuid>) -> Vec<Uuid> {
    let mut ids: Vec<Uuid> = ids.collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Feeds every id, with an empty list where the batch found nothing.
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

impl Loaders {
    /// The panels of some reviews (an audit's, nested in a deep read), and what the query
    /// asks of them, one query per level. The caller has fed the reviews' audits (a panel's
    /// visibility depends on its audit).
    pub async fn prime_reviews(
        &self,
        services: &Services,
        node: Lookahead<'_>,
        reviews: &[review::Model],
    ) -> AppResult<()> {
        let panel_node = node.field("panel");
        if reviews.is_empty() || !(panel_node.exists() || node.field("hasPanel").exists()) {
            return Ok(());
        }
        let ids = distinct(reviews.iter().map(|r| r.id));
        // Seats asked for too come with their panels, in one statement.
        let seat_node = panel_node.field("seats");
        let (mut found, seats) = if seat_node.exists() {
            let (found, seats) =
                panels::unguarded::panels_with_seats_of_reviews(&services.db, &ids).await?;
            (found, Some(seats))
        } else {
            (
                panels::unguarded::panels_of_reviews(&services.db, &ids).await?,
                None,
            )
        };
        let drawn: Vec<panel::Model> = found.values().cloned().collect();
        let values: Vec<(Uuid, Option<panel::Model>)> =
            ids.iter().map(|id| (*id, found.remove(id))).collect();
        self.panels.by_review.feed_many(values).await;
        match seats {
            Some(seats) => self.feed_seats(services, seat_node, &drawn, seats).await,
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
    ) -> AppResult<()> {
        let seat_node = node.field("seats");
        if drawn.is_empty() || !seat_node.exists() {
            return Ok(());
        }
        let ids = distinct(drawn.iter().map(|p| p.id));
        let found = panels::unguarded::seats_of(&services.db, &ids).await?;
        self.feed_seats(services, seat_node, drawn, found).await
    }

    /// Feeds the seats of some panels (none where a panel has none), then their relations.
    async fn feed_seats(
        &self,
        services: &Services,
        seat_node: Lookahead<'_>,
        drawn: &[panel::Model],
        found: HashMap<Uuid, Vec<panel_seat::Model>>,
    ) -> AppResult<()> {
        let ids = distinct(drawn.iter().map(|p| p.id));
        let seats: Vec<panel_seat::Model> = found.values().flatten().cloned().collect();
        prime(&self.panels.seats, &ids, found).await;
        self.prime_seats(services, seat_node, &seats).await
    }

    /// The relations of a page of seats, one query per relation asked for.
    pub async fn prime_seats(
        &self,
        services: &Services,
        node: Lookahead<'_>,
        seats: &[panel_seat::Model],
    ) -> AppResult<()> {
        if seats.is_empty() {
            return Ok(());
        }
        let db = &services.db;
        if node.field("expert").exists() || node.field("expertName").exists() {
            let ids = distinct(seats.iter().map(|s| s.expert_id));
            self.panels
                .experts
                .feed_many(experts::by_ids(services, &ids).await?)
                .await;
        }
        let review_node = node.field("review");
        if review_node.exists() || node.field("panel").exists() {
            let ids = distinct(seats.iter().map(|s| s.review_id));
            let found = panels::unguarded::reviews_by_ids(db, &ids).await?;
            let audit_ids = distinct(found.values().map(|r| r.audit_id));
            self.panels.reviews.feed_many(found).await;
            // The review's audit decides what the viewer may see of the panel.
            self.audits
                .feed_many(audits::by_ids(db, &audit_ids).await?)
                .await;
        }
        if node.field("panel").exists() {
            let ids = distinct(seats.iter().map(|s| s.panel_id));
            self.panels
                .panels
                .feed_many(panels::unguarded::panels_by_ids(db, &ids).await?)
                .await;
        }
        Ok(())
    }

    /// The relations of a page of findings, one query per relation asked for.
    /// `need_links`: load who each finding implicates even when not asked for (an expert's
    /// list is filtered by it).
    pub async fn prime_findings(
        &self,
        services: &Services,
        node: Lookahead<'_>,
        findings: &[recheck_finding::Model],
        need_links: bool,
    ) -> AppResult<()> {
        if findings.is_empty() {
            return Ok(());
        }
        let db = &services.db;
        let ids: Vec<Uuid> = findings.iter().map(|f| f.id).collect();
        let implicated_node = node.field("implicatedExperts");
        if implicated_node.exists() || need_links {
            let found = rechecks::implicated_of(db, &ids).await?;
            if implicated_node.field("expertName").exists()
                || implicated_node.field("expert").exists()
            {
                let experts_wanted = distinct(found.values().flatten().map(|l| l.expert_id));
                self.panels
                    .experts
                    .feed_many(experts::by_ids(services, &experts_wanted).await?)
                    .await;
            }
            prime(&self.panels.implicated, &ids, found).await;
        }
        if node.field("consultancy").exists() {
            let wanted = distinct(findings.iter().filter_map(|f| f.consultancy_id));
            if !wanted.is_empty() {
                self.consultancies
                    .feed_many(consultancies::by_ids(db, &wanted).await?)
                    .await;
            }
        }
        if node.field("leadAuditor").exists() {
            let wanted = distinct(findings.iter().filter_map(|f| f.lead_auditor_staff_id));
            if !wanted.is_empty() {
                self.staff
                    .feed_many(consultancies::staff_by_ids(db, &wanted).await?)
                    .await;
            }
        }
        if node.field("audit").exists() {
            let wanted = distinct(findings.iter().map(|f| f.audit_id));
            self.audits
                .feed_many(audits::by_ids(db, &wanted).await?)
                .await;
        }
        if node.field("review").exists() {
            let wanted = distinct(findings.iter().map(|f| f.review_id));
            self.panels
                .reviews
                .feed_many(panels::unguarded::reviews_by_ids(db, &wanted).await?)
                .await;
        }
        Ok(())
    }
}

type LoadError = async_graphql::Error;

fn to_load_error(err: AppError) -> LoadError {
    err.into()
}

macro_rules! panel_loader {
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

panel_loader!(PanelLoader, panel::Model, panels::unguarded::panels_by_ids);
/// A review's panel; `None` (cached too) for a review without one yet.
pub struct PanelByReviewLoader(Arc<Services>);

impl Loader<Uuid> for PanelByReviewLoader {
    type Value = Option<panel::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Option<panel::Model>>, LoadError> {
        let mut found = panels::unguarded::panels_of_reviews(&self.0.db, keys)
            .await
            .map_err(to_load_error)?;
        Ok(keys.iter().map(|id| (*id, found.remove(id))).collect())
    }
}

panel_loader!(
    PanelSeatsLoader,
    Vec<panel_seat::Model>,
    panels::unguarded::seats_of
);
panel_loader!(
    PanelDrawsLoader,
    Vec<panel_draw::Model>,
    panels::unguarded::draws_of
);
panel_loader!(
    ReviewLoader,
    review::Model,
    panels::unguarded::reviews_by_ids
);
panel_loader!(
    ReviewFindingsLoader,
    Vec<recheck_finding::Model>,
    rechecks::findings_of_reviews
);
panel_loader!(
    ConsultancyFindingsLoader,
    Vec<recheck_finding::Model>,
    rechecks::findings_of_consultancies
);
panel_loader!(
    StaffFindingsLoader,
    Vec<recheck_finding::Model>,
    rechecks::findings_of_staff
);
panel_loader!(
    ExpertFindingsLoader,
    Vec<recheck_finding::Model>,
    rechecks::findings_of_experts
);
panel_loader!(
    ImplicatedLoader,
    Vec<recheck_finding_expert::Model>,
    rechecks::implicated_of
);

/// Experts with their personal data decrypted (the `Expert` type masks it per viewer).
pub struct ExpertLoader(Arc<Services>);

impl Loader<Uuid> for ExpertLoader {
    type Value = expert::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, expert::Model>, LoadError> {
        experts::by_ids(&self.0, keys).await.map_err(to_load_error)
    }
}
