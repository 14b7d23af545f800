//! Domain vocabulary shared by the entities, the rules, the services and the GraphQL layer.
//!
//! Each enum is stored in the database as its SCREAMING_SNAKE_CASE name (a plain string
//! column), so that SQLite and PostgreSQL hold the same text and a new variant needs no
//! database type migration. The entities' columns have these types (sea-orm's string value
//! type), so a row read is already typed: a stored name the code does not know fails the read
//! (an internal error), and no caller parses names by hand. The GraphQL enum names are the
//! same strings; the GraphQL derive is behind the `graphql` feature, which the server turns on,
//! so the migrations need no GraphQL.

use std::fmt;
use std::str::FromStr;

/// Declares a domain enum with its database/GraphQL name and, where people read it,
/// its Chinese label.
macro_rules! domain_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $( $(#[$vmeta:meta])* $variant:ident => $db:literal, $label:literal ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, sea_orm::DeriveValueType)]
        #[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
        #[sea_orm(value_type = "String")]
        pub enum $name {
            $( $(#[$vmeta])* #[cfg_attr(feature = "graphql", graphql(name = $db))] $variant ),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored and GraphQL name.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $db),+ }
            }

            /// The Chinese label shown to people (reports, `label` fields).
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            /// Every (name, label) pair, for the API's label lookup (`enumLabels`).
            pub const LABELS: &'static [(&'static str, &'static str)] = &[$(($db, $label)),+];
        }

        // Written into audit-log and draw-record JSON by its stored name.
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        // Read back from stored JSON (notification facts) by the same name.
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let name = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(deserializer)?;
                name.parse().map_err(|_| {
                    serde::de::Error::custom(format!("unknown {} {name:?}", stringify!($name)))
                })
            }
        }

        // Some join tables key on (id, enum); a database never generates such a key.
        impl sea_orm::TryFromU64 for $name {
            fn try_from_u64(_: u64) -> Result<Self, sea_orm::DbErr> {
                Err(sea_orm::DbErr::ConvertFromU64(stringify!($name)))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownVariant;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($db => Ok($name::$variant),)+
                    _ => Err(UnknownVariant { kind: stringify!($name), value: s.to_owned() }),
                }
            }
        }
    };
}

/// A stored string that names no variant: the database holds something the code does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} value {value:?}")]
pub struct UnknownVariant {
    pub kind: &'static str,
    pub value: String,
}

domain_enum! {
    /// Who a user is; decides what they may read and write.
    Role {
        ProvinceAdmin => "PROVINCE_ADMIN", "省级管理员",
        CityAdmin => "CITY_ADMIN", "市级管理员",
        CountyAdmin => "COUNTY_ADMIN", "县级管理员",
        Expert => "EXPERT", "专家",
        Consultancy => "CONSULTANCY", "咨询机构",
        Enterprise => "ENTERPRISE", "企业",
    }
}

domain_enum! {
    /// The 13 sectors of the plan's annex.
    Sector {
        Energy => "ENERGY", "能源",
        Steel => "STEEL", "钢铁",
        CokingCoalChemical => "COKING_COAL_CHEMICAL", "焦化及煤化工",
        BuildingMaterials => "BUILDING_MATERIALS", "建材",
        Nonferrous => "NONFERROUS", "有色",
        Chemical => "CHEMICAL", "化工",
        Dyeing => "DYEING", "印染",
        Paper => "PAPER", "造纸",
        Pharmaceutical => "PHARMACEUTICAL", "制药",
        Electroplating => "ELECTROPLATING", "电镀",
        AgriFood => "AGRI_FOOD", "农副食品加工",
        IndustrialCoating => "INDUSTRIAL_COATING", "工业涂装",
        PackagingPrinting => "PACKAGING_PRINTING", "包装印刷",
    }
}

domain_enum! {
    /// Which enterprise scales a catalogue row covers.
    ScaleRule {
        All => "ALL", "所有",
        LargeMedium => "LARGE_MEDIUM", "大中型",
        LargeMediumSmall => "LARGE_MEDIUM_SMALL", "大中小型",
    }
}

