//! What each notification says, in Chinese: one template per kind, filled from the facts
//! frozen with the notification (`params`). Kept here so the wording is reviewed like code.

use serde::{Deserialize, Serialize};

use crate::domain::{DeadlineKind, NotificationKind, ReviewKind, ReviewOutcome};

/// The review a notification is about, as it stood when the notification was written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReviewFacts {
    pub review_id: uuid::Uuid,
    pub kind: ReviewKind,
    pub enterprise: String,
    pub date: chrono::NaiveDate,
    /// `HH:MM`, China time, when set.
    pub start_time: Option<String>,
    pub venue: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
}

/// A decision on an enterprise's application to extend its acceptance deadline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExtensionFacts {
    pub audit_id: uuid::Uuid,
    pub enterprise: String,
    pub granted: bool,
    /// The date applied for.
    pub until: chrono::NaiveDate,
    pub reason: String,
}

/// An audit's current deadline, for a reminder.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeadlineFacts {
    pub audit_id: uuid::Uuid,
    pub enterprise: String,
    pub kind: DeadlineKind,
    pub due: chrono::NaiveDate,
    /// Days left when the reminder was written (negative: overdue).
    pub days_left: i64,
}

/// A notification's facts, by kind (each kind fills the parts its template reads).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Params {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<ReviewFacts>,
    /// The seat invited (PANEL_INVITATION).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seat_id: Option<uuid::Uuid>,
    /// What changed (REVIEW_MEETING_CHANGED): the fields' names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changed: Vec<String>,
    /// The outcome recorded (REVIEW_OUTCOME_RECORDED) and its score.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<ReviewOutcome>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<String>,
    /// EXTENSION_DECIDED.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<ExtensionFacts>,
    /// DEADLINE_APPROACHING, DEADLINE_MISSED.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<DeadlineFacts>,
}

impl ReviewFacts {
    /// The review's facts now, with its enterprise's name.
    pub fn of(review: &entity::review::Model, enterprise: &str) -> ReviewFacts {
        ReviewFacts {
            review_id: review.id,
            kind: review.kind,
            enterprise: enterprise.to_owned(),
            date: review.review_date,
            start_time: review.starts_at.map(crate::rules::meetings::china_clock),
            venue: review.venue.clone(),
            contact_name: review.contact_name.clone(),
            contact_phone: review.contact_phone.clone(),
        }
    }
}

const TO_BE_ANNOUNCED: &str = "另行通知";

fn when(r: &ReviewFacts) -> String {
    match &r.start_time {
        Some(time) => format!("{} {}（北京时间）", r.date, time),
        None => format!("{}（具体时间{}）", r.date, TO_BE_ANNOUNCED),
    }
}

fn contact(r: &ReviewFacts) -> String {
    match (&r.contact_name, &r.contact_phone) {
        (Some(name), Some(phone)) => format!("{name} {phone}"),
        (Some(name), None) => name.clone(),
        (None, Some(phone)) => phone.clone(),
        (None, None) => TO_BE_ANNOUNCED.to_owned(),
    }
}

fn review_name(r: &ReviewFacts) -> String {
    format!("{}清洁生产审核{}", r.enterprise, r.kind.label())
}

fn venue(r: &ReviewFacts) -> &str {
    r.venue.as_deref().unwrap_or(TO_BE_ANNOUNCED)
}

fn changed_label(field: &str) -> &str {
    match field {
        "startsAt" => "开始时间",
        "venue" => "地点",
        "contactName" => "联系人",
        "contactPhone" => "联系电话",
        "note" => "备注",
        other => other,
    }
}

