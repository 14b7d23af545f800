//! What each notification says, in Chinese: one template per kind, filled from the facts
//! frozen with the notification (`params`). Kept here so the wording is reviewed like code.

use serde::{Deserialize, Serialize};

use crate::domain::{
    AnnualListStatus, DeadlineKind, DirectoryAction, DirectoryReasonKind, NotificationKind,
    ReviewKind, ReviewOutcome, SeatStatus,
};
use crate::rules::reminders::Duty;

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

/// A city's duty on the plan's calendar, for a reminder (ANNUAL_LIST_DUE, NOTICES_DUE,
/// SUMMARY_DUE).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DutyFacts {
    pub city_code: String,
    pub city: String,
    /// The list's year; for the summary, the year summarised.
    pub year: i32,
    pub due: chrono::NaiveDate,
    /// Days left when the reminder was written (negative: overdue).
    pub days_left: i64,
    /// The city's list of the year as it stood (`None`: no list yet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list_status: Option<AnnualListStatus>,
}

/// A city's annual audit list as submitted (ANNUAL_LIST_SUBMITTED).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListFacts {
    pub list_id: uuid::Uuid,
    pub city_code: String,
    pub city: String,
    pub year: i32,
    pub enterprises: u64,
    pub submitted_on: chrono::NaiveDate,
    /// Submitted after the end of February.
    pub late: bool,
}

/// A city's application to change the directory (DIRECTORY_APPLICATION_SUBMITTED) and, once
/// decided, the decision (DIRECTORY_APPLICATION_DECIDED).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryFacts {
    pub application_id: uuid::Uuid,
    pub enterprise: String,
    pub city_code: String,
    pub city: String,
    pub action: DirectoryAction,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since_year: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason_kind: Option<DirectoryReasonKind>,
    pub reason: String,
    /// The decision, when made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision_reason: Option<String>,
}

/// A city's written notice to an enterprise (AUDIT_NOTICE_ISSUED) and the dates it starts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NoticeFacts {
    pub audit_id: uuid::Uuid,
    pub enterprise: String,
    pub city: String,
    pub year: i32,
    pub notice_date: chrono::NaiveDate,
    /// The notice's document number (文号).
    pub notice_number: String,
    pub disclosure_due: chrono::NaiveDate,
    pub start_due: chrono::NaiveDate,
    pub report_due: chrono::NaiveDate,
}

/// A city's yearly work summary as submitted (SUMMARY_SUBMITTED) and, once decided, the
/// province's decision (SUMMARY_DECIDED).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SummaryFacts {
    pub summary_id: uuid::Uuid,
    pub city_code: String,
    pub city: String,
    pub year: i32,
    pub submitted_on: chrono::NaiveDate,
    /// Submitted after 31 March of the next year.
    pub late: bool,
    /// The decision, when made: received (true) or returned (false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received: Option<bool>,
    /// Why it was returned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_reason: Option<String>,
}

