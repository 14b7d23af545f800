//! A draw as asked for: the review it is for, whether the viewer organises it, the panel's
//! size and composition, the witness nonce. Checked before the draw queues.

use chrono::NaiveDate;
use entity::{audit, consultancy, enterprise, review};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde_json::{Value as Json, json};
use uuid::Uuid;

use crate::auth::Viewer;
use crate::domain::{ReviewKind, ReviewStatus, Sector};
use crate::error::{AppError, AppResult};
use crate::rules::draw::{Slot, composition_with, default_composition, panel_size};
use crate::rules::eligibility::{ReviewContext, conflict_cutoff};
use crate::services::bulk::select_prefixed;
use crate::services::{Services, panels, today};

/// The witness nonce is kept exactly as typed, up to this many bytes.
const MAX_NONCE_BYTES: usize = 256;

pub struct DrawInput {
    pub review_id: Uuid,
    pub size: Option<i64>,
    pub exclude_same_city: bool,
    pub witness_nonce: Option<String>,
    /// The specific slots wanted, in order; `None` for the plan's default.
    pub composition: Option<Vec<Slot>>,
}

/// A draw asked for and checked, waiting for its turn in the queue.
pub(super) struct DrawJob {
    pub viewer: Viewer,
    pub setting: Setting,
    pub slots: Vec<Slot>,
    pub nonce: String,
    /// The review's open commitment and the random bytes it fixed.
    pub commitment: entity::draw_commitment::Model,
    pub random: [u8; 32],
    /// Whether the panel's outcome must follow from opinion sheets (the setting now).
    pub sheets_required: bool,
}

impl DrawJob {
    /// Checks the request (the organiser, the review still open, the size, the composition
    /// and the nonce) and reads the review's parties.
    pub async fn checked(s: &Services, viewer: &Viewer, input: DrawInput) -> AppResult<DrawJob> {
        viewer.require_official()?;
        let setting = Setting::load(s, viewer, input.review_id, input.exclude_same_city).await?;
        check_open(&setting.review)?;
        let size = panel_size(input.size, setting.kind)
            .map_err(|e| AppError::bad_input("size", e.to_string()))?;
        let slots = match &input.composition {
            Some(required) => composition_with(required, size)
                .map_err(|e| AppError::bad_input("composition", e.to_string()))?,
            None => default_slots(setting.sector, size),
        };
        let nonce = check_nonce(input.witness_nonce)?;
        // A drawn review has no open commitment either: then say what is really wrong (the
        // panel is looked for only then, off the draw's usual path).
        let (commitment, random) = match super::commitments::required(&s.db, input.review_id).await
        {
            Ok(found) => found,
            Err(_) if panels::has_panel(&s.db, input.review_id).await? => {
                return Err(AppError::conflict(
                    "the review already has a panel; replace declined seats instead",
                ));
            }
            Err(missing) => return Err(missing),
        };
        Ok(DrawJob {
            viewer: viewer.clone(),
            setting,
            slots,
            nonce,
            commitment,
            random,
            sheets_required: s.config.opinions.require_sheets,
        })
    }
}

/// A panel changes only while its review is scheduled and its date has not passed.
pub(super) fn check_open(review: &review::Model) -> AppResult<()> {
    if review.status != ReviewStatus::Scheduled {
        return Err(AppError::bad_input(
            "reviewId",
            "the review has been held; its panel can no longer change",
        ));
    }
    if review.review_date < today() {
        return Err(AppError::bad_input(
            "reviewId",
            format!("the review date {} has passed", review.review_date),
        ));
    }
    Ok(())
}

/// The witness nonce exactly as typed (it goes into the seed byte for byte).
pub fn check_nonce(nonce: Option<String>) -> AppResult<String> {
    let nonce = nonce.unwrap_or_default();
    if nonce.len() > MAX_NONCE_BYTES {
        return Err(AppError::bad_input(
            "witnessNonce",
            format!("must be at most {MAX_NONCE_BYTES} bytes"),
        ));
    }
    if nonce.chars().any(char::is_control) {
        return Err(AppError::bad_input(
            "witnessNonce",
            "must not contain control characters",
        ));
    }
    Ok(nonce)
}

/// 32 bytes from the operating system's random source.
pub fn os_random() -> AppResult<[u8; 32]> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| AppError::internal(format!("OS random source failed: {e}")))?;
    Ok(bytes)
}

/// The plan's default composition; an enterprise outside the catalogue's sectors gets an
/// INDUSTRY_PROCESS expert of any sector in the first slot.
pub fn default_slots(sector: Option<Sector>, size: u8) -> Vec<Slot> {
    match sector {
        Some(sector) => default_composition(sector, size),
        None => {
            let mut slots = default_composition(Sector::Energy, size);
            if let Some(first) = slots.first_mut() {
                first.sector = None;
            }
            slots
        }
    }
}

/// The review a draw is for, with what eligibility is judged on.
pub(super) struct Setting {
    pub review: review::Model,
    pub audit: audit::Model,
    pub kind: ReviewKind,
    pub ctx: ReviewContext,
    pub sector: Option<Sector>,
    /// For the experts' invitations.
    pub enterprise_name: String,
}

