//! Chinese for messages the libraries write, not this code.

/// async-graphql's own messages (parsing, validation, input coercion, limits). Not in our
/// source, so `coverage` cannot check them; a unit test runs real requests against them.
pub(super) const LIBRARY: &[(&str, &str)] = &[
    // The `Date` scalar's own (graphql::scalars::parse_date), reported through async-graphql.
    (
        "\"{}\" is not a date: expected YYYY-MM-DD, e.g. 2026-03-31",
        "“{0}”不是有效日期：格式应为 YYYY-MM-DD，例如 2026-03-31",
    ),
    (
        "\"{}\" is not a date: month {} is out of range (01 to 12)",
        "“{0}”不是有效日期：月份 {1} 超出范围（01 至 12）",
    ),
    (
        "\"{}\" is not a date: {} {} has {} days, not {}",
        "“{0}”不是有效日期：{2} 年该月只有 {3} 天，没有第 {4} 天",
    ),
    (" --> {}:{}\n{}", "查询语句有语法错误（第 {0} 行第 {1} 列）"),
    (
        "Unknown field \"{}\" on type \"{}\".{}",
        "类型 {1} 没有字段“{0}”。{2}",
    ),
    (
        "Unknown argument \"{}\" on field \"{}\" of type \"{}\".{}",
        "类型 {2} 的字段“{1}”没有参数“{0}”。{3}",
    ),
    (
        "Unknown argument \"{}\" on directive \"{}\".{}",
        "指令“{1}”没有参数“{0}”。{2}",
    ),
    (
        "Field \"{}\" argument \"{}\" of type \"{}\" is required but not provided",
        "字段“{0}”缺少必填参数“{1}”（类型 {2}）",
    ),
    (
        "Directive \"@{}\" argument \"{}\" of type \"{}\" is required but not provided",
        "指令“@{0}”缺少必填参数“{1}”（类型 {2}）",
    ),
    (
        "Invalid value for argument \"{}\", {}",
        "参数“{0}”的值无效：{1}",
    ),
    (
        "Invalid default value for argument: {}",
        "参数的默认值无效：{0}",
    ),
    ("Failed to parse \"{}\": {}", "无法解析 {0} 类型的值：{1}"),
    (
        "Expected input type \"{}\", found {}.",
        "应为 {0} 类型，实际为 {1}",
    ),
    ("{} (occurred while parsing \"{}\")", "{0}（解析 {1} 时）"),
    ("Query is too complex.", "查询过于复杂，请减少请求的字段"),
    ("Query is nested too deep.", "查询嵌套层数过深"),
    ("recursion limit exceeded.", "查询嵌套层数超出限制"),
    ("Unknown operation named \"{}\"", "找不到名为“{0}”的操作"),
    (
        "Operation name required in request.",
        "请求中有多个操作，请用 operationName 指定要执行的操作",
    ),
    (
        "document does not contain an operation",
        "查询语句中没有任何操作",
    ),
    ("operation {} is defined twice", "操作 {0} 重复定义"),
    ("fragment {} is defined twice", "片段 {0} 重复定义"),
    ("Unknown type \"{}\"", "未知的类型“{0}”"),
    ("Unknown directive \"{}\"", "未知的指令“{0}”"),
    ("Duplicate directive \"{}\"", "指令“{0}”重复"),
    (
        "Directive \"{}\" may not be used on \"{}\"",
        "指令“{0}”不能用在 {1} 上",
    ),
    ("Unknown fragment: \"{}\"", "未知的片段“{0}”"),
    ("Fragment \"{}\" is never used", "片段“{0}”未被使用"),
    (
        "Cannot spread fragment \"{}\"",
        "不能展开片段“{0}”（片段循环引用）",
    ),
    ("Variable \"${}\" is not defined", "变量“${0}”未定义"),
    (
        "Variable \"${}\" is not defined by operation \"{}\"",
        "操作“{1}”未定义变量“${0}”",
    ),
    ("Variable \"${}\" is not used", "变量“${0}”未被使用"),
    (
        "Variable \"${}\" is not used by operation \"{}\"",
        "操作“{1}”未使用变量“${0}”",
    ),
    (
        "There can only be one argument named \"{}\"",
        "参数“{0}”只能出现一次",
    ),
    (
        "There can only be one variable named \"${}\"",
        "变量“${0}”只能定义一次",
    ),
    (
        "Variable \"{}\" of type \"{}\" used in position expecting type \"{}\"",
        "类型为 {1} 的变量“{0}”用在了需要 {2} 类型的位置",
    ),
    (
        "Variable \"{}\" cannot be of non-input type \"{}\"",
        "变量“{0}”的类型 {1} 不是输入类型",
    ),
    (
        "Field \"{}\" must not have a selection since type \"{}\" has no subfields",
        "字段“{0}”的类型 {1} 没有子字段，不能再选择字段",
    ),
    (
        "Field \"{}\" of type \"{}\" must have a selection of subfields",
        "字段“{0}”的类型为 {1}，须选择其子字段",
    ),
    (
        "Fields \"{}\" conflict because they have differing arguments. Use different aliases on the fields to fetch both if this was intentional.",
        "字段“{0}”的参数不同，互相冲突；如需同时获取，请使用不同的别名",
    ),
    (
        "Fields \"{}\" conflict because \"{}\" and \"{}\" are different fields. Use different aliases on the fields to fetch both if this was intentional.",
        "字段“{0}”冲突：“{1}”和“{2}”是不同的字段；如需同时获取，请使用不同的别名",
    ),
    // Publications of results (通报).
    ("finding {} is already published", "复核问题 {0} 已通报过"),
    (
        "give at least one finding, or leave it out to publish all of the year",
        "请至少选择一条复核问题，或不填以通报本年度全部问题",
    ),
    (
        "no recheck finding {} of the year",
        "本年度没有复核问题 {0}",
    ),
    (
        "nothing to publish: every recorded finding of the year is published already, or there is none",
        "没有可通报的内容：本年度记录的复核问题均已通报，或尚无复核问题",
    ),
    (
        "nothing to publish: no evaluation or acceptance result was recorded in the period",
        "没有可通报的内容：该期间内没有已记录结论的评估或验收",
    ),
    (
        "the period has not ended yet: to is after today",
        "通报期间尚未结束：截止日期晚于今天",
    ),
    (
        "the period is empty: from is after to",
        "通报期间为空：起始日期晚于截止日期",
    ),
    (
        "the period is longer than five years",
        "通报期间不得超过五年",
    ),
    // The reasons inside "Invalid value for argument".
    ("expected type \"{}\"", "应为 {0} 类型"),
    (
        "enumeration type \"{}\" does not contain the value \"{}\"",
        "枚举类型 {0} 没有取值“{1}”",
    ),
    (
        "field \"{}\" of type \"{}\" is required but not provided",
        "缺少类型 {1} 的必填字段“{0}”",
    ),
    (
        "unknown field \"{}\" of type \"{}\"",
        "类型 {1} 没有字段“{0}”",
    ),
    // The suggestion after "Unknown field" and "Unknown argument".
    (" Did you mean {}?", "是否应为 {0}？"),
    // A subscription sent over HTTP (they go over the WebSocket, `http::graphql_ws`).
    (
        "Subscriptions are not supported on this transport.",
        "订阅须通过 WebSocket 连接发送，不支持 HTTP 请求",
    ),
];