domain_enum! {
    /// The extra condition a catalogue row puts on an enterprise.
    CatalogCondition {
        /// Coal mining rows: firms without a mining operation are out.
        ExcludesWithoutMiningOperation => "EXCLUDES_WITHOUT_MINING_OPERATION", "不含无采矿工序的企业",
        /// Divisions 33–43: only firms with an industrial-coating process.
        OnlyWithCoatingProcess => "ONLY_WITH_COATING_PROCESS", "仅含涉及工业涂装工序的企业",
    }
}

domain_enum! {
    /// Enterprise scale by the 2017 statistical rule for industry.
    EnterpriseScale {
        Large => "LARGE", "大型",
        Medium => "MEDIUM", "中型",
        Small => "SMALL", "小型",
        Micro => "MICRO", "微型",
    }
}

domain_enum! {
    ExpertiseKind {
        IndustryProcess => "INDUSTRY_PROCESS", "行业工艺",
        Environmental => "ENVIRONMENTAL", "环境保护",
        Energy => "ENERGY", "节能",
        AuditMethod => "AUDIT_METHOD", "审核方法",
    }
}

domain_enum! {
    /// Life of an expert in the provincial pool (dynamic management).
    ExpertStatus {
        Candidate => "CANDIDATE", "候选",
        Active => "ACTIVE", "在库",
        Suspended => "SUSPENDED", "暂停",
        Removed => "REMOVED", "出库",
    }
}

domain_enum! {
    Gender {
        Male => "MALE", "男",
        Female => "FEMALE", "女",
    }
}

domain_enum! {
    /// Professional title (职称).
    ProfessionalTitle {
        FullSenior => "FULL_SENIOR", "正高级",
        Senior => "SENIOR", "副高级",
        Intermediate => "INTERMEDIATE", "中级",
        Junior => "JUNIOR", "初级",
        None => "NONE", "无",
    }
}

domain_enum! {
    /// The tie behind a conflict of interest (回避).
    ConflictKind {
        Employment => "EMPLOYMENT", "任职",
        Directorship => "DIRECTORSHIP", "董事/高管",
        Shareholding => "SHAREHOLDING", "持股",
        Kinship => "KINSHIP", "亲属关系",
        Consulting => "CONSULTING", "咨询服务",
        Other => "OTHER", "其他",
    }
}

domain_enum! {
    ConsultancyStatus {
        Active => "ACTIVE", "正常",
        Suspended => "SUSPENDED", "暂停",
        Blacklisted => "BLACKLISTED", "黑名单",
        Deregistered => "DEREGISTERED", "注销",
    }
}

domain_enum! {
    /// STRICT when the firm uses much energy or water, emits much or handles priority
    /// controlled chemicals; SIMPLIFIED otherwise (the plan's 两精简).
    AuditMode {
        Strict => "STRICT", "全面审核",
        Simplified => "SIMPLIFIED", "简化审核",
    }
}

domain_enum! {
    AnnualListStatus {
        Draft => "DRAFT", "草稿",
        Submitted => "SUBMITTED", "已报送",
        Approved => "APPROVED", "已批准",
        Published => "PUBLISHED", "已公布",
    }
}

domain_enum! {
    AuditStatus {
        Notified => "NOTIFIED", "已通知",
        InProgress => "IN_PROGRESS", "审核中",
        ReportSubmitted => "REPORT_SUBMITTED", "报告已提交",
        EvaluationFailed => "EVALUATION_FAILED", "评估未通过",
        EvaluationPassed => "EVALUATION_PASSED", "评估通过（待验收）",
        ClosedOnEvaluation => "CLOSED_ON_EVALUATION", "评估通过（免于验收）",
        AcceptanceFailed => "ACCEPTANCE_FAILED", "验收未通过",
        Accepted => "ACCEPTED", "验收通过",
    }
}

domain_enum! {
    ReviewKind {
        Evaluation => "EVALUATION", "评估",
        Acceptance => "ACCEPTANCE", "验收",
        Recheck => "RECHECK", "抽查复核",
    }
}

domain_enum! {
    ReviewOutcome {
        Passed => "PASSED", "通过",
        Failed => "FAILED", "未通过",
    }
}