impl Setting {
    /// Reads the review with its parties and checks that the viewer organises it.
    pub async fn load(
        s: &Services,
        viewer: &Viewer,
        review_id: Uuid,
        exclude_same_city: bool,
    ) -> AppResult<Setting> {
        let (review, audit, enterprise, consultancy) =
            review_with_parties(&s.db, review_id).await?;
        panels::require_organiser(viewer, review.organiser_city_code.as_deref(), &audit)?;
        let kind = review.kind;
        let ctx = ReviewContext {
            review_date: review.review_date,
            kind,
            enterprise_credit_code: enterprise.credit_code,
            enterprise_city_code: enterprise.city_code,
            consultancy_credit_code: consultancy.map(|c| c.credit_code),
            exclude_same_city,
            seat_cap: s.config.seat_cap,
        };
        Ok(Setting {
            review,
            audit,
            kind,
            ctx,
            sector: enterprise.sector,
            enterprise_name: enterprise.name,
        })
    }

    /// The review as its invitations state it.
    pub fn review_facts(&self) -> crate::services::notifications::ReviewFacts {
        crate::services::notifications::ReviewFacts::of(&self.review, &self.enterprise_name)
    }

    pub fn review_date(&self) -> NaiveDate {
        self.ctx.review_date
    }

    /// The review facts eligibility was judged on, kept with each round for its reader.
    pub fn context_json(&self) -> Json {
        json!({
            "reviewKind": self.kind.as_str(),
            "reviewDate": self.ctx.review_date,
            "enterpriseId": self.audit.enterprise_id,
            "enterpriseCreditCode": self.ctx.enterprise_credit_code,
            "enterpriseCityCode": self.ctx.enterprise_city_code,
            "consultancyCreditCode": self.ctx.consultancy_credit_code,
            "excludeSameCity": self.ctx.exclude_same_city,
            "seatCap": self.ctx.seat_cap,
            "conflictCutoff": conflict_cutoff(self.ctx.review_date),
        })
    }
}

/// A review with its audit, the audit's enterprise and its consultancy (if any), read in
/// one statement: every draw's request reads them before it queues.
async fn review_with_parties(
    db: &impl ConnectionTrait,
    review_id: Uuid,
) -> AppResult<(
    review::Model,
    audit::Model,
    enterprise::Model,
    Option<consultancy::Model>,
)> {
    let mut select = Query::select();
    select_prefixed::<review::Entity>(&mut select, "r_");
    select_prefixed::<audit::Entity>(&mut select, "a_");
    select_prefixed::<enterprise::Entity>(&mut select, "e_");
    select_prefixed::<consultancy::Entity>(&mut select, "c_");
    select
        .from(review::Entity)
        .inner_join(
            audit::Entity,
            Expr::col((audit::Entity, audit::Column::Id))
                .equals((review::Entity, review::Column::AuditId)),
        )
        .inner_join(
            enterprise::Entity,
            Expr::col((enterprise::Entity, enterprise::Column::Id))
                .equals((audit::Entity, audit::Column::EnterpriseId)),
        )
        .left_join(
            consultancy::Entity,
            Expr::col((consultancy::Entity, consultancy::Column::Id))
                .equals((audit::Entity, audit::Column::ConsultancyId)),
        )
        .and_where(Expr::col((review::Entity, review::Column::Id)).eq(review_id));
    let row = db
        .query_one(&select)
        .await?
        .ok_or_else(|| AppError::not_found("Review", review_id))?;
    let review = review::Model::from_query_result(&row, "r_")?;
    let audit = audit::Model::from_query_result(&row, "a_")?;
    let enterprise = enterprise::Model::from_query_result(&row, "e_")?;
    let consultancy = match audit.consultancy_id {
        Some(_) => Some(consultancy::Model::from_query_result(&row, "c_")?),
        None => None,
    };
    Ok((review, audit, enterprise, consultancy))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ExpertiseKind;

    #[test]
    fn the_nonce_is_kept_as_typed_within_its_limits() {
        assert_eq!(check_nonce(None).ok(), Some(String::new()));
        assert_eq!(
            check_nonce(Some(" 见证 42 ".into())).ok().as_deref(),
            Some(" 见证 42 ")
        );
        assert!(check_nonce(Some("a".repeat(MAX_NONCE_BYTES))).is_ok());
        assert!(check_nonce(Some("a".repeat(MAX_NONCE_BYTES + 1))).is_err());
        assert!(check_nonce(Some("line\nbreak".into())).is_err());
    }

    #[test]
    fn an_enterprise_outside_the_sectors_gets_any_sector_in_the_first_slot() {
        let slots = default_slots(None, 5);
        assert_eq!(slots.len(), 5);
        assert_eq!(slots[0].sector, None);
        assert_eq!(slots[0].kind, Some(ExpertiseKind::IndustryProcess));
        assert_eq!(slots[1..], default_slots(Some(Sector::Energy), 5)[1..]);
        assert_eq!(
            default_slots(Some(Sector::Steel), 5)[0].sector,
            Some(Sector::Steel)
        );
    }

    #[test]
    fn two_draws_never_get_the_same_randomness() {
        assert_ne!(os_random().ok(), os_random().ok());
    }
}
