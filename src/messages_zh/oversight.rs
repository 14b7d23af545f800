//! The catalogue's messages of the province's oversight: the county level and its
//! delegations, the figures and the cities' assessment, and the confirmation of recheck
//! findings before their publication. Same form as `catalogue::MESSAGES`.

/// Messages of the oversight operations, with their Chinese.
pub(super) const OVERSIGHT: &[(&str, &str)] = &[
    // The county level and delegation to it (委托县级开展).
    ("a county admin needs a city", "县级管理员须指定所属城市"),
    ("a county admin needs a county", "县级管理员须指定所属区县"),
    (
        "no enterprise of the city's directory is in this county; name it as the directory does",
        "该市名录中没有位于此区县的企业；请按名录中的名称填写区县",
    ),
    (
        "a county administrator sees only the audits delegated to their county",
        "县级管理员只能查看委托给本区县的审核",
    ),
    (
        "a county administrator sees only the enterprises of their county",
        "县级管理员只能查看本区县的企业",
    ),
    (
        "the plan keeps this sector's evaluation and acceptance with the city",
        "按实施方案，该行业的评估和验收由市生态环境局负责",
    ),
    (
        "the enterprise has no sector of the catalogue, so its reviews stay with the city",
        "该企业不属于名录中的行业，其评估和验收由市级负责",
    ),
    ("the audit is closed", "该审核已结束"),
    (
        "the enterprise has no county in the directory",
        "名录中该企业没有所属区县",
    ),
    ("already delegated to its county", "已委托给所属区县"),
    ("audit {} is not delegated", "审核 {} 未被委托"),
    ("audit {}: {}", "审核 {}：{}"),
    ("give at least one audit", "请至少指定一项审核"),
    (
        "give either auditIds or listId",
        "请指定审核或年度名单，二者选一",
    ),
    ("no audit {}", "不存在审核 {}"),
    (
        "none of the list's audits may be delegated",
        "该名单中没有可以委托的审核",
    ),
    // The figures and the assessment of the cities (目标责任制考核).
    ("must not be before yearFrom", "不能早于起始年度"),
    ("the range is at most 10 years", "统计范围最多为 10 年"),
    ("give at least one item", "请至少填写一个考核项目"),
    ("at most 50 items", "考核项目最多 50 个"),
    (
        "must be 1 to 20 letters, digits, '-', '_' or '.'",
        "应为 1 至 20 个字母、数字、“-”、“_”或“.”",
    ),
    ("is given to another item already", "已被其他考核项目使用"),
    ("must be 1 to 200 characters", "应为 1 至 200 个字符"),
    ("must be from 1 to 100 points", "应为 1 至 100 分"),
    (
        "a target or method needs a figure; a MANUAL item has neither",
        "目标值和评分方式须与考核指标一同填写；人工评分项目不填写这两项",
    ),
    (
        "a COMPUTED item needs its target",
        "按数据计算的考核项目须填写目标值",
    ),
    (
        "must be above 0 and at most 100 (percent)",
        "应大于 0 且不超过 100（百分比）",
    ),
    (
        "the items' weights add up to {}, not 100",
        "各项分值合计为 {0}，应为 100",
    ),
    (
        "a sheet of the year is finalised: the year's items stay as they are",
        "该年度已有考核表定稿，考核项目不能再修改",
    ),
    (
        "no such item in the year's assessment",
        "该年度考核中没有此项目",
    ),
    (
        "only a MANUAL item is scored by hand; a COMPUTED one follows its figure",
        "只有人工评分项目可以手工打分，按数据计算的项目由统计数据得出",
    ),
    (
        "must be from 0 to the item's weight",
        "应在 0 至该项目分值之间",
    ),
    ("must have at most 2 decimal places", "最多保留 2 位小数"),
    (
        "the sheet is finalised: its scores are frozen",
        "考核表已定稿，得分不能再修改",
    ),
    (
        "the sheet changed meanwhile; read it again",
        "考核表已被他人修改，请重新读取",
    ),
    (
        "the year is not over: a sheet is finalised for a past year",
        "该年度尚未结束：只能对已结束年度的考核表定稿",
    ),
    ("the sheet is finalised already", "考核表已定稿"),
    (
        "no assessment items are set for the year",
        "该年度尚未设置考核项目",
    ),
    (
        "every MANUAL item needs its score before the sheet is finalised",
        "定稿前须为每个人工评分项目打分",
    ),
    // The confirmation of recheck findings (陈述申辩, 确认, 撤销).
    (
        "the finding is {}: only a RECORDED finding is answered, confirmed or withdrawn",
        "该复核问题已处理（{0}）：只有待确认的复核问题可以陈述申辩、确认或撤销",
    ),
    (
        "the consultancy has already responded to this finding",
        "咨询机构已就该复核问题提交过陈述申辩",
    ),
    (
        "the response window closed on {}",
        "陈述申辩期限已于 {0} 届满",
    ),
    (
        "the consultancy may respond until {}: confirm once it has responded or the window has passed",
        "咨询机构可在 {0}（含当日）前陈述申辩：须待其提交申辩或期限届满后方可确认",
    ),
    (
        "only the consultancy a finding names responds to it",
        "只有复核问题所涉咨询机构可以陈述申辩",
    ),
    (
        "only a province admin confirms or withdraws a recheck finding",
        "只有省级管理员可以确认或撤销复核问题",
    ),
    (
        "the finding changed meanwhile; read it again",
        "该复核问题已被他人处理，请重新读取",
    ),
    (
        "finding {} is {}: only a CONFIRMED finding is published",
        "复核问题 {0} 的状态为 {1}：只有已确认的复核问题可以通报",
    ),
    (
        "nothing to publish: none of the year's {} unpublished findings is confirmed yet",
        "没有可通报的内容：本年度 {0} 条未通报的复核问题均尚未确认",
    ),
];