domain_enum! {
    /// What a notification tells its reader (the templates in `services::notifications`).
    NotificationKind {
        /// An expert drawn for a panel: the review, its time, venue and contact.
        PanelInvitation => "PANEL_INVITATION", "评审专家邀请",
        /// A seated expert's review meeting changed after the draw.
        ReviewMeetingChanged => "REVIEW_MEETING_CHANGED", "评审会议变更",
        /// An evaluation's, acceptance's or recheck's outcome, to the audit's parties.
        ReviewOutcomeRecorded => "REVIEW_OUTCOME_RECORDED", "评审结论",
        /// The city's decision on an acceptance extension, to the audit's parties.
        ExtensionDecided => "EXTENSION_DECIDED", "延期验收决定",
        /// An audit's current deadline is near (a set number of days before).
        DeadlineApproaching => "DEADLINE_APPROACHING", "期限临近",
        /// An audit's current deadline passed unmet.
        DeadlineMissed => "DEADLINE_MISSED", "期限已过",
        /// An expert's seat released by someone else (the organiser declined it for them).
        SeatReleased => "SEAT_RELEASED", "评审席位已释放",
        /// A seated expert's review is tomorrow.
        ReviewReminder => "REVIEW_REMINDER", "评审前一日提醒",
        /// To the organiser: a seated expert declined; the seat waits for a replacement.
        SeatDeclined => "SEAT_DECLINED", "专家谢绝待补抽",
        /// To the organiser: a review within a week still lacks its panel or meeting time.
        ReviewArrangementDue => "REVIEW_ARRANGEMENT_DUE", "评审待安排",
        /// To a city's admins: the year's audit list is not submitted (due end of February).
        AnnualListDue => "ANNUAL_LIST_DUE", "年度名单报送提醒",
        /// To a city's admins: the year's written notices are not out (due end of March).
        NoticesDue => "NOTICES_DUE", "书面通知下达提醒",
        /// To a city's admins: last year's work summary is due (end of March).
        SummaryDue => "SUMMARY_DUE", "年度工作总结报送提醒",
        /// To the province: a city submitted its annual audit list.
        AnnualListSubmitted => "ANNUAL_LIST_SUBMITTED", "年度名单已报送",
        /// To the organiser of a recheck: its date is near, or passed without an outcome.
        RecheckDue => "RECHECK_DUE", "复核提醒",
        /// A training participant's enrolment.
        TrainingEnrolled => "TRAINING_ENROLLED", "培训报名确认",
        /// A training participant's session starts tomorrow.
        TrainingReminder => "TRAINING_REMINDER", "培训前一日提醒",
        /// A training session a participant enrolled in was cancelled.
        TrainingCancelled => "TRAINING_CANCELLED", "培训取消",
        /// To the province: a city applied to add an enterprise to the directory or remove it.
        DirectoryApplicationSubmitted => "DIRECTORY_APPLICATION_SUBMITTED", "名录调整申请待审核",
        /// To the applying city: the province approved or refused its directory application.
        DirectoryApplicationDecided => "DIRECTORY_APPLICATION_DECIDED", "名录调整申请审核结果",
        /// To the province: a city submitted its yearly work summary.
        SummarySubmitted => "SUMMARY_SUBMITTED", "年度工作总结已报送",
        /// To the submitting city: the province received or returned its yearly summary.
        SummaryDecided => "SUMMARY_DECIDED", "年度工作总结审核结果",
        /// To an enterprise: the city's written notice to audit (书面通知), its dates.
        AuditNoticeIssued => "AUDIT_NOTICE_ISSUED", "清洁生产审核书面通知",
        /// To a consultancy: a recheck finding about it was recorded; its response deadline.
        RecheckFindingRecorded => "RECHECK_FINDING_RECORDED", "复核问题待陈述申辩",
        /// To a consultancy: the province confirmed or withdrew a recheck finding about it.
        RecheckFindingDecided => "RECHECK_FINDING_DECIDED", "复核问题确认结果",
        /// To a county's administrators: their city delegated audits' evaluation and
        /// acceptance to the county.
        ReviewsDelegated => "REVIEWS_DELEGATED", "评估验收委托",
        /// To a county's administrators: their city took delegated reviews back.
        DelegationWithdrawn => "DELEGATION_WITHDRAWN", "评估验收委托收回",
    }
}

domain_enum! {
    /// A way a notification leaves the registry besides the in-app list (always written).
    NotificationChannel {
        /// E-mail over SMTP, to the address on the account (an expert's: on the record).
        Email => "EMAIL", "电子邮件",
        /// A text message through the provincial SMS gateway.
        Sms => "SMS", "短信",
    }
}

