//! What a consultancy is told of a recheck finding about it (RECHECK_FINDING_RECORDED with
//! its response deadline, RECHECK_FINDING_DECIDED when the province confirms or withdraws
//! it): the facts frozen with the notification and their Chinese text.

use serde::{Deserialize, Serialize};

use crate::domain::{FindingKind, FindingStatus, NotificationKind};

/// A recheck finding as it stood when the notification was written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FindingFacts {
    pub finding_id: uuid::Uuid,
    pub enterprise: String,
    pub kind: FindingKind,
    /// The recheck's date.
    pub recheck_date: chrono::NaiveDate,
    /// The last day the consultancy may respond.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_due_on: Option<chrono::NaiveDate>,
    pub status: FindingStatus,
    /// The province's note on confirming, or its reason for withdrawing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl FindingFacts {
    pub fn of(
        finding: &entity::recheck_finding::Model,
        enterprise: &str,
        recheck_date: chrono::NaiveDate,
    ) -> FindingFacts {
        FindingFacts {
            finding_id: finding.id,
            enterprise: enterprise.to_owned(),
            kind: finding.kind,
            recheck_date,
            response_due_on: finding.response_due_on,
            status: finding.status,
            note: finding.decision_note.clone(),
        }
    }
}

/// The title and body of a finding's notification; `None` when the facts do not fit the kind.
pub fn render(kind: NotificationKind, f: &FindingFacts) -> Option<(String, String)> {
    let what = format!(
        "省生态环境厅对{}清洁生产审核的抽查复核（{}）发现的“{}”问题",
        f.enterprise,
        f.recheck_date,
        f.kind.label()
    );
    match (kind, f.status) {
        // Its status as recorded; a decision is a notification of its own.
        (NotificationKind::RecheckFindingRecorded, _) => {
            let due = f.response_due_on?;
            Some((
                format!("复核问题待陈述申辩：{}", f.enterprise),
                format!(
                    "{what}涉及贵机构，已记录待确认。贵机构可于 {due}（含当日）前在系统中提交一次书面陈述申辩；逾期未提交的，省生态环境厅可径行确认。问题经确认后方在全省通报。"
                ),
            ))
        }
        (NotificationKind::RecheckFindingDecided, FindingStatus::Confirmed) => Some((
            format!("复核问题已确认：{}", f.enterprise),
            format!(
                "{what}已经省生态环境厅确认{}，将在全省通报。",
                f.note
                    .as_deref()
                    .map(|n| format!("，说明：{n}"))
                    .unwrap_or_default()
            ),
        )),
        (NotificationKind::RecheckFindingDecided, FindingStatus::Withdrawn) => Some((
            format!("复核问题已撤销：{}", f.enterprise),
            format!(
                "{what}已由省生态环境厅撤销，理由：{}。该问题不予通报。",
                f.note.as_deref()?
            ),
        )),
        _ => None,
    }
}

/// Facts that fit every finding kind's template (for the templates' tests).
#[cfg(test)]
pub fn sample_facts(status: FindingStatus) -> FindingFacts {
    FindingFacts {
        finding_id: uuid::Uuid::nil(),
        enterprise: "太原钢铁".into(),
        kind: FindingKind::Falsification,
        recheck_date: chrono::NaiveDate::from_ymd_opt(2026, 6, 1).expect("date"),
        response_due_on: chrono::NaiveDate::from_ymd_opt(2026, 6, 11),
        status,
        note: Some("经核实".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_says_until_when_the_firm_may_respond() {
        let f = sample_facts(FindingStatus::Recorded);
        let (title, body) =
            render(NotificationKind::RecheckFindingRecorded, &f).expect("a recorded finding");
        assert_eq!(title, "复核问题待陈述申辩：太原钢铁");
        assert!(body.contains("2026-06-11（含当日）前"), "{body}");
        assert!(body.contains("“弄虚作假”问题"), "{body}");
        let mut none = f.clone();
        none.response_due_on = None;
        assert!(render(NotificationKind::RecheckFindingRecorded, &none).is_none());
    }

    #[test]
    fn decided_says_confirmed_or_withdrawn_and_why() {
        let (title, body) = render(
            NotificationKind::RecheckFindingDecided,
            &sample_facts(FindingStatus::Confirmed),
        )
        .expect("confirmed");
        assert_eq!(title, "复核问题已确认：太原钢铁");
        assert!(body.contains("确认，说明：经核实，将在全省通报"), "{body}");
        let (title, body) = render(
            NotificationKind::RecheckFindingDecided,
            &sample_facts(FindingStatus::Withdrawn),
        )
        .expect("withdrawn");
        assert_eq!(title, "复核问题已撤销：太原钢铁");
        assert!(body.contains("理由：经核实。该问题不予通报"), "{body}");
        let mut bare = sample_facts(FindingStatus::Withdrawn);
        bare.note = None;
        assert!(render(NotificationKind::RecheckFindingDecided, &bare).is_none());
        // A recorded finding is not a decision.
        assert!(
            render(
                NotificationKind::RecheckFindingDecided,
                &sample_facts(FindingStatus::Recorded)
            )
            .is_none()
        );
    }
}
