//! Delegating audits' evaluation and acceptance to counties (委托县级开展), and taking them
//! back.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use crate::services::delegation::{self, Delegate};

use super::audits::Audit;
use super::context::{services, viewer};
use super::scalars::{parse_ids, parse_optional_id};

/// What to delegate: either named audits (all or nothing) or every audit a list notified
/// whose sector allows it.
#[derive(InputObject)]
pub struct DelegateReviewsInput {
    /// The audits (at most 500); each must be open and of a sector the plan lets a county
    /// review, else nothing is delegated.
    pub audit_ids: Option<Vec<ID>>,
    /// An annual list: its audits that may go are delegated, the others stay with the city.
    pub list_id: Option<ID>,
}

/// What a delegation did.
#[derive(SimpleObject)]
pub struct ReviewDelegation {
    /// The audits now delegated, each to its enterprise's county.
    pub delegated: Vec<Audit>,
    /// The list's audits that stay with the city: key sectors (能源、钢铁、焦化及煤化工、建材、
    /// 有色、化工、工业涂装), closed, or delegated already.
    pub kept_with_city: Vec<Audit>,
}

/// The audits to take back to the city.
#[derive(InputObject)]
pub struct WithdrawDelegationInput {
    pub audit_ids: Vec<ID>,
}

#[derive(Default)]
pub struct DelegationMutation;

#[Object]
impl DelegationMutation {
    /// Delegates the evaluation and acceptance of audits to their enterprises' counties: the
    /// county's admins (COUNTY_ADMIN) then schedule, draw and record those reviews. The plan
    /// keeps key sectors with the city. The audits' city admins (or the province) only.
    async fn delegate_reviews(
        &self,
        ctx: &Context<'_>,
        input: DelegateReviewsInput,
    ) -> Result<ReviewDelegation> {
        let s = services(ctx)?;
        let audit_ids = input
            .audit_ids
            .as_deref()
            .map(|ids| parse_ids("input.auditIds", ids))
            .transpose()?;
        let list_id = parse_optional_id("input.listId", input.list_id.as_ref())?;
        let done =
            delegation::delegate(&s.db, viewer(ctx), Delegate { audit_ids, list_id }).await?;
        Ok(ReviewDelegation {
            delegated: done.delegated.into_iter().map(Audit).collect(),
            kept_with_city: done.kept_with_city.into_iter().map(Audit).collect(),
        })
    }

    /// Takes delegated audits' reviews back to the city (its admins, or the province).
    async fn withdraw_delegation(
        &self,
        ctx: &Context<'_>,
        input: WithdrawDelegationInput,
    ) -> Result<Vec<Audit>> {
        let s = services(ctx)?;
        let ids = parse_ids("input.auditIds", &input.audit_ids)?;
        let withdrawn = delegation::withdraw(&s.db, viewer(ctx), &ids).await?;
        Ok(withdrawn.into_iter().map(Audit).collect())
    }
}