/// A training session and the participant a notification is about (TRAINING_*).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrainingFacts {
    pub session_id: uuid::Uuid,
    pub title: String,
    pub organiser: String,
    /// The first day and `HH:MM`, China time.
    pub starts_on: chrono::NaiveDate,
    pub start_time: String,
    pub location: String,
    /// The participant's name as enrolled (a firm's accounts hear of their staff).
    pub participant: String,
    /// Why the session was cancelled (TRAINING_CANCELLED).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl TrainingFacts {
    /// The session's facts now, for `participant`.
    pub fn of(session: &entity::training_session::Model, participant: &str) -> TrainingFacts {
        TrainingFacts {
            session_id: session.id,
            title: session.title.clone(),
            organiser: session.organiser.clone(),
            starts_on: crate::rules::deadlines::today_in_china(session.starts_at),
            start_time: crate::rules::meetings::china_clock(session.starts_at),
            location: session.location.clone(),
            participant: participant.to_owned(),
            reason: session.cancel_reason.clone(),
        }
    }
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
    /// Why a seat was declined (SEAT_DECLINED, SEAT_RELEASED), when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The seat's status the day before (REVIEW_REMINDER): still INVITED asks for an answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seat_status: Option<SeatStatus>,
    /// Days left to the review (REVIEW_ARRANGEMENT_DUE, RECHECK_DUE; negative: passed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days_left: Option<i64>,
    /// What the review still lacks (REVIEW_ARRANGEMENT_DUE): `panel`, `startsAt`, `venue`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
    /// ANNUAL_LIST_DUE, NOTICES_DUE, SUMMARY_DUE.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duty: Option<DutyFacts>,
    /// ANNUAL_LIST_SUBMITTED.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list: Option<ListFacts>,
    /// TRAINING_ENROLLED, TRAINING_REMINDER, TRAINING_CANCELLED.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub training: Option<TrainingFacts>,
    /// DIRECTORY_APPLICATION_SUBMITTED, DIRECTORY_APPLICATION_DECIDED.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub directory: Option<DirectoryFacts>,
    /// SUMMARY_SUBMITTED, SUMMARY_DECIDED.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<SummaryFacts>,
    /// AUDIT_NOTICE_ISSUED.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice: Option<NoticeFacts>,
    /// RECHECK_FINDING_RECORDED, RECHECK_FINDING_DECIDED.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finding: Option<super::findings::FindingFacts>,
    /// REVIEWS_DELEGATED, DELEGATION_WITHDRAWN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delegation: Option<super::delegations::DelegationFacts>,
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

fn missing_label(field: &str) -> &str {
    match field {
        "panel" => "抽取评审专家",
        "startsAt" => "确定开始时间",
        "venue" => "确定会议地点",
        other => other,
    }
}

/// `，理由：…` when a reason was given.
fn because(reason: Option<&str>) -> String {
    reason.map(|r| format!("，理由：{r}")).unwrap_or_default()
}

/// Where the city's list stands, as a duty's reminder says it.
fn list_standing(status: Option<AnnualListStatus>) -> &'static str {
    match status {
        None => "本市尚未建立该年度名单",
        Some(AnnualListStatus::Draft) => "名单尚未报送",
        Some(AnnualListStatus::Submitted) => "名单已报送，待省生态环境厅核定",
        Some(AnnualListStatus::Approved) => "名单已核定，尚未公布下达",
        Some(AnnualListStatus::Published) => "名单已公布",
    }
}

fn duty_text(duty: Duty, d: &DutyFacts) -> (String, String) {
    let late = d.days_left < 0;
    let city_year = format!("{}{}年", d.city, d.year);
    match duty {
        Duty::AnnualList => {
            let what = "年度强制性清洁生产审核企业名单";
            let title = if late {
                format!("年度名单报送已逾期：{city_year}")
            } else {
                format!("年度名单报送期限临近：{city_year}")
            };
            let state = list_standing(d.list_status);
            let body = if late {
                format!(
                    "{city_year}{what}应于 {} 前报送省生态环境厅，{state}，已逾期，请尽快报送。",
                    d.due
                )
            } else {
                format!(
                    "{city_year}{what}应于 {} 前报送省生态环境厅，还剩 {} 天；{state}。",
                    d.due, d.days_left
                )
            };
            (title, body)
        }
        Duty::Notices => {
            let what = format!("{city_year}度名单内企业的强制性清洁生产审核书面通知");
            let title = if late {
                format!("书面通知下达已逾期：{city_year}")
            } else {
                format!("书面通知下达期限临近：{city_year}")
            };
            let state = list_standing(d.list_status);
            let body = if late {
                format!("{what}应于 {} 前下达，{state}，已逾期，请尽快办理。", d.due)
            } else {
                format!(
                    "{what}应于 {} 前下达（名单经省生态环境厅核定公布后下达），还剩 {} 天；{state}。",
                    d.due, d.days_left
                )
            };
            (title, body)
        }
        Duty::Summary => (
            format!("年度工作总结报送提醒：{city_year}度"),
            format!(
                "请于 {} 前将{city_year}度清洁生产工作总结报送省生态环境厅（还剩 {} 天），内容包括企业实施的无低费、中高费方案及其经济效益和环境效益、组织评估和验收的结果等；本系统的年度汇总可供参考。",
                d.due, d.days_left
            ),
        ),
    }
}