domain_enum! {
    /// Where one delivery of a notification on one channel stands.
    DeliveryStatus {
        /// Waiting for a worker (first try, or a retry after a failure).
        Pending => "PENDING", "待发送",
        /// Claimed by a worker and being sent.
        Sending => "SENDING", "发送中",
        /// Accepted by the mail server or the gateway.
        Sent => "SENT", "已发送",
        /// Given up: attempts exhausted, or interrupted with its outcome unknown.
        Failed => "FAILED", "发送失败",
        /// Not sent: the recipient has no address for the channel.
        Skipped => "SKIPPED", "未发送",
    }
}

domain_enum! {
    /// One expert's conclusion on an opinion sheet (预审意见/评分表).
    OpinionConclusion {
        Pass => "PASS", "通过",
        PassWithChanges => "PASS_WITH_CHANGES", "修改后通过",
        Fail => "FAIL", "不通过",
    }
}

domain_enum! {
    OptionKind {
        NoLowCost => "NO_LOW_COST", "无低费方案",
        MediumHighCost => "MEDIUM_HIGH_COST", "中高费方案",
    }
}

domain_enum! {
    /// A review is scheduled for a date, then held (its outcome recorded).
    ReviewStatus {
        Scheduled => "SCHEDULED", "已安排",
        Held => "HELD", "已召开",
    }
}

domain_enum! {
    /// A consultancy staff member's role in the firm.
    StaffRole {
        TechnicalDirector => "TECHNICAL_DIRECTOR", "技术负责人",
        Auditor => "AUDITOR", "审核人员",
        Engineer => "ENGINEER", "工程技术人员",
        Other => "OTHER", "其他",
    }
}

domain_enum! {
    /// Level reached in a voluntary clean-production evaluation and certification (清洁生产评价认证).
    CertificationLevel {
        LevelOne => "LEVEL_ONE", "一级（国际清洁生产领先水平）",
        LevelTwo => "LEVEL_TWO", "二级（国内清洁生产先进水平）",
        LevelThree => "LEVEL_THREE", "三级（国内清洁生产一般水平）",
    }
}

domain_enum! {
    /// What happened to an audit, as kept in its history.
    AuditEventKind {
        Notify => "NOTIFY", "下达通知",
        Start => "START", "启动审核",
        SubmitReport => "SUBMIT_REPORT", "提交审核报告",
        RecordEvaluation => "RECORD_EVALUATION", "评估结论",
        CloseWithoutAcceptance => "CLOSE_WITHOUT_ACCEPTANCE", "免于验收结束",
        RecordAcceptance => "RECORD_ACCEPTANCE", "验收结论",
        ExtendAcceptance => "EXTEND_ACCEPTANCE", "延期验收",
        Disclose => "DISCLOSE", "公布审核信息",
        RequestExtension => "REQUEST_EXTENSION", "申请延期验收",
        RefuseExtension => "REFUSE_EXTENSION", "不予延期",
    }
}

domain_enum! {
    /// The path an audit follows (简化审核程序): the full one (an evaluation, then an
    /// acceptance), or, for a SIMPLIFIED audit where its city chose it, one review that
    /// evaluates and accepts at once.
    AuditProcedure {
        Full => "FULL", "完整程序",
        CombinedReview => "COMBINED_REVIEW", "评估验收合并",
    }
}

domain_enum! {
    /// Where an enterprise disclosed its audit (在当地主要媒体、企业官网或采取其他便于公众知晓的方式).
    DisclosureChannel {
        LocalMedia => "LOCAL_MEDIA", "当地主要媒体",
        OwnWebsite => "OWN_WEBSITE", "企业网站",
        Other => "OTHER", "其他方式",
    }
}

domain_enum! {
    /// Which step of an audit the current deadline is for.
    DeadlineKind {
        Disclosure => "DISCLOSURE", "公布审核信息",
        Start => "START", "启动审核",
        Report => "REPORT", "提交审核报告",
        Evaluation => "EVALUATION", "完成评估",
        Acceptance => "ACCEPTANCE", "完成验收",
    }
}

domain_enum! {
    /// How an enterprise completed its audit for the cycle.
    CompletionKind {
        Audit => "AUDIT", "审核验收通过",
        Certification => "CERTIFICATION", "评价认证视同审核",
    }
}

