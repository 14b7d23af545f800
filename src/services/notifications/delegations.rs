//! What a county's administrators are told when their city delegates evaluations and
//! acceptances to the county (REVIEWS_DELEGATED) or takes them back (DELEGATION_WITHDRAWN):
//! the facts frozen with the notification and their Chinese text.

use serde::{Deserialize, Serialize};

use crate::domain::NotificationKind;

/// One delegation or withdrawal, for one county.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DelegationFacts {
    pub city: String,
    pub county: String,
    /// The enterprises whose audits it concerns, by name.
    pub enterprises: Vec<String>,
}

/// The title and body of a delegation's notification; `None` for another kind.
pub fn render(kind: NotificationKind, f: &DelegationFacts) -> Option<(String, String)> {
    let names = f.enterprises.join("、");
    let count = f.enterprises.len();
    match kind {
        NotificationKind::ReviewsDelegated => Some((
            format!("评估验收委托：{count}家企业"),
            format!(
                "{}已将{}的清洁生产审核评估、验收委托{}开展。请在系统中安排评审、抽取专家并记录结论。",
                f.city, names, f.county
            ),
        )),
        NotificationKind::DelegationWithdrawn => Some((
            format!("评估验收委托收回：{count}家企业"),
            format!(
                "{}已收回委托{}开展的{}清洁生产审核评估、验收，今后由市级负责。",
                f.city, f.county, names
            ),
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> DelegationFacts {
        DelegationFacts {
            city: "太原市".into(),
            county: "清徐县".into(),
            enterprises: vec!["甲造纸厂".into(), "乙制药厂".into()],
        }
    }

    #[test]
    fn the_county_hears_what_it_now_runs_and_what_it_no_longer_does() {
        assert_eq!(
            render(NotificationKind::ReviewsDelegated, &facts()),
            Some((
                "评估验收委托：2家企业".to_owned(),
                "太原市已将甲造纸厂、乙制药厂的清洁生产审核评估、验收委托清徐县开展。请在系统中安排评审、抽取专家并记录结论。".to_owned()
            ))
        );
        assert_eq!(
            render(NotificationKind::DelegationWithdrawn, &facts()),
            Some((
                "评估验收委托收回：2家企业".to_owned(),
                "太原市已收回委托清徐县开展的甲造纸厂、乙制药厂清洁生产审核评估、验收，今后由市级负责。".to_owned()
            ))
        );
        assert_eq!(render(NotificationKind::PanelInvitation, &facts()), None);
    }
}