/// The title and body a reader sees; `None` when the facts stored do not fit the kind.
pub fn render(kind: NotificationKind, p: &Params) -> Option<(String, String)> {
    match kind {
        NotificationKind::PanelInvitation => {
            let r = p.review.as_ref()?;
            Some((
                format!("评审专家邀请：{}", review_name(r)),
                format!(
                    "您被随机抽取为{}的评审专家。时间：{}；地点：{}；联系人：{}。请在评审日前确认或谢绝（谢绝请说明理由）；与该企业或其咨询机构有利害关系的，请谢绝并说明。",
                    review_name(r),
                    when(r),
                    venue(r),
                    contact(r)
                ),
            ))
        }
        NotificationKind::ReviewMeetingChanged => {
            let r = p.review.as_ref()?;
            let changed: Vec<&str> = p.changed.iter().map(|f| changed_label(f)).collect();
            Some((
                format!("评审会议变更：{}", review_name(r)),
                format!(
                    "{}评审会议的{}已变更。现安排为：时间 {}；地点 {}；联系人 {}。",
                    review_name(r),
                    changed.join("、"),
                    when(r),
                    venue(r),
                    contact(r)
                ),
            ))
        }
        NotificationKind::ReviewOutcomeRecorded => {
            let r = p.review.as_ref()?;
            let outcome = p.outcome?;
            let score = p
                .score
                .as_deref()
                .map(|s| format!("，得分 {s}"))
                .unwrap_or_default();
            Some((
                format!("评审结论：{}{}", review_name(r), outcome.label()),
                format!(
                    "{}（{}）的评审结论已录入：{}{score}。",
                    review_name(r),
                    r.date,
                    outcome.label()
                ),
            ))
        }
        NotificationKind::ExtensionDecided => {
            let e = p.extension.as_ref()?;
            let decided = if e.granted {
                "已批准"
            } else {
                "未获批准"
            };
            Some((
                format!("延期验收申请{decided}：{}", e.enterprise),
                format!(
                    "{}申请将验收期限延至 {}，{decided}。理由：{}",
                    e.enterprise, e.until, e.reason
                ),
            ))
        }
        NotificationKind::DeadlineApproaching => {
            let d = p.deadline.as_ref()?;
            Some((
                format!("期限临近：{}：{}", d.enterprise, d.kind.label()),
                format!(
                    "{}清洁生产审核“{}”的期限为 {}，还剩 {} 天，请按期完成。",
                    d.enterprise,
                    d.kind.label(),
                    d.due,
                    d.days_left
                ),
            ))
        }
        NotificationKind::DeadlineMissed => {
            let d = p.deadline.as_ref()?;
            Some((
                format!("期限已过：{}：{}", d.enterprise, d.kind.label()),
                format!(
                    "{}清洁生产审核“{}”的期限 {} 已过，尚未完成，请尽快办理并与所在市生态环境主管部门联系。",
                    d.enterprise,
                    d.kind.label(),
                    d.due
                ),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> ReviewFacts {
        ReviewFacts {
            review_id: uuid::Uuid::nil(),
            kind: ReviewKind::Evaluation,
            enterprise: "太原钢铁".into(),
            date: chrono::NaiveDate::from_ymd_opt(2026, 6, 10).expect("date"),
            start_time: Some("09:30".into()),
            venue: Some("太原市迎泽大街1号".into()),
            contact_name: Some("王科长".into()),
            contact_phone: Some("0351-1234567".into()),
        }
    }

    #[test]
    fn an_invitation_says_when_where_and_whom_to_call() {
        let (title, body) = render(
            NotificationKind::PanelInvitation,
            &Params {
                review: Some(facts()),
                seat_id: Some(uuid::Uuid::nil()),
                ..Default::default()
            },
        )
        .expect("text");
        assert_eq!(title, "评审专家邀请：太原钢铁清洁生产审核评估");
        for part in [
            "2026-06-10 09:30（北京时间）",
            "太原市迎泽大街1号",
            "王科长 0351-1234567",
        ] {
            assert!(body.contains(part), "{body}");
        }
    }

    #[test]
    fn unknown_details_are_to_be_announced() {
        let mut r = facts();
        r.start_time = None;
        r.venue = None;
        r.contact_name = None;
        r.contact_phone = None;
        let (_, body) = render(
            NotificationKind::ReviewMeetingChanged,
            &Params {
                review: Some(r),
                changed: vec!["venue".into(), "startsAt".into()],
                ..Default::default()
            },
        )
        .expect("text");
        assert!(
            body.starts_with("太原钢铁清洁生产审核评估评审会议的地点、开始时间已变更"),
            "{body}"
        );
        assert!(body.contains("2026-06-10（具体时间另行通知）"), "{body}");
        assert!(body.contains("地点 另行通知"), "{body}");
    }

    #[test]
    fn outcomes_and_extension_decisions() {
        let (title, body) = render(
            NotificationKind::ReviewOutcomeRecorded,
            &Params {
                review: Some(facts()),
                outcome: Some(ReviewOutcome::Passed),
                score: Some("86.5".into()),
                ..Default::default()
            },
        )
        .expect("text");
        assert_eq!(title, "评审结论：太原钢铁清洁生产审核评估通过");
        assert!(body.contains("通过，得分 86.5"), "{body}");
        let (title, body) = render(
            NotificationKind::ExtensionDecided,
            &Params {
                extension: Some(ExtensionFacts {
                    audit_id: uuid::Uuid::nil(),
                    enterprise: "太原钢铁".into(),
                    granted: false,
                    until: chrono::NaiveDate::from_ymd_opt(2027, 3, 1).expect("date"),
                    reason: "理由不充分".into(),
                }),
                ..Default::default()
            },
        )
        .expect("text");
        assert_eq!(title, "延期验收申请未获批准：太原钢铁");
        assert!(
            body.contains("2027-03-01") && body.contains("理由不充分"),
            "{body}"
        );
        // Facts that do not fit the kind give no text.
        assert!(render(NotificationKind::ExtensionDecided, &Params::default()).is_none());
    }
}