domain_enum! {
    /// What an import does with a file that has bad rows.
    ImportMode {
        /// Any bad row: nothing is written.
        AllOrNothing => "ALL_OR_NOTHING", "全部成功才导入",
        /// The good rows are written, the bad ones reported.
        GoodRowsOnly => "GOOD_ROWS_ONLY", "仅导入有效行",
    }
}

domain_enum! {
    FindingKind {
        MajorDefect => "MAJOR_DEFECT", "重大缺陷",
        Omission => "OMISSION", "重要遗漏",
        Falsification => "FALSIFICATION", "弄虚作假",
        WrongConclusion => "WRONG_CONCLUSION", "结论错误",
    }
}

domain_enum! {
    /// Where a recheck finding stands before province-wide publication: recorded (the
    /// consultancy may respond, 陈述申辩), then confirmed or withdrawn by the province.
    FindingStatus {
        Recorded => "RECORDED", "待确认",
        Confirmed => "CONFIRMED", "已确认",
        Withdrawn => "WITHDRAWN", "已撤销",
    }
}

domain_enum! {
    SeatStatus {
        Invited => "INVITED", "已邀请",
        Confirmed => "CONFIRMED", "已确认",
        Declined => "DECLINED", "已谢绝",
        Attended => "ATTENDED", "已出席",
        NoShow => "NO_SHOW", "缺席",
    }
}

domain_enum! {
    /// A round of a panel's draw: the first draw, or a replacement for a declined seat (补抽).
    DrawRoundKind {
        Initial => "INITIAL", "首次抽取",
        Replacement => "REPLACEMENT", "补抽",
    }
}

domain_enum! {
    /// Why an expert could not be drawn for a panel.
    ExclusionReason {
        NotActive => "NOT_ACTIVE", "不在库",
        OutOfTerm => "OUT_OF_TERM", "不在聘期",
        Unavailable => "UNAVAILABLE", "申报不可用",
        SeatedSameDay => "SEATED_SAME_DAY", "当日已有评审",
        SeatCapReached => "SEAT_CAP_REACHED", "年度次数已满",
        ConflictEnterprise => "CONFLICT_ENTERPRISE", "与企业有利害关系",
        ConflictConsultancy => "CONFLICT_CONSULTANCY", "与咨询机构有利害关系",
        PreviousPanelSameAudit => "PREVIOUS_PANEL_SAME_AUDIT", "曾参加该审核评审",
        SameCity => "SAME_CITY", "同城回避",
        /// On the staff register of the audit's consultancy (the same person by ID card),
        /// now or within the recusal window, whether or not the tie was declared.
        StaffOfConsultancy => "STAFF_OF_CONSULTANCY", "系该咨询机构从业人员",
    }
}

domain_enum! {
    Grade {
        Excellent => "EXCELLENT", "优秀",
        Good => "GOOD", "良好",
        Qualified => "QUALIFIED", "合格",
        Unqualified => "UNQUALIFIED", "不合格",
    }
}

domain_enum! {
    TrainingScope {
        Provincial => "PROVINCIAL", "省级",
        City => "CITY", "市级",
    }
}

domain_enum! {
    TrainingAudience {
        AdministrativeStaff => "ADMINISTRATIVE_STAFF", "管理人员",
        ConsultancyStaff => "CONSULTANCY_STAFF", "咨询机构人员",
        EnterpriseStaff => "ENTERPRISE_STAFF", "企业人员",
        Expert => "EXPERT", "专家",
    }
}

domain_enum! {
    TrainingTopic {
        LawAndPolicy => "LAW_AND_POLICY", "法律法规与政策",
        OrganisationAndManagement => "ORGANISATION_AND_MANAGEMENT", "组织与管理",
        Standards => "STANDARDS", "标准规范",
        Methods => "METHODS", "审核方法",
        Technology => "TECHNOLOGY", "清洁生产技术",
    }
}

domain_enum! {
    AttendanceStatus {
        Registered => "REGISTERED", "已报名",
        Attended => "ATTENDED", "已出席",
        Absent => "ABSENT", "缺席",
        Excused => "EXCUSED", "请假",
    }
}

domain_enum! {
    /// A session is announced when created; cancelling it is final.
    TrainingSessionStatus {
        Announced => "ANNOUNCED", "已发布",
        Cancelled => "CANCELLED", "已取消",
    }
}