/// What a directory application asks, as the notifications say it.
fn directory_change(d: &DirectoryFacts) -> String {
    match (d.action, d.since_year) {
        (DirectoryAction::Add, Some(year)) => {
            format!("将{}纳入名录总库（自{year}年起）", d.enterprise)
        }
        (DirectoryAction::Add, None) => format!("将{}纳入名录总库", d.enterprise),
        (DirectoryAction::Remove, _) => format!("将{}移出名录总库", d.enterprise),
    }
}

/// The applicant's reason: its kind, when given, before the words.
fn directory_reason(d: &DirectoryFacts) -> String {
    match d.reason_kind {
        Some(kind) => format!("{}（{}）", kind.label(), d.reason),
        None => d.reason.clone(),
    }
}

fn training_when(t: &TrainingFacts) -> String {
    format!("{} {}（北京时间）", t.starts_on, t.start_time)
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
        NotificationKind::SeatReleased => {
            let r = p.review.as_ref()?;
            Some((
                format!("评审席位已释放：{}", review_name(r)),
                format!(
                    "您在{}（{}）评审专家组中的席位已由组织单位代为谢绝{}，您无需出席。如有疑问，请联系：{}。",
                    review_name(r),
                    r.date,
                    because(p.reason.as_deref()),
                    contact(r)
                ),
            ))
        }
        NotificationKind::ReviewReminder => {
            let r = p.review.as_ref()?;
            let ask = if p.seat_status == Some(SeatStatus::Invited) {
                "您尚未答复邀请，请尽快确认或谢绝。"
            } else {
                "请准时出席并签到。"
            };
            Some((
                format!("明日评审：{}", review_name(r)),
                format!(
                    "您受邀参加的{}将于 {}举行；地点：{}；联系人：{}。{ask}",
                    review_name(r),
                    when(r),
                    venue(r),
                    contact(r)
                ),
            ))
        }
        NotificationKind::SeatDeclined => {
            let r = p.review.as_ref()?;
            Some((
                format!("专家谢绝，待补抽：{}", review_name(r)),
                format!(
                    "{}（{}）评审专家组有一名专家谢绝了邀请{}，该席位尚无替补，请在评审日前补抽。",
                    review_name(r),
                    r.date,
                    because(p.reason.as_deref())
                ),
            ))
        }
        NotificationKind::ReviewArrangementDue => {
            let r = p.review.as_ref()?;
            let days_left = p.days_left?;
            let missing: Vec<&str> = p.missing.iter().map(|f| missing_label(f)).collect();
            if missing.is_empty() {
                return None;
            }
            Some((
                format!("评审待安排：{}", review_name(r)),
                format!(
                    "{}定于 {}（还剩 {days_left} 天），尚未{}，请及时安排。",
                    review_name(r),
                    r.date,
                    missing.join("、")
                ),
            ))
        }
        NotificationKind::AnnualListDue => Some(duty_text(Duty::AnnualList, p.duty.as_ref()?)),
        NotificationKind::NoticesDue => Some(duty_text(Duty::Notices, p.duty.as_ref()?)),
        NotificationKind::SummaryDue => Some(duty_text(Duty::Summary, p.duty.as_ref()?)),
        NotificationKind::AnnualListSubmitted => {
            let l = p.list.as_ref()?;
            let late = if l.late { "（逾期报送）" } else { "" };
            Some((
                format!("年度名单已报送：{}{}年", l.city, l.year),
                format!(
                    "{}于 {} 报送了{}年度强制性清洁生产审核企业名单{late}，共 {} 家企业，请核定。",
                    l.city, l.submitted_on, l.year, l.enterprises
                ),
            ))
        }
        NotificationKind::RecheckDue => {
            let r = p.review.as_ref()?;
            let days_left = p.days_left?;
            Some(if days_left < 0 {
                (
                    format!("复核逾期：{}", review_name(r)),
                    format!(
                        "{}原定于 {}，尚未录入复核结论，请尽快办理。",
                        review_name(r),
                        r.date
                    ),
                )
            } else {
                (
                    format!("复核临近：{}", review_name(r)),
                    format!(
                        "{}定于 {}（还剩 {days_left} 天），请按时组织复核并录入结论。",
                        review_name(r),
                        r.date
                    ),
                )
            })
        }
        NotificationKind::TrainingEnrolled => {
            let t = p.training.as_ref()?;
            Some((
                format!("培训报名成功：{}", t.title),
                format!(
                    "{}已报名参加{}举办的“{}”。时间：{}；地点：{}。",
                    t.participant,
                    t.organiser,
                    t.title,
                    training_when(t),
                    t.location
                ),
            ))
        }
        NotificationKind::TrainingReminder => {
            let t = p.training.as_ref()?;
            Some((
                format!("明日培训：{}", t.title),
                format!(
                    "{}报名参加的“{}”将于 {}开始；地点：{}。请准时参加并签到。",
                    t.participant,
                    t.title,
                    training_when(t),
                    t.location
                ),
            ))
        }
        NotificationKind::TrainingCancelled => {
            let t = p.training.as_ref()?;
            Some((
                format!("培训取消：{}", t.title),
                format!(
                    "{}原定于 {} 举办的“{}”已取消{}。{}的报名随之取消。",
                    t.organiser,
                    training_when(t),
                    t.title,
                    t.reason
                        .as_deref()
                        .map(|r| format!("，原因：{r}"))
                        .unwrap_or_default(),
                    t.participant
                ),
            ))
        }
        NotificationKind::DirectoryApplicationSubmitted => {
            let d = p.directory.as_ref()?;
            Some((
                format!("名录调整申请待审核：{}{}", d.city, d.action.label()),
                format!(
                    "{}申请{}，理由：{}。请审核（批准或说明理由不予批准）。",
                    d.city,
                    directory_change(d),
                    directory_reason(d)
                ),
            ))
        }
        NotificationKind::DirectoryApplicationDecided => {
            let d = p.directory.as_ref()?;
            let (decided, verdict) = if d.approved? {
                ("已批准", "已批准")
            } else {
                ("未获批准", "不予批准")
            };
            Some((
                format!("名录调整申请{decided}：{}", d.enterprise),
                format!(
                    "{}申请{}，省生态环境厅{verdict}{}。",
                    d.city,
                    directory_change(d),
                    because(d.decision_reason.as_deref())
                ),
            ))
        }
        NotificationKind::SummarySubmitted => {
            let y = p.summary.as_ref()?;
            let late = if y.late { "（逾期报送）" } else { "" };
            Some((
                format!("年度工作总结已报送：{}{}年", y.city, y.year),
                format!(
                    "{}于 {} 报送了{}年度清洁生产审核工作总结{late}，请接收或说明理由退回。",
                    y.city, y.submitted_on, y.year
                ),
            ))
        }
        NotificationKind::SummaryDecided => {
            let y = p.summary.as_ref()?;
            Some(if y.received? {
                (
                    format!("年度工作总结已接收：{}年", y.year),
                    format!(
                        "{}{}年度清洁生产审核工作总结已由省生态环境厅接收。",
                        y.city, y.year
                    ),
                )
            } else {
                (
                    format!("年度工作总结被退回：{}年", y.year),
                    format!(
                        "{}{}年度清洁生产审核工作总结被省生态环境厅退回{}。请修改后重新报送。",
                        y.city,
                        y.year,
                        because(y.return_reason.as_deref())
                    ),
                )
            })
        }
        NotificationKind::AuditNoticeIssued => {
            let n = p.notice.as_ref()?;
            Some((
                format!("清洁生产审核书面通知：{}年", n.year),
                format!(
                    "{}已向{}下达{}年度强制性清洁生产审核书面通知（{}，{}）。请于 {} 前公布审核信息，{} 前开展审核，{} 前报送审核报告。",
                    n.city,
                    n.enterprise,
                    n.year,
                    n.notice_number,
                    n.notice_date,
                    n.disclosure_due,
                    n.start_due,
                    n.report_due
                ),
            ))
        }
        NotificationKind::RecheckFindingRecorded | NotificationKind::RecheckFindingDecided => {
            super::findings::render(kind, p.finding.as_ref()?)
        }
        NotificationKind::ReviewsDelegated | NotificationKind::DelegationWithdrawn => {
            super::delegations::render(kind, p.delegation.as_ref()?)
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

    fn notice_facts() -> NoticeFacts {
        NoticeFacts {
            audit_id: uuid::Uuid::nil(),
            enterprise: "太原钢铁".into(),
            city: "太原市".into(),
            year: 2026,
            notice_date: day(3, 20),
            notice_number: "并环发〔2026〕12号".into(),
            disclosure_due: day(4, 20),
            start_due: day(5, 20),
            report_due: chrono::NaiveDate::from_ymd_opt(2027, 3, 20).expect("date"),
        }
    }

    #[test]
    fn a_written_notice_gives_the_enterprise_its_dates() {
        let facts = notice_facts();
        let (title, body) = text(
            NotificationKind::AuditNoticeIssued,
            Params {
                notice: Some(facts),
                ..Default::default()
            },
        );
        assert_eq!(title, "清洁生产审核书面通知：2026年");
        assert_eq!(
            body,
            "太原市已向太原钢铁下达2026年度强制性清洁生产审核书面通知（并环发〔2026〕12号，2026-03-20）。请于 2026-04-20 前公布审核信息，2026-05-20 前开展审核，2027-03-20 前报送审核报告。"
        );
        assert!(render(NotificationKind::AuditNoticeIssued, &Params::default()).is_none());
    }

    fn text(kind: NotificationKind, params: Params) -> (String, String) {
        render(kind, &params).unwrap_or_else(|| panic!("{kind}: no text"))
    }

    fn day(m: u32, d: u32) -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2026, m, d).expect("date")
    }

    #[test]
    fn an_expert_released_or_reminded() {
        let (title, body) = text(
            NotificationKind::SeatReleased,
            Params {
                review: Some(facts()),
                seat_id: Some(uuid::Uuid::nil()),
                reason: Some("专家住院".into()),
                ..Default::default()
            },
        );
        assert_eq!(title, "评审席位已释放：太原钢铁清洁生产审核评估");
        assert!(body.contains("代为谢绝，理由：专家住院"), "{body}");
        assert!(body.contains("王科长 0351-1234567"), "{body}");

        let invited = Params {
            review: Some(facts()),
            seat_id: Some(uuid::Uuid::nil()),
            seat_status: Some(SeatStatus::Invited),
            ..Default::default()
        };
        let (title, body) = text(NotificationKind::ReviewReminder, invited.clone());
        assert_eq!(title, "明日评审：太原钢铁清洁生产审核评估");
        assert!(body.contains("2026-06-10 09:30（北京时间）"), "{body}");
        assert!(body.contains("太原市迎泽大街1号"), "{body}");
        assert!(body.ends_with("请尽快确认或谢绝。"), "{body}");
        let confirmed = Params {
            seat_status: Some(SeatStatus::Confirmed),
            ..invited
        };
        let (_, body) = text(NotificationKind::ReviewReminder, confirmed);
        assert!(body.ends_with("请准时出席并签到。"), "{body}");
    }

    #[test]
    fn the_organiser_hears_of_declines_gaps_and_rechecks() {
        let (title, body) = text(
            NotificationKind::SeatDeclined,
            Params {
                review: Some(facts()),
                seat_id: Some(uuid::Uuid::nil()),
                reason: None,
                ..Default::default()
            },
        );
        assert_eq!(title, "专家谢绝，待补抽：太原钢铁清洁生产审核评估");
        assert!(body.contains("谢绝了邀请，该席位尚无替补"), "{body}");

        let (title, body) = text(
            NotificationKind::ReviewArrangementDue,
            Params {
                review: Some(facts()),
                days_left: Some(7),
                missing: vec!["panel".into(), "startsAt".into()],
                ..Default::default()
            },
        );
        assert_eq!(title, "评审待安排：太原钢铁清洁生产审核评估");
        assert!(
            body.contains("2026-06-10（还剩 7 天），尚未抽取评审专家、确定开始时间"),
            "{body}"
        );
        // Nothing missing: nothing to say.
        assert!(
            render(
                NotificationKind::ReviewArrangementDue,
                &Params {
                    review: Some(facts()),
                    days_left: Some(7),
                    ..Default::default()
                }
            )
            .is_none()
        );

        let mut recheck = facts();
        recheck.kind = ReviewKind::Recheck;
        let (title, body) = text(
            NotificationKind::RecheckDue,
            Params {
                review: Some(recheck.clone()),
                days_left: Some(1),
                ..Default::default()
            },
        );
        assert_eq!(title, "复核临近：太原钢铁清洁生产审核抽查复核");
        assert!(body.contains("还剩 1 天"), "{body}");
        let (title, body) = text(
            NotificationKind::RecheckDue,
            Params {
                review: Some(recheck),
                days_left: Some(-1),
                ..Default::default()
            },
        );
        assert_eq!(title, "复核逾期：太原钢铁清洁生产审核抽查复核");
        assert!(body.contains("尚未录入复核结论"), "{body}");
    }

    fn duty(year: i32, due: chrono::NaiveDate, days_left: i64) -> Params {
        Params {
            duty: Some(DutyFacts {
                city_code: "140100".into(),
                city: "太原市".into(),
                year,
                due,
                days_left,
                list_status: Some(AnnualListStatus::Draft),
            }),
            ..Default::default()
        }
    }

    #[test]
    fn a_citys_calendar() {
        let (title, body) = text(NotificationKind::AnnualListDue, duty(2026, day(2, 28), 7));
        assert_eq!(title, "年度名单报送期限临近：太原市2026年");
        assert!(
            body.contains("应于 2026-02-28 前报送省生态环境厅，还剩 7 天；名单尚未报送"),
            "{body}"
        );
        let (title, body) = text(NotificationKind::AnnualListDue, duty(2026, day(2, 28), -1));
        assert_eq!(title, "年度名单报送已逾期：太原市2026年");
        assert!(body.contains("已逾期"), "{body}");

        let mut params = duty(2026, day(3, 31), 30);
        if let Some(d) = params.duty.as_mut() {
            d.list_status = Some(AnnualListStatus::Approved);
        }
        let (title, body) = text(NotificationKind::NoticesDue, params);
        assert_eq!(title, "书面通知下达期限临近：太原市2026年");
        assert!(
            body.starts_with(
                "太原市2026年度名单内企业的强制性清洁生产审核书面通知应于 2026-03-31 前下达"
            ),
            "{body}"
        );
        assert!(body.contains("名单已核定，尚未公布下达"), "{body}");
        let (title, _) = text(NotificationKind::NoticesDue, duty(2026, day(3, 31), -2));
        assert_eq!(title, "书面通知下达已逾期：太原市2026年");

        let (title, body) = text(NotificationKind::SummaryDue, duty(2025, day(3, 31), 7));
        assert_eq!(title, "年度工作总结报送提醒：太原市2025年度");
        assert!(
            body.starts_with("请于 2026-03-31 前将太原市2025年度清洁生产工作总结报送省生态环境厅"),
            "{body}"
        );
        assert!(render(NotificationKind::SummaryDue, &Params::default()).is_none());
    }

    #[test]
    fn the_province_hears_of_a_list_submitted() {
        let (title, body) = text(
            NotificationKind::AnnualListSubmitted,
            Params {
                list: Some(ListFacts {
                    list_id: uuid::Uuid::nil(),
                    city_code: "140100".into(),
                    city: "太原市".into(),
                    year: 2026,
                    enterprises: 12,
                    submitted_on: day(3, 2),
                    late: true,
                }),
                ..Default::default()
            },
        );
        assert_eq!(title, "年度名单已报送：太原市2026年");
        assert_eq!(
            body,
            "太原市于 2026-03-02 报送了2026年度强制性清洁生产审核企业名单（逾期报送），共 12 家企业，请核定。"
        );
    }

    #[test]
    fn the_city_summaries() {
        let mut facts = SummaryFacts {
            summary_id: uuid::Uuid::nil(),
            city_code: "140100".into(),
            city: "太原市".into(),
            year: 2025,
            submitted_on: chrono::NaiveDate::from_ymd_opt(2026, 4, 2).expect("date"),
            late: true,
            received: None,
            return_reason: None,
        };
        let params = |y: &SummaryFacts| Params {
            summary: Some(y.clone()),
            ..Default::default()
        };
        let (title, body) = text(NotificationKind::SummarySubmitted, params(&facts));
        assert_eq!(title, "年度工作总结已报送：太原市2025年");
        assert_eq!(
            body,
            "太原市于 2026-04-02 报送了2025年度清洁生产审核工作总结（逾期报送），请接收或说明理由退回。"
        );
        // Undecided: nothing to tell the city.
        assert!(render(NotificationKind::SummaryDecided, &params(&facts)).is_none());
        facts.received = Some(false);
        facts.return_reason = Some("未说明存在问题".into());
        let (title, body) = text(NotificationKind::SummaryDecided, params(&facts));
        assert_eq!(title, "年度工作总结被退回：2025年");
        assert_eq!(
            body,
            "太原市2025年度清洁生产审核工作总结被省生态环境厅退回，理由：未说明存在问题。请修改后重新报送。"
        );
        facts.received = Some(true);
        facts.return_reason = None;
        let (title, body) = text(NotificationKind::SummaryDecided, params(&facts));
        assert_eq!(title, "年度工作总结已接收：2025年");
        assert_eq!(
            body,
            "太原市2025年度清洁生产审核工作总结已由省生态环境厅接收。"
        );
    }

    #[test]
    fn the_directory_applications() {
        let mut facts = DirectoryFacts {
            application_id: uuid::Uuid::nil(),
            enterprise: "太原钢铁".into(),
            city_code: "140100".into(),
            city: "太原市".into(),
            action: DirectoryAction::Remove,
            since_year: None,
            reason_kind: Some(DirectoryReasonKind::Closed),
            reason: "2026年6月整体关停".into(),
            approved: None,
            decision_reason: None,
        };
        let params = |d: &DirectoryFacts| Params {
            directory: Some(d.clone()),
            ..Default::default()
        };
        let (title, body) = text(
            NotificationKind::DirectoryApplicationSubmitted,
            params(&facts),
        );
        assert_eq!(title, "名录调整申请待审核：太原市移出名录");
        assert_eq!(
            body,
            "太原市申请将太原钢铁移出名录总库，理由：关停（2026年6月整体关停）。请审核（批准或说明理由不予批准）。"
        );
        facts.approved = Some(false);
        facts.decision_reason = Some("尚未完成关停验收".into());
        let (title, body) = text(
            NotificationKind::DirectoryApplicationDecided,
            params(&facts),
        );
        assert_eq!(title, "名录调整申请未获批准：太原钢铁");
        assert_eq!(
            body,
            "太原市申请将太原钢铁移出名录总库，省生态环境厅不予批准，理由：尚未完成关停验收。"
        );
        facts.action = DirectoryAction::Add;
        facts.since_year = Some(2026);
        facts.approved = Some(true);
        facts.decision_reason = None;
        let (title, body) = text(
            NotificationKind::DirectoryApplicationDecided,
            params(&facts),
        );
        assert_eq!(title, "名录调整申请已批准：太原钢铁");
        assert_eq!(
            body,
            "太原市申请将太原钢铁纳入名录总库（自2026年起），省生态环境厅已批准。"
        );
        // An undecided application has no decision to tell.
        facts.approved = None;
        assert!(
            render(
                NotificationKind::DirectoryApplicationDecided,
                &params(&facts)
            )
            .is_none()
        );
    }

    #[test]
    fn training_participants() {
        let training = TrainingFacts {
            session_id: uuid::Uuid::nil(),
            title: "清洁生产审核方法".into(),
            organiser: "山西省生态环境厅".into(),
            starts_on: day(6, 12),
            start_time: "09:00".into(),
            location: "太原市迎泽大街1号".into(),
            participant: "张三".into(),
            reason: None,
        };
        let (title, body) = text(
            NotificationKind::TrainingEnrolled,
            Params {
                training: Some(training.clone()),
                ..Default::default()
            },
        );
        assert_eq!(title, "培训报名成功：清洁生产审核方法");
        assert_eq!(
            body,
            "张三已报名参加山西省生态环境厅举办的“清洁生产审核方法”。时间：2026-06-12 09:00（北京时间）；地点：太原市迎泽大街1号。"
        );
        let (title, body) = text(
            NotificationKind::TrainingReminder,
            Params {
                training: Some(training.clone()),
                ..Default::default()
            },
        );
        assert_eq!(title, "明日培训：清洁生产审核方法");
        assert!(
            body.contains("将于 2026-06-12 09:00（北京时间）开始；"),
            "{body}"
        );
        let (title, body) = text(
            NotificationKind::TrainingCancelled,
            Params {
                training: Some(TrainingFacts {
                    reason: Some("场地调整".into()),
                    ..training
                }),
                ..Default::default()
            },
        );
        assert_eq!(title, "培训取消：清洁生产审核方法");
        assert!(
            body.contains("已取消，原因：场地调整。张三的报名随之取消。"),
            "{body}"
        );
    }

    #[test]
    fn every_kind_has_a_template() {
        // Facts of every part: each kind finds what it reads.
        let all = Params {
            review: Some(facts()),
            seat_id: Some(uuid::Uuid::nil()),
            outcome: Some(ReviewOutcome::Passed),
            days_left: Some(3),
            missing: vec!["venue".into()],
            ..duty(2026, day(2, 28), 3)
        };
        let all = Params {
            extension: Some(ExtensionFacts {
                audit_id: uuid::Uuid::nil(),
                enterprise: "太原钢铁".into(),
                granted: true,
                until: day(9, 1),
                reason: "设备改造".into(),
            }),
            deadline: Some(DeadlineFacts {
                audit_id: uuid::Uuid::nil(),
                enterprise: "太原钢铁".into(),
                kind: DeadlineKind::Disclosure,
                due: day(6, 1),
                days_left: 3,
            }),
            list: Some(ListFacts {
                list_id: uuid::Uuid::nil(),
                city_code: "140100".into(),
                city: "太原市".into(),
                year: 2026,
                enterprises: 1,
                submitted_on: day(2, 1),
                late: false,
            }),
            training: Some(TrainingFacts {
                session_id: uuid::Uuid::nil(),
                title: "培训".into(),
                organiser: "太原市生态环境局".into(),
                starts_on: day(6, 1),
                start_time: "09:00".into(),
                location: "太原".into(),
                participant: "张三".into(),
                reason: None,
            }),
            directory: Some(DirectoryFacts {
                application_id: uuid::Uuid::nil(),
                enterprise: "太原钢铁".into(),
                city_code: "140100".into(),
                city: "太原市".into(),
                action: DirectoryAction::Add,
                since_year: Some(2026),
                reason_kind: None,
                reason: "新建项目".into(),
                approved: Some(true),
                decision_reason: None,
            }),
            summary: Some(SummaryFacts {
                summary_id: uuid::Uuid::nil(),
                city_code: "140100".into(),
                city: "太原市".into(),
                year: 2025,
                submitted_on: day(3, 2),
                late: false,
                received: Some(true),
                return_reason: None,
            }),
            notice: Some(notice_facts()),
            finding: Some(super::super::findings::sample_facts(
                crate::domain::FindingStatus::Confirmed,
            )),
            delegation: Some(super::super::delegations::DelegationFacts {
                city: "太原市".into(),
                county: "清徐县".into(),
                enterprises: vec!["甲造纸厂".into()],
            }),
            ..all
        };
        for kind in NotificationKind::ALL {
            let (title, body) = render(*kind, &all).unwrap_or_else(|| panic!("{kind}"));
            assert!(!title.is_empty() && !body.is_empty(), "{kind}");
        }
        // The facts survive their storage.
        let stored = serde_json::to_string(&all).expect("json");
        assert_eq!(serde_json::from_str::<Params>(&stored).expect("facts"), all);
    }
}
