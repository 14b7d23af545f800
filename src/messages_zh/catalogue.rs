//! The catalogue: every English error message with its Chinese (the words they are built
//! from are in `words`). Data only; how entries are matched and filled is in `super`.
//!
//! English `{}` marks a dynamic part; Chinese `{0}`, `{1}`… places the parts (any order, any
//! may be left out). `{0:SeatStatus}` shows a stored enum name by that enum's label,
//! `{0:field}` a field name by `words::FIELDS`, `{0:ordinal}` a list index counted from 1.
//! The words of the plan are used: 专家库, 抽取, 评估, 验收, 复核, 咨询机构, 统一社会信用代码….
//!
//! Adding a message to the code? Add it here; `coverage` (a unit test) names what is missing.

/// Messages of the service: `AppError`s, the rules' errors inside them, and the HTTP layer's.
pub(super) const MESSAGES: &[(&str, &str)] = &[
    (
        "give an email, a phone or both",
        "请填写电子邮箱、手机号码或两者",
    ),
    (
        "is accept or decline",
        "应为 accept（确认）或 decline（谢绝）",
    ),
    (
        "only a FAILED delivery can be sent again",
        "只有发送失败的投递可以重新发送",
    ),
    (
        "the delivery changed meanwhile; read it again",
        "该投递已被他人处理，请重新读取",
    ),
    ("the link has been used", "该链接已使用过"),
    ("the link has expired", "该链接已过期"),
    ("the link is not valid", "该链接无效"),
    (
        "{} is not available for this kind",
        "{0:NotificationChannel}不可用于该类通知",
    ),
    (
        "open the draw first (openDraw): its commitment must be shown before the witness types the nonce",
        "请先开启抽取（openDraw）：须在监督人输入随机数之前公示服务器随机数的承诺值",
    ),
    (
        "must be a time of day as HH:MM",
        "须为“时:分”格式的时刻，如 09:30",
    ),
    (
        "the review has been held; its meeting can no longer change",
        "评审已举行，会议安排不能再修改",
    ),
    ("the panel is already revealed", "该评审专家组已揭晓"),
    (
        "a panel's draw record is public after its review date",
        "评审日期之后方公开专家抽取记录",
    ),
    (
        "the panel is sealed until {}: who sits is not shown before",
        "该评审专家组在 {0} 之前保密，届时方可查看专家名单",
    ),
    (
        "open the sample first (openRecheckSample): its commitment must be shown before the witness types the nonce",
        "请先开启抽查（openRecheckSample）：须在监督人输入随机数之前公示服务器随机数的承诺值",
    ),
    (
        "another sample used this commitment meanwhile; open the next one",
        "该承诺值已在此期间被另一次抽查使用，请重新开启抽查",
    ),
    // Notifications.
    (
        "give from 1 to 500 ids, or all",
        "请给出 1 至 500 个编号，或选择全部",
    ),
    (
        "give the ids, or all: true",
        "请给出编号，或选择全部（all: true）",
    ),
    // The panel at the venue and after: check-in, the leader, opinion sheets.
    (
        "a check-in time cannot lie in the future",
        "签到时间不能晚于当前时间",
    ),
    (
        "the review is on {}; an expert is checked in on that day (China time)",
        "评审日期为 {0}，专家须在当日（北京时间）签到",
    ),
    (
        "the seat is {}; only an invited or confirmed seat is checked in, once",
        "该席位状态为{0:SeatStatus}；仅已邀请或已确认的席位可签到，且只签到一次",
    ),
    ("the review's outcome is recorded", "评审结论已录入"),
    (
        "the review's outcome is recorded; its working papers are closed",
        "评审结论已录入，评审材料已关闭",
    ),
    (
        "the leader has confirmed the panel's outcome; the sheets are final",
        "组长已确认专家组结论，意见表不能再修改",
    ),
    (
        "the leader confirmed the panel's outcome meanwhile; the sheets are final",
        "组长已在此期间确认专家组结论，意见表不能再修改",
    ),
    ("the seat is not on this panel", "该席位不属于本专家组"),
    (
        "the seat is {}; the leader is one of the experts checked in",
        "该席位状态为{0:SeatStatus}；组长须从已签到的专家中指定",
    ),
    (
        "the seat is {}; sheets come from experts checked in",
        "该席位状态为{0:SeatStatus}；意见表须由已签到的专家提交",
    ),
    (
        "attach an EXPERT_OPINION document uploaded to this seat",
        "请附上本席位上传的“专家个人意见”文件",
    ),
    ("designate the panel leader first", "请先指定专家组组长"),
    (
        "every expert checked in hands in a sheet first; missing: seat {}",
        "已签到的专家须先提交意见表；尚缺：第 {0} 席",
    ),
    (
        "the panel is sealed: its working papers are not shown before the reveal",
        "该评审专家组尚处保密期，揭晓前不显示评审材料",
    ),
    ("this panel is not yours to read", "您无权查看该评审专家组"),
    (
        "the panel's outcome follows from its experts' opinion sheets: hand them in and have the leader confirm it first",
        "评审结论须依据专家意见表得出：请先提交意见表并由组长确认",
    ),
    (
        "the panel's confirmed sheets conclude {} ({}); the outcome must be {}",
        "专家组已确认的意见结论为“{1}”，评审结论须为{2:ReviewOutcome}",
    ),
    (
        "the panel's confirmed score is {}; leave it out or give the same",
        "专家组已确认的评分为 {0}；请不填或填写相同分数",
    ),
    (
        "{} is not a criterion of this review kind",
        "{0} 不是该类评审的评分项",
    ),
    ("criterion {} is scored twice", "评分项 {0} 重复评分"),
    ("criterion {} is not scored", "评分项 {0} 未评分"),
    (
        "criterion {}: a score is from 0 to 100 with at most two decimals",
        "评分项 {0}：分数须在 0 至 100 之间，最多两位小数",
    ),
    ("no opinion sheet has been submitted", "尚无专家提交意见表"),
    (
        "the sheets conclude {} by majority but their mean score {} is below the pass mark {}; the experts revise their sheets",
        "意见表多数结论为{0:OpinionConclusion}，但平均分 {1} 低于合格分 {2}；请专家修改意见表",
    ),
    (
        "a criterion is written CODE:WEIGHT:label, got {}",
        "评分项须写作“代码:权重:名称”，收到 {0}",
    ),
    (
        "criterion code {} must be capital letters, digits and underscores",
        "评分项代码 {0} 只能包含大写字母、数字和下划线",
    ),
    ("criterion {} appears twice", "评分项 {0} 重复"),
    (
        "criterion {} needs a weight from 1 to 100",
        "评分项 {0} 的权重须在 1 至 100 之间",
    ),
    (
        "the weights add up to {}, not 100",
        "权重合计为 {0}，不是 100",
    ),
    ("at least one criterion is needed", "至少需要一个评分项"),
    // Documents.
    (
        "a required document was deleted meanwhile; upload it again",
        "所需文件已被删除，请重新上传",
    ),
    ("a {} holds no {} documents", "{0}不能上传{1}类文件"),
    (
        "another version was uploaded meanwhile; reload and try again",
        "其间已有人上传了新版本，请刷新后重试",
    ),
    ("document has no version {}", "该文件没有第 {0} 版"),
    ("is required", "为必填项"),
    (
        "must be a PDF, OFD, DOCX, XLSX, JPEG or PNG file",
        "只接受 PDF、OFD、DOCX、XLSX、JPEG 或 PNG 文件",
    ),
    ("must name the file", "须填写文件名"),
    (
        "only the officials of the record may make its documents public",
        "只有该记录所属的主管部门可以公开其文件",
    ),
    (
        "only the uploader may delete a document",
        "只有上传人可以删除文件",
    ),
    (
        "publish the violation before its decision",
        "请先公开违法违规记录，再公开处罚决定书",
    ),
    (
        "send the file as a multipart upload",
        "请以 multipart 方式上传文件",
    ),
    (
        "the document backs a recorded step ({}) and cannot be deleted",
        "该文件是已办理事项（{0}）的依据，不能删除",
    ),
    (
        "the document came to back a recorded step meanwhile and cannot be deleted",
        "其间该文件已成为已办理事项的依据，不能删除",
    ),
    (
        "the multipart request is not a GraphQL upload",
        "该 multipart 请求不是 GraphQL 文件上传请求",
    ),
    ("the upload broke off before its end", "上传未完成即中断"),
    ("upload the {} document first", "请先上传{0}文件"),
    (
        "you may not add documents to this record",
        "您无权向该记录上传文件",
    ),
    ("you may not read this document", "您无权查看该文件"),
    ("{} documents are not published", "{0}类文件不予公开"),
    ("{} is not a known value", "{0} 不是可用的取值"),
    // Signing in and access.
    ("sign in first", "请先登录"),
    (
        "invalid or expired token",
        "登录凭证无效或已过期，请重新登录",
    ),
    ("wrong username or password", "用户名或密码错误"),
    (
        "too many failed sign-ins for this username; try again in {} minutes",
        "该用户名登录失败次数过多，请 {0} 分钟后再试",
    ),
    (
        "only a province admin may do this",
        "只有省级管理员可以执行此操作",
    ),
    (
        "a disclosure on the enterprise's own website needs its address",
        "在企业网站公布的，须填写网页地址",
    ),
    (
        "a lead auditor belongs to a consultancy; an enterprise auditing on its own names its team leader",
        "审核组长属于咨询机构；企业自行组织审核的，应填写本企业审核小组负责人",
    ),
    (
        "an application for an extension to {} is already waiting for the city",
        "延期至 {0} 的申请正在等待市级审批",
    ),
    (
        "an audit with a consultancy is led by the firm's lead auditor; name one or the other",
        "委托咨询机构的审核由其审核组长负责；咨询机构与企业审核小组负责人只能填写其一",
    ),
    (
        "an enterprise sees only its own audits",
        "企业只能查看本企业的审核",
    ),
    (
        "an enterprise user needs an enterprise",
        "企业用户须关联一家企业",
    ),
    (
        "must be a web address (http:// or https://)",
        "须为网址（http:// 或 https://）",
    ),
    (
        "name the consultancy and its lead auditor, or the enterprise's own team leader",
        "请填写咨询机构及其审核组长，或企业自行组织审核的小组负责人",
    ),
    (
        "no application for an extension is waiting",
        "没有待审批的延期申请",
    ),
    (
        "only the enterprise applies for an extension; its city grants one directly",
        "延期验收由企业申请；市级部门可直接批准延期",
    ),
    (
        "recheck findings are read by the province, the city and the parties they name",
        "复核发现的问题仅由省、市主管部门及所涉各方查看",
    ),
    ("required with a consultancy", "委托咨询机构时必填"),
    (
        "a STRICT audit (high energy, water or emissions, or priority chemicals) takes the full path",
        "严格审核的企业（高耗能、高耗水、高排放或涉及优先控制化学品）须按完整程序审核",
    ),
    (
        "the list is published: its audits have their path",
        "名单已公布，其审核程序已确定",
    ),
    (
        "a score of {} is below the pass mark of {}: the outcome cannot be PASSED",
        "得分 {0} 低于合格分 {1}，结论不能为通过",
    ),
    (
        "the audit is accepted; its round is over",
        "该审核已验收通过，本轮审核已结束",
    ),
    (
        "only an administrator may do this",
        "只有管理员可以执行此操作",
    ),
    (
        "a city administrator may only act within their own city",
        "市级管理员只能在本市范围内操作",
    ),
    (
        "a city administrator may only read records of their own city",
        "市级管理员只能查看本市的记录",
    ),
    (
        "a city administrator without a city",
        "该市级管理员账号未指定所属城市",
    ),
    (
        "a consultancy user without a firm",
        "该咨询机构用户未关联咨询机构",
    ),
    (
        "an expert user without an expert record",
        "该专家用户未关联专家信息",
    ),
    (
        "only administrators may list consultancies",
        "只有管理员可以查看咨询机构列表",
    ),
    (
        "a consultancy sees only its own audits",
        "咨询机构只能查看本机构承接的审核",
    ),
    (
        "a consultancy sees only its own findings",
        "咨询机构只能查看与本机构有关的复核问题",
    ),
    (
        "an expert sees only the findings against their own panels",
        "专家只能查看本人所在专家组的复核问题",
    ),
    (
        "a consultancy may change only its address and contact; the province keeps its registration",
        "咨询机构只能修改本机构的地址和联系方式，登记信息由省生态环境厅维护",
    ),
    (
        "an expert may change only their own phone and email",
        "专家只能修改本人的电话和电子邮箱",
    ),
    (
        "who sits on this panel is not shown to you",
        "您无权查看该专家组的组成",
    ),
    (
        "only an expert's account has panel seats",
        "只有专家账号才有专家组席位",
    ),
    (
        "only the session's organiser enrols others; you may enrol yourself (a firm its own staff)",
        "只有培训主办方可以为他人报名；您可以为自己报名（咨询机构可为本机构从业人员报名）",
    ),
    (
        "only the session's organiser enrols outside persons",
        "只有培训主办方可以为外部人员报名",
    ),
    (
        "violations of consultancies and experts are recorded by the province",
        "咨询机构和专家的违规行为由省生态环境厅记录",
    ),
    // Optimistic updates: `{0}` is a noun of `TERMS`.
    (
        "the {} was changed meanwhile; reload and retry",
        "{0}信息已被他人修改，请刷新后重试",
    ),
    (
        "the {} was changed meanwhile (version {} now, {} expected); reload and retry",
        "{0}信息已被他人修改（当前版本 {1}，提交的版本 {2}），请刷新后重试",
    ),
    (
        "the employment was ended meanwhile; reload",
        "该任职已被他人结束，请刷新",
    ),
    (
        "the review's outcome was recorded meanwhile; reload",
        "该评审结论已被他人记录，请刷新",
    ),
    // Uniqueness.
    (
        "a record with the same unique value already exists",
        "已存在相同的记录（唯一值重复）",
    ),
    (
        "an expert with this ID card number is already in the pool",
        "该身份证号码的专家已在专家库中",
    ),
    (
        "an enterprise with this credit code is already registered",
        "该统一社会信用代码的企业已登记",
    ),
    (
        "a consultancy with this credit code is already registered",
        "该统一社会信用代码的咨询机构已登记",
    ),
    ("username {} is taken", "用户名 {0} 已被使用"),
    ("is already registered", "已登记"),
    // Common input checks (after the field's label).
    ("must not be empty", "不能为空"),
    ("must be at least {} characters", "至少 {0} 个字符"),
    ("must be at most {} characters", "最多 {0} 个字符"),
    ("must be at most {} bytes", "最多 {0} 字节"),
    ("must be at most {}", "不能超过 {0}"),
    ("must not be negative", "不能为负数"),
    ("must be more than 0", "必须大于 0"),
    ("must be between {} and {}", "须在 {0} 至 {1} 之间"),
    (
        "must be a year from 2000 to {}",
        "须为 2000 至 {0} 之间的年份",
    ),
    (
        "must fall in the years 2000 to {}",
        "须在 2000 年至 {0} 年之间",
    ),
    ("must be a month from 1 to 12", "须为 1 至 12 之间的月份"),
    ("must have at most {} decimal places", "最多保留 {0} 位小数"),
    (
        "must be 0–100 with at most two decimal places, not {}",
        "须为 0–100 之间、最多两位小数的数值，当前为 {0}",
    ),
    (
        "must be between 0 and 100 with at most two decimals",
        "须为 0–100 之间、最多两位小数的数值",
    ),
    ("must be {}", "须为{0}"),
    ("must not be in the future", "不能晚于当前时间"),
    ("must not be in the past", "不能早于今天"),
    ("must not be before {}", "不能早于{0:field}"),
    ("must not contain control characters", "不能包含控制字符"),
    (
        "must be a phone number of 7 to 15 digits",
        "须为 7 至 15 位数字的电话号码",
    ),
    ("is not an email address", "不是有效的电子邮箱地址"),
    ("is not a valid ID", "不是有效的 ID"),
    ("is not a cursor from this API", "不是本接口返回的分页游标"),
    ("is not a year", "不是有效的年份"),
    ("is out of range", "超出允许范围"),
    ("year out of range", "年份超出允许范围"),
    ("is too large", "数值过大"),
    ("is listed more than once", "重复列出"),
    ("name at least one", "至少填写一项"),
    ("names {} twice", "{0} 重复出现"),
    (
        "appears twice (also items[{}])",
        "重复出现（与第 {0:ordinal} 项相同）",
    ),
    (
        "appears twice (also rows[{}])",
        "重复出现（与第 {0:ordinal} 行相同）",
    ),
    ("unknown city code", "未知的城市代码"),
    (
        "must not be before dateFrom ({})",
        "不能早于开始日期（{0}）",
    ),
    (
        "must be a GB/T 4754 class code of four digits",
        "须为四位数字的 GB/T 4754 国民经济行业小类代码",
    ),
    (
        "the date falls outside the supported calendar",
        "日期超出系统支持的范围",
    ),
    // ID card numbers and unified social credit codes.
    (
        "an ID card number has 18 characters, this one has {}",
        "身份证号码应为 18 位，当前为 {0} 位",
    ),
    (
        "character {} at position {} is not allowed: the first 17 characters are digits, the last a digit or X",
        "第 {1} 位的字符 {0} 无效：前 17 位须为数字，最后一位为数字或 X",
    ),
    (
        "the birth date {} at positions 7-14 is not a real date",
        "第 7–14 位的出生日期 {0} 不是有效日期",
    ),
    (
        "wrong check character {}: the first 17 digits call for {}",
        "校验码 {0} 错误：按前 17 位计算应为 {1}",
    ),
    (
        "a unified social credit code has 18 characters, this one has {}",
        "统一社会信用代码应为 18 位，当前为 {0} 位",
    ),
    (
        "character {} at position {} is not allowed: only digits and the letters A-Y except I, O, S, V",
        "第 {1} 位的字符 {0} 无效：只能使用数字和除 I、O、S、V 以外的字母 A–Y",
    ),
    (
        "the region code {} at positions 3-8 must be six digits",
        "第 3–8 位的行政区划码 {0} 须为六位数字",
    ),
    (
        "wrong check character {}: the first 17 characters call for {}",
        "校验码 {0} 错误：按前 17 位计算应为 {1}",
    ),
    // Experts and the pool.
    (
        "does not match the birth date in the ID card number",
        "与身份证号码中的出生日期不一致",
    ),
    (
        "a declared range may span at most a year",
        "申报的时段最长为一年",
    ),
    (
        "an expert cannot move from {} to {}",
        "专家状态不能从“{0:ExpertStatus}”变为“{1:ExpertStatus}”",
    ),
    ("admission check failed: {}", "入库条件审查未通过：{0}"),
    (
        "professional title {} is too low: a senior title, or an intermediate title with enough years in the field, is required",
        "职称“{0:ProfessionalTitle}”不符合要求：须具有高级职称，或具有中级职称且从事本领域工作年限足够",
    ),
    (
        "an intermediate title needs at least {} years in the field, the applicant has {}",
        "中级职称须从事本领域工作满 {0} 年，申请人为 {1} 年",
    ),
    (
        "the applicant is {} on the appointment date {}, experts must be under {}",
        "申请人在聘任日期 {1} 已满 {0} 岁，专家须未满 {2} 岁",
    ),
    (
        "the birth date {} is not before the appointment date {}",
        "出生日期 {0} 不早于聘任日期 {1}",
    ),
    ("the expert has left the pool", "该专家已出库"),
    // Enterprises, the directory and CSV import.
    (
        "the enterprise is in the directory since {} already",
        "该企业自 {0} 年起已在名录总库中",
    ),
    ("unknown column {}", "未知的列 {0}"),
    ("column {} appears twice", "列 {0} 重复出现"),
    ("the column {} ({}) is missing", "缺少列 {0}（{1}）"),
    ("must be true/false (是/否)", "须为 是/否（true/false）"),
    (
        "must be LARGE, MEDIUM, SMALL or MICRO (大型/中型/小型/微型)",
        "须为 大型/中型/小型/微型（LARGE、MEDIUM、SMALL、MICRO）",
    ),
    ("cannot read the header line: {}", "无法读取表头行：{0}"),
    ("unreadable CSV: {}", "无法读取 CSV 文件：{0}"),
    (
        "at most {} rows per import; split the file",
        "每次导入最多 {0} 行，请拆分文件",
    ),
    ("repeats line {}", "与第 {0} 行重复"),
    ("has no rows below the header", "表头下没有数据行"),
    // Annual audit lists.
    (
        "city {} has a list for {} already",
        "城市 {0} 已有 {1} 年度的审核企业名单",
    ),
    ("{} is on the list already", "{0} 已在名单上"),
    ("is not on the list", "不在名单上"),
    (
        "{} is not an enterprise of city {}",
        "{0} 不是城市 {1} 的企业",
    ),
    (
        "{} is not in the mandatory directory",
        "{0} 不在强制性清洁生产审核企业名录总库中",
    ),
    ("no such enterprise", "企业不存在"),
    ("no such enterprise {}", "企业 {0} 不存在"),
    (
        "put at least one enterprise on the list first",
        "请先在名单中至少加入一家企业",
    ),
    (
        "only a DRAFT list can change; this one is {}",
        "只有草稿状态的名单可以修改，该名单当前为“{0:AnnualListStatus}”",
    ),
    (
        "must not be before the list's submission on {}",
        "不能早于名单报送日期 {0}",
    ),
    (
        "an annual list cannot go from {} to {}",
        "年度审核企业名单不能从“{0:AnnualListStatus}”变为“{1:AnnualListStatus}”",
    ),
    (
        "returning an annual list to DRAFT needs a reason",
        "将年度审核企业名单退回草稿须说明理由",
    ),
    // Audits, reviews and improvement options.
    (
        "{} has an audit that is not yet accepted; one round at a time",
        "{0} 尚有未通过验收的审核，每次只能开展一轮审核",
    ),
    (
        "must not be before the notice of {}",
        "不能早于 {0} 下达的审核通知",
    ),
    (
        "must not be before {}, the audit's previous step",
        "不能早于该审核上一步骤的日期 {0}",
    ),
    ("no such consultancy", "咨询机构不存在"),
    (
        "the consultancy is {}: only ACTIVE firms take new audits",
        "该咨询机构当前为“{0:ConsultancyStatus}”状态，只有状态正常的咨询机构才能承接新的审核",
    ),
    ("no such staff member", "从业人员不存在"),
    ("is not staff of {} on {}", "在 {1} 不是 {0} 的从业人员"),
    (
        "only an audit awaiting acceptance can be extended; this one is {}",
        "只有等待验收的审核可以延期验收，该审核当前为“{0}”",
    ),
    (
        "an audit that is {} cannot take {}",
        "处于“{0}”状态的审核不能执行“{1}”",
    ),
    (
        "{} needs an audit that is {}; this audit is {}",
        "{0:ReviewKind}要求审核处于“{1}”状态，该审核当前为“{2}”",
    ),
    (
        "a re-examination on {} is after the acceptance due date {}; approve an extension first",
        "{0} 的重新验收晚于验收截止日期 {1}，请先批准延期",
    ),
    (
        "the extension to {} is not after the current due date {}",
        "延期至 {0} 并不晚于当前的验收截止日期 {1}",
    ),
    (
        "the extension to {} goes past the end of the audit cycle {}",
        "延期至 {0} 超出了审核周期的截止日期 {1}",
    ),
    (
        "must not be before the report of {}",
        "不能早于 {0} 提交的审核报告",
    ),
    (
        "must not be before the evaluation of {}",
        "不能早于 {0} 的评估",
    ),
    (
        "an {} of this audit is already scheduled for {}",
        "该审核已安排了 {1} 的{0:ReviewKind}",
    ),
    (
        "the review's outcome is already recorded",
        "该评审的结论已记录",
    ),
    (
        "the review is scheduled for {} and has not taken place yet",
        "该评审安排在 {0}，尚未召开",
    ),
    (
        "the audit is accepted; its options are final",
        "该审核已通过验收，其清洁生产方案不能再修改",
    ),
    (
        "a department's conclusion is recorded only when it accepted the retrofit",
        "只有相关部门已对改造工程进行专项验收时，才记录其验收结论",
    ),
    (
        "only a technical retrofit can have another department's acceptance",
        "只有涉及技术改造的方案才能采用相关部门的专项验收结论",
    ),
    (
        "name the department that accepted the retrofit",
        "请填写对改造工程进行专项验收的部门",
    ),
    (
        "record that department's acceptance conclusion",
        "请填写该部门的专项验收结论",
    ),
    (
        "must not be before the certification date",
        "不能早于认证日期",
    ),
    // Consultancies and their staff.
    (
        "a consultancy cannot move from {} to {}",
        "咨询机构状态不能从“{0:ConsultancyStatus}”变为“{1:ConsultancyStatus}”",
    ),
    ("the consultancy is deregistered", "该咨询机构已注销"),
    (
        "this person is employed by consultancy {} from {} to {}; end that employment first",
        "此人正在咨询机构 {0} 任职（{1} 至 {2}），请先结束该任职",
    ),
    ("the employment already ended on {}", "该任职已于 {0} 结束"),
    (
        "must not be before the employment started",
        "不能早于任职开始日期",
    ),
    (
        "this person led the report of audit {} submitted after that day",
        "此人是审核 {0} 的审核组长，该审核报告在此日期之后才提交",
    ),
    // Panels: the draw, seats and ratings.
    ("the review has been held", "该评审已召开"),
    (
        "the review has been held; its panel can no longer change",
        "该评审已召开，专家组不能再变更",
    ),
    ("the review date {} has passed", "评审日期 {0} 已过"),
    (
        "the review already has a panel; replace declined seats instead",
        "该评审已有专家组，请对已谢绝的席位进行补抽",
    ),
    (
        "other draws kept taking the same experts; try again",
        "其他抽取同时选中了相同的专家，请重试",
    ),
    (
        "too few eligible experts: {} needed, {} available",
        "符合条件的专家不足：需要 {0} 名，仅有 {1} 名",
    ),
    (
        "no eligible expert is left for slot {} ({}); {} eligible experts fit it",
        "第 {0:ordinal} 个席位（{1}）已没有可抽取的专家；符合其条件的专家共 {2} 名",
    ),
    (
        "expert {} is listed twice in the eligible pool",
        "专家 {0} 在可抽取名单中重复出现",
    ),
    (
        "panel size must be an odd number from 3 to 9, got {}",
        "专家组人数须为 3 至 9 之间的奇数，当前为 {0}",
    ),
    (
        "the composition names {} seats but the panel has {}",
        "专业构成要求 {0} 个席位，但专家组只有 {1} 人",
    ),
    (
        "the seat is {}; only a declined seat is replaced",
        "该席位当前为“{0:SeatStatus}”，只有已谢绝的席位才能补抽",
    ),
    (
        "the declined seat is already replaced",
        "该谢绝的席位已补抽",
    ),
    (
        "a reason goes with a decline only",
        "只有谢绝邀请时才填写理由",
    ),
    (
        "the seat is {}; only an invited seat can be confirmed",
        "该席位当前为“{0:SeatStatus}”，只有已邀请的席位才能确认",
    ),
    (
        "the seat is {}; only an invited or confirmed seat can be declined",
        "该席位当前为“{0:SeatStatus}”，只有已邀请或已确认的席位才能谢绝",
    ),
    (
        "the review took place on {}; invitations can no longer be answered",
        "该评审已于 {0} 召开，不能再答复邀请",
    ),
    (
        "the review is on {}; attendance is recorded on or after that day",
        "该评审安排在 {0}，出席情况须在当天或之后登记",
    ),
    (
        "the seat is {}; attendance is recorded once, for a seat that was not declined",
        "该席位当前为“{0:SeatStatus}”，出席情况只对未谢绝的席位登记一次",
    ),
    (
        "the seat is {}; only an expert who attended is rated",
        "该席位当前为“{0:SeatStatus}”，只有已出席的专家才能评价",
    ),
    (
        "the expert is already rated for this seat",
        "该专家在此席位上已有评价",
    ),
    ("rating {} is outside 0–100", "评分 {0} 超出 0–100 的范围"),
    // Rechecks (复核) and findings.
    (
        "no audit that completed an evaluation or acceptance in {} is left to sample",
        "{0} 年度已没有可抽取的完成评估或验收的企业审核",
    ),
    (
        "sample rate must be from 0.05 to 1, got {}",
        "抽样比例须在 0.05 至 1 之间，当前为 {0}",
    ),
    (
        "{} is listed twice in the population",
        "{0} 在抽样总体中重复出现",
    ),
    ("sample size out of range", "抽样数量超出范围"),
    (
        "findings belong to a RECHECK review",
        "复核发现的问题只能记录在抽查复核评审上",
    ),
    (
        "the recheck is on {}; findings are recorded on or after that day",
        "抽查复核安排在 {0}，发现的问题须在当天或之后记录",
    ),
    ("give at least one finding", "请至少填写一条发现的问题"),
    ("at most {} at a time", "每次最多 {0} 条"),
    // Appraisal of consultancies and the ranking.
    (
        "the {} ranking is published: its appraisals and scheme are frozen",
        "{0} 年度排名已公布，其考评记录和考评方案已锁定",
    ),
    ("at most {} deductions", "最多 {0} 项扣分"),
    (
        "the weight of {} must be 0–100 with at most two decimals, not {}",
        "“{0:field}”的权重须为 0–100 之间、最多两位小数的数值，当前为 {1}",
    ),
    (
        "the weights must sum to 100, not {}",
        "各项权重之和须为 100，当前为 {0}",
    ),
    (
        "the {} threshold must be 0–100 with at most two decimals, not {}",
        "“{0:Grade}”分数线须为 0–100 之间、最多两位小数的数值，当前为 {1}",
    ),
    (
        "grade thresholds must descend: EXCELLENT {} > GOOD {} > QUALIFIED {}",
        "等级分数线须依次递减：优秀 {0} > 良好 {1} > 合格 {2}",
    ),
    (
        "deduction points must be 0–100 with at most two decimals, not {}",
        "扣分须为 0–100 之间、最多两位小数的数值，当前为 {0}",
    ),
    (
        "a score must be 0–100 with at most two decimals, not {}",
        "得分须为 0–100 之间、最多两位小数的数值，当前为 {0}",
    ),
    (
        "no appraisal is recorded for {}: nothing to publish",
        "{0} 年度没有任何考评记录，无法发布",
    ),
    // Training: plans, sessions, enrolment, attendance.
    (
        "a provincial item has no city",
        "省级培训计划条目不能指定城市",
    ),
    ("a city item names its city", "市级培训计划条目须指明城市"),
    ("at most {} items", "最多 {0} 个条目"),
    (
        "is not an item of the {} plan",
        "不是 {0} 年度培训计划中的条目",
    ),
    (
        "item {} ({}) is carried out by session {} ({}); keep it",
        "计划条目 {0}（{1}）已由培训班次 {2}（{3}）落实，不能删除",
    ),
    (
        "a session carries this item out; its scope and city stay",
        "已有培训班次落实该计划条目，其级别和城市不能更改",
    ),
    ("no such plan item", "培训计划条目不存在"),
    (
        "the item is in the plan of {}, not {}",
        "该条目属于 {0} 年度培训计划，而非 {1} 年度",
    ),
    (
        "the item plans a training of another scope or city",
        "该条目计划的培训级别或城市与本班次不同",
    ),
    (
        "a provincial session has no city",
        "省级培训班次不能指定城市",
    ),
    ("a city session names its city", "市级培训班次须指明城市"),
    ("must be after the start", "须晚于开始时间"),
    ("a session may last at most {} days", "培训班次最长 {0} 天"),
    (
        "{} credit hours are more than the session lasts",
        "{0} 学时超过了培训班次的实际时长",
    ),
    (
        "a session's credit hours must be at least 0 with at most two decimals, not {}",
        "培训班次的学时须不小于 0 且最多两位小数，当前为 {0}",
    ),
    (
        "the session's credit hours are invalid",
        "该培训班次的学时无效",
    ),
    (
        "must be at least 1 (leave it empty for no limit)",
        "至少为 1（不限名额请留空）",
    ),
    (
        "{} are enrolled already; the capacity cannot be less",
        "已有 {0} 人报名，名额不能少于此数",
    ),
    ("the session is cancelled", "该培训班次已取消"),
    ("the session is cancelled already", "该培训班次此前已取消"),
    (
        "attendance has been recorded: a session that took place cannot be cancelled",
        "已登记出勤：已举办的培训班次不能取消",
    ),
    (
        "attendance has been recorded; the times and hours can no longer change",
        "已登记出勤，培训时间和学时不能再更改",
    ),
    (
        "registration closed when the session started; the organiser may still add you",
        "培训开始后报名已截止，主办方仍可为您登记",
    ),
    (
        "the session is for {}, not for {}",
        "该培训班次面向{0}，不面向{1}",
    ),
    ("already enrolled in this session", "已报名本培训班次"),
    (
        "the session is full: all {} places are taken",
        "该培训班次已满：{0} 个名额已全部报满",
    ),
    (
        "not employed by the firm on the session's first day ({})",
        "培训首日（{0}）未在该咨询机构任职",
    ),
    ("the user is disabled", "该用户已停用"),
    (
        "an expert's or a firm's account does not train as itself: enrol the expert or the staff member",
        "专家或咨询机构的账号本身不能参加培训：请为专家本人或该机构的从业人员报名",
    ),
    (
        "outside persons have no record of their own; see the sessions' sign-in sheets",
        "外部人员没有个人培训记录，请查阅各培训班次的签到表",
    ),
    ("give at least one row", "请至少填写一行"),
    ("at most {} rows at once", "每次最多 {0} 行"),
    (
        "is not an enrolment in this session",
        "不是本培训班次的报名记录",
    ),
    (
        "certificate {} is already given to {} in this session",
        "证书编号 {0} 在本培训班次中已发给 {1}",
    ),
    (
        "the session has not started yet; before it only EXCUSED may be recorded",
        "培训尚未开始，开始前只能登记为“请假”",
    ),
    (
        "only an ATTENDED participant has check-in times",
        "只有“已出席”的参训人员才有签到时间",
    ),
    (
        "only an ATTENDED participant has check-out times",
        "只有“已出席”的参训人员才有签退时间",
    ),
    (
        "only an ATTENDED participant has an exam score",
        "只有“已出席”的参训人员才有考试成绩",
    ),
    (
        "only an ATTENDED participant gets a certificate",
        "只有“已出席”的参训人员才能获得证书",
    ),
    (
        "must be within {} minutes of the session's start and end",
        "须在培训开始前 {0} 分钟至结束后 {0} 分钟之内",
    ),
    (
        "check-out at {} is before check-in at {}",
        "签退时间 {0} 早于签到时间 {1}",
    ),
    (
        "an attendance cannot go from {} to {}",
        "出勤状态不能从“{0:AttendanceStatus}”变为“{1:AttendanceStatus}”",
    ),
    // Violations.
    ("no such {}", "{0}不存在"),
    ("decision {} is already recorded", "处罚决定书 {0} 已登记"),
    ("the violation is already published", "该违规记录已公布"),
    ("the violation is withdrawn", "该违规记录已撤销，不能公布"),
    ("the violation is already withdrawn", "该违规记录已撤销"),
    (
        "the violation changed meanwhile; read it again",
        "该违规记录已被他人处理，请重新读取",
    ),
    // Enum labels.
    ("unknown enum {}", "没有名为 {0} 的枚举类型"),
    // Users.
    (
        "3 to 64 characters: letters, digits, '.', '_', '-' or '@'",
        "须为 3 至 64 个字符，只能包含字母、数字及“.”“_”“-”“@”",
    ),
    ("a city admin needs a city", "市级管理员须指定所属城市"),
    ("an expert user needs an expert", "专家用户须关联专家"),
    ("no such expert", "专家不存在"),
    (
        "a consultancy user needs a consultancy",
        "咨询机构用户须关联咨询机构",
    ),
    ("is not your current password", "与当前密码不符"),
    (
        "you cannot disable yourself or change your own role",
        "不能停用自己的账号，也不能更改自己的角色",
    ),
    (
        "name a role or the disabled flag to change",
        "请指明要修改的角色或停用状态",
    ),
    // Stored data the code does not know (shown only if it reaches a client).
    // Demo data.
    (
        "the database already holds experts or enterprises; seed an empty one",
        "数据库中已有专家或企业，请在空数据库中生成演示数据",
    ),
    // The HTTP layer.
    ("query is required", "缺少 query 参数"),
    ("variables is not JSON", "variables 参数不是有效的 JSON"),
    ("extensions is not JSON", "extensions 参数不是有效的 JSON"),
    (
        "variables must be an object",
        "variables 参数须为 JSON 对象",
    ),
    ("use GET or POST", "请使用 GET 或 POST 请求"),
    (
        "send the request as application/json",
        "请以 application/json 格式发送请求",
    ),
    (
        "accept application/graphql-response+json or application/json",
        "请在 Accept 请求头中接受 application/graphql-response+json 或 application/json",
    ),
    ("request body too large", "请求体过大"),
    ("could not read the request body", "无法读取请求体"),
    (
        "the body must be a JSON object with query, variables and operationName",
        "请求体须为包含 query、variables 和 operationName 的 JSON 对象",
    ),
    (
        "mutations must be sent with POST",
        "变更操作（mutation）须使用 POST 请求发送",
    ),
    (
        "send queries and mutations over HTTP: this socket carries subscriptions only",
        "查询和变更操作请通过 HTTP 发送：此 WebSocket 连接只用于订阅",
    ),
    (
        "the query uses more than {} aliases",
        "查询使用的别名超过 {0} 个",
    ),
    (
        "the operation asks for more than {} root fields",
        "该操作请求的根字段超过 {0} 个",
    ),
    (
        "Invalid \"PersistedQuery\" extension configuration.",
        "“PersistedQuery”扩展的配置无效",
    ),
    (
        "only version 1 of the \"PersistedQuery\" extension is supported, not {}",
        "“PersistedQuery”扩展只支持版本 1，不支持版本 {0}",
    ),
    (
        "PersistedQueryNotFound",
        "服务器上没有该持久化查询，请连同查询语句一起发送",
    ),
    (
        "provided sha does not match query",
        "提供的 SHA-256 哈希与查询语句不符",
    ),
    (
        "no published consultancy ranking for {}: the province has not published that year (or it is unknown)",
        "没有 {0} 年度已公布的咨询机构排名：省生态环境厅尚未公布该年度排名（或该年度不存在）",
    ), // Who decides the directory: cities' applications, the province's decisions.
    (
        "a city administrator applies for directory changes (applyDirectoryChange); the province decides",
        "市级管理员不能直接调整名录总库，请提交名录调整申请（applyDirectoryChange），由省生态环境厅审核",
    ),
    (
        "only a city administrator applies; the province changes the directory directly (addToDirectory, removeFromDirectory)",
        "名录调整申请由市级管理员提交；省生态环境厅可直接纳入或移出名录（addToDirectory、removeFromDirectory）",
    ),
    (
        "the enterprise is in the directory already",
        "该企业已在名录总库中",
    ),
    (
        "the enterprise is not in the directory",
        "该企业不在名录总库中",
    ),
    ("a removal needs a reason kind", "移出名录须选择理由类别"),
    (
        "{} is not a reason to add an enterprise",
        "“{0:DirectoryReasonKind}”不能作为纳入名录的理由",
    ),
    ("a removal takes no sinceYear", "移出名录无需填写起始年份"),
    ("a refusal needs a reason", "不予批准须说明理由"),
    (
        "the application is {} already",
        "该申请已审核（{0:DirectoryApplicationStatus}），不能再次审核",
    ),
    (
        "the enterprise has a pending directory application already",
        "该企业已有待审核的名录调整申请",
    ),
    (
        "the application was decided meanwhile; read it again",
        "该申请已被他人审核，请重新读取",
    ),
    (
        "the directory entry changed since the application; refuse it with a reason",
        "提交申请后该企业的名录状态已发生变化，请说明理由不予批准",
    ),
    (
        "only the city's administrator submits its yearly summary; the province receives or returns it",
        "年度工作总结由本市管理员报送，省级管理员负责接收或退回",
    ),
    (
        "the year is not over: a summary is submitted for a past year",
        "该年度尚未结束：只能报送已结束年度的工作总结",
    ),
    ("no such city", "城市不存在"),
    ("no such year", "年份无效"),
    (
        "the summary is submitted already; it can be submitted again only once the province returns it",
        "该年度工作总结已报送，只有被省生态环境厅退回后方可重新报送",
    ),
    (
        "the summary changed meanwhile; read it again",
        "该年度工作总结已被他人处理，请重新读取",
    ),
    (
        "only a SUBMITTED summary is received or returned; this one is {}",
        "只有已报送的年度工作总结可以接收或退回，该总结当前为“{0:CitySummaryStatus}”",
    ),
    (
        "the city issues the written notices to its enterprises",
        "书面通知由市级主管部门向企业下达",
    ),
    (
        "the list is not published: notices follow its publication",
        "名单尚未公布：书面通知须在名单公布后下达",
    ),
    (
        "must not be before the list's publication on {}",
        "不能早于名单公布日期 {0}",
    ),
    ("{} is not on the list", "{0} 不在名单上"),
    (
        "enterprise {} has its notice already",
        "企业 {0} 已收到书面通知",
    ),
    (
        "every enterprise on the list has its notice already",
        "名单上的企业均已收到书面通知",
    ),
    (
        "another notice to these enterprises was recorded meanwhile; reload the list",
        "已有其他书面通知记录了这些企业，请重新读取名单",
    ),
    (
        "the export would exceed {} rows; narrow it by city or year",
        "导出将超过 {0} 行，请按城市或年度缩小范围",
    ),
    ("is not a date (YYYY-MM-DD)", "不是有效的日期（YYYY-MM-DD）"),
    ("is not a sector", "不是有效的行业"),
    ("is not an audit status", "不是有效的审核状态"),
    ("is not a review status", "不是有效的评审状态"),
    ("is not a review kind", "不是有效的评审类型"),
    ("is not an expert status", "不是有效的专家状态"),
];

/// Parts of messages written by `Display` impls (a draw slot); found only inside a message's
/// dynamic part.
pub(super) const FRAGMENTS: &[(&str, &str)] = &[(
    "sector {}, expertise {}",
    "行业：{0:Sector}，专业领域：{1:ExpertiseKind}",
)];