domain_enum! {
    /// Where a year's appraisal scheme comes from.
    SchemeSource {
        /// DESIGN.md's defaults (a year the province set no scheme for).
        Default => "DEFAULT", "默认方案",
        /// Set by the province for the year.
        Set => "SET", "省厅设定",
    }
}

domain_enum! {
    /// Who a training participant is: a pool expert, a consultancy's staff member, a user of
    /// the system (an official), or an outside person known by name and organisation.
    TrainingParticipantKind {
        Expert => "EXPERT", "专家",
        ConsultancyStaff => "CONSULTANCY_STAFF", "咨询机构人员",
        User => "USER", "管理人员",
        Outside => "OUTSIDE", "其他人员",
    }
}

domain_enum! {
    /// Where points taken off an appraisal come from.
    AppraisalDeductionSource {
        /// Entered by the appraiser with a reason.
        Manual => "MANUAL", "人工扣分",
        /// Automatic, from a recheck finding traced to the firm.
        RecheckFinding => "RECHECK_FINDING", "复核发现问题扣分",
    }
}

domain_enum! {
    /// Warning signs from provincial practice, shown beside an appraisal.
    AppraisalWarning {
        /// Two or more clients failed acceptance in the year.
        RepeatedAcceptanceFailures => "REPEATED_ACCEPTANCE_FAILURES", "同一年度两家及以上服务企业验收未通过",
        /// Fewer than five clients in the three years up to the appraisal year.
        FewClients => "FEW_CLIENTS", "近三年服务企业少于5家",
        /// A report's lead auditor was not the firm's staff on the report's date.
        LeadAuditorNotStaff => "LEAD_AUDITOR_NOT_STAFF", "审核组长非本机构在职人员",
    }
}

domain_enum! {
    /// Who a penalty decision is against.
    ViolationSubjectKind {
        Enterprise => "ENTERPRISE", "企业",
        Consultancy => "CONSULTANCY", "咨询机构",
        Expert => "EXPERT", "专家",
    }
}

domain_enum! {
    /// Sessions not yet over (UPCOMING, including one under way) or over (PAST).
    TrainingTiming {
        Upcoming => "UPCOMING", "未结束",
        Past => "PAST", "已结束",
    }
}

domain_enum! {
    /// What was penalised, in the plan's words (强化监督执法).
    ViolationKind {
        /// 不依法实施强制性清洁生产审核.
        NotAuditing => "NOT_AUDITING", "未依法实施强制性清洁生产审核",
        /// 在清洁生产审核中弄虚作假.
        Falsification => "FALSIFICATION", "清洁生产审核中弄虚作假",
        /// 不报告或者不如实报告审核结果.
        FalseReporting => "FALSE_REPORTING", "不报告或者不如实报告审核结果",
        Other => "OTHER", "其他违反清洁生产审核规定的行为",
    }
}

domain_enum! {
    /// How grave the conduct behind a penalty is, in the credit rules' terms (失信行为):
    /// it decides how long the published decision stays public.
    ViolationSeverity {
        General => "GENERAL", "一般失信行为",
        Serious => "SERIOUS", "严重失信行为",
    }
}

domain_enum! {
    /// Where a violation's publication stands (officials see every state; the public only PUBLIC).
    ViolationPublicationState {
        /// Recorded, not published yet.
        Unpublished => "UNPUBLISHED", "未公布",
        /// Published and within its publication period.
        Public => "PUBLIC", "公示中",
        /// Published, its publication period over: no longer shown (信用修复).
        Expired => "EXPIRED", "公示期满",
        /// The decision was revoked: withdrawn from publication (or never published).
        Withdrawn => "WITHDRAWN", "已撤销",
    }
}

domain_enum! {
    /// What a document is.
    DocumentKind {
        /// 清洁生产审核报告.
        AuditReport => "AUDIT_REPORT", "清洁生产审核报告",
        /// 绩效表: the performance sheet a STRICT audit hands in with its report.
        PerformanceSheet => "PERFORMANCE_SHEET", "绩效表",
        EvaluationOpinion => "EVALUATION_OPINION", "评估意见",
        AcceptanceOpinion => "ACCEPTANCE_OPINION", "验收意见",
        /// One expert's own opinion on a review.
        ExpertOpinion => "EXPERT_OPINION", "专家个人意见",
        /// The city's written notice (书面通知) of an annual list.
        WrittenNotice => "WRITTEN_NOTICE", "书面通知",
        DisclosureEvidence => "DISCLOSURE_EVIDENCE", "信息公布证明",
        PenaltyDecision => "PENALTY_DECISION", "处罚决定书",
        Certificate => "CERTIFICATE", "证书",
        TrainingMaterial => "TRAINING_MATERIAL", "培训材料",
        Other => "OTHER", "其他",
    }
}

domain_enum! {
    /// The kind of record a document belongs to.
    DocumentOwnerType {
        Audit => "AUDIT", "审核",
        Review => "REVIEW", "评审",
        PanelSeat => "PANEL_SEAT", "专家席位",
        AnnualList => "ANNUAL_LIST", "年度名单",
        Violation => "VIOLATION", "违法违规记录",
        Certification => "CERTIFICATION", "认证",
        TrainingSession => "TRAINING_SESSION", "培训场次",
    }
}

domain_enum! {
    /// A file type the registry accepts, decided from the file's bytes.
    FileType {
        Pdf => "PDF", "PDF",
        Ofd => "OFD", "OFD",
        Docx => "DOCX", "Word",
        Xlsx => "XLSX", "Excel",
        Jpeg => "JPEG", "JPEG",
        Png => "PNG", "PNG",
    }
}

/// A list of enum values stored as one comma-separated string column (sets are small and
/// read whole; a join table would buy nothing).
pub fn join_enum_list<T: Copy + Into<&'static str>>(items: &[T]) -> String {
    items
        .iter()
        .map(|i| (*i).into())
        .collect::<Vec<&str>>()
        .join(",")
}

/// One domain enum as the API lists it: its GraphQL name and its values with their labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnumLabelSet {
    pub name: &'static str,
    pub values: &'static [(&'static str, &'static str)],
}

/// The registry of domain enums: each gets `From<_> for &'static str` (for
/// [`join_enum_list`]) and an entry in [`ENUM_LABELS`]. A `domain_enum!` left out of it is
/// caught by the label test, which compares this list with the schema.
macro_rules! domain_enums {
    ($($t:ident),* $(,)?) => {
        $(impl From<$t> for &'static str { fn from(v: $t) -> Self { v.as_str() } })*

        /// Every domain enum with its values' labels, in declaration order of this list.
        pub const ENUM_LABELS: &[EnumLabelSet] = &[
            $(EnumLabelSet { name: stringify!($t), values: $t::LABELS }),*
        ];
    };
}
domain_enums!(
    DocumentKind,
    DocumentOwnerType,
    FileType,
    Role,
    Sector,
    ScaleRule,
    CatalogCondition,
    EnterpriseScale,
    ExpertiseKind,
    ExpertStatus,
    Gender,
    ProfessionalTitle,
    ConflictKind,
    ConsultancyStatus,
    AuditMode,
    AnnualListStatus,
    AuditStatus,
    ReviewKind,
    ReviewOutcome,
    OpinionConclusion,
    NotificationKind,
    NotificationChannel,
    DeliveryStatus,
    OptionKind,
    ReviewStatus,
    StaffRole,
    CertificationLevel,
    AuditEventKind,
    AuditProcedure,
    DisclosureChannel,
    DeadlineKind,
    CompletionKind,
    ImportMode,
    FindingKind,
    FindingStatus,
    SeatStatus,
    DrawRoundKind,
    ExclusionReason,
    Grade,
    TrainingScope,
    TrainingAudience,
    TrainingTopic,
    AttendanceStatus,
    TrainingSessionStatus,
    TrainingParticipantKind,
    TrainingTiming,
    SchemeSource,
    AppraisalDeductionSource,
    AppraisalWarning,
    ViolationSubjectKind,
    ViolationKind,
    ViolationSeverity,
    ViolationPublicationState,
    DirectoryAction,
    DirectoryReasonKind,
    DirectoryApplicationStatus,
    CitySummaryStatus,
    AssessmentItemKind,
    AssessmentFigure,
    ScoringMethod,
    AssessmentSheetStatus,
);

/// Parses a comma-separated enum list stored by [`join_enum_list`].
pub fn split_enum_list<T: FromStr<Err = UnknownVariant>>(
    s: &str,
) -> Result<Vec<T>, UnknownVariant> {
    s.split(',')
        .filter(|p| !p.is_empty())
        .map(T::from_str)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in Sector::ALL {
            assert_eq!(s.as_str().parse::<Sector>(), Ok(*s));
        }
        assert!("steel".parse::<Sector>().is_err());
    }

    #[test]
    fn lists_round_trip() {
        let kinds = [ExpertiseKind::Energy, ExpertiseKind::AuditMethod];
        let stored = join_enum_list(&kinds);
        assert_eq!(stored, "ENERGY,AUDIT_METHOD");
        assert_eq!(
            split_enum_list::<ExpertiseKind>(&stored),
            Ok(kinds.to_vec())
        );
        assert_eq!(split_enum_list::<ExpertiseKind>(""), Ok(vec![]));
    }
}

domain_enum! {
    /// A change to the mandatory directory (名录总库): an enterprise joins it or leaves it.
    DirectoryAction {
        Add => "ADD", "纳入名录",
        Remove => "REMOVE", "移出名录",
    }
}

domain_enum! {
    /// Why an enterprise leaves (or, for some, joins) the directory.
    DirectoryReasonKind {
        /// Closed down (关停).
        Closed => "CLOSED", "关停",
        /// Moved out of (or into) the city or province (搬迁).
        Moved => "MOVED", "搬迁",
        /// Its industry changed (转产).
        ChangedIndustry => "CHANGED_INDUSTRY", "转产",
        /// Merged into or with another firm (合并).
        Merged => "MERGED", "合并",
        Other => "OTHER", "其他",
    }
}

domain_enum! {
    /// Where a city's directory application stands.
    DirectoryApplicationStatus {
        /// Waiting for the province.
        Pending => "PENDING", "待审核",
        Approved => "APPROVED", "已批准",
        Refused => "REFUSED", "未批准",
    }
}

domain_enum! {
    /// Where a city's yearly work summary stands.
    CitySummaryStatus {
        /// Not submitted yet.
        Draft => "DRAFT", "未报送",
        /// Submitted, waiting for the province.
        Submitted => "SUBMITTED", "已报送",
        /// Received by the province.
        Received => "RECEIVED", "已接收",
        /// Returned by the province with a reason; the city revises and resubmits.
        Returned => "RETURNED", "已退回",
    }
}

domain_enum! {
    /// How an item of the province's yearly assessment of a city (目标责任制考核) is scored.
    AssessmentItemKind {
        /// From a figure of the registry against a target.
        Computed => "COMPUTED", "按数据计算",
        /// By hand, by the province, with a note.
        Manual => "MANUAL", "人工评分",
    }
}

domain_enum! {
    /// A figure an assessment item may be computed from: each a rate in percent of the
    /// assessed city and year (see `figures`).
    AssessmentFigure {
        /// Directory members with a round completed in the five-year cycle.
        CoverageRate => "COVERAGE_RATE", "名录企业审核覆盖率",
        /// Enterprises evaluated in the year whose evaluation passed (any attempt).
        EnterprisePassRate => "ENTERPRISE_PASS_RATE", "企业评估通过率",
        /// Enterprises evaluated in the year that passed at their round's first evaluation.
        EnterpriseFirstPassRate => "ENTERPRISE_FIRST_PASS_RATE", "企业评估一次通过率",
        /// Evaluations held in the year that passed.
        EvaluationPassRate => "EVALUATION_PASS_RATE", "评估通过率（按评估次数）",
        /// Acceptances held in the year that passed.
        AcceptancePassRate => "ACCEPTANCE_PASS_RATE", "验收通过率（按验收次数）",
    }
}

domain_enum! {
    /// How a computed assessment item turns its figure into points.
    ScoringMethod {
        /// The weight times the share of the target reached (capped at the weight).
        Proportional => "PROPORTIONAL", "按完成比例得分",
        /// The full weight when the target is reached, nothing otherwise.
        AllOrNothing => "ALL_OR_NOTHING", "达标得满分",
    }
}

domain_enum! {
    /// Where a city's assessment sheet of a year stands.
    AssessmentSheetStatus {
        /// Computed items follow the figures; manual items may be scored.
        Open => "OPEN", "评分中",
        /// Frozen by the province: the scores as finalised, no more edits.
        Finalised => "FINALISED", "已定稿",
    }
}
