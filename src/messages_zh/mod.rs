//! Chinese for every error: `extensions.messageZh`, beside the English `message` and the
//! `extensions.code` clients branch on.
//!
//! The registry's users — provincial and city officials, experts, consultancies, enterprises —
//! read Chinese; clients, logs and tests keep the English. The translations are a catalogue in
//! the style of gettext (`catalogue.rs`): the English text is the key, so no call site
//! changes. Every service is being edited by several people at once; a catalogue keeps the
//! Chinese in one reviewable place, and the `coverage` unit test reads the source tree and
//! fails naming each message without an entry (and each entry no message uses any more).
//!
//! An entry is a template: `{}` in the English marks a dynamic part, `{0}`, `{1}`… place the
//! parts in the Chinese. A part is translated too where it can be: a word of `TERMS`
//! (`expert` → 专家), a stored enum name by the domain's own Chinese label (`DECLINED` →
//! 已谢绝; `{0:SeatStatus}` names the enum where the name alone is ambiguous), a field name
//! (`{0:field}`), a list index (`{0:ordinal}`, counted from 1), or a message of its own (a
//! rule's error inside a service's). Names, dates and numbers are shown as they are.
//!
//! Matching is a linear scan of templates split once into their fixed pieces; of several
//! matches the one with the most fixed text wins. Errors are rare, so this costs nothing that
//! matters. A message the catalogue misses still gets Chinese, a sentence for its code
//! (logged at debug).
//!
//! Hooks: `From<AppError> for async_graphql::Error` ([`for_error`]); async-graphql's own
//! errors after execution ([`annotate`]); the HTTP layer's JSON error bodies ([`add_to_body`]).

mod catalogue;
#[cfg(test)]
mod coverage;
mod library;
mod oversight;
mod words;

use std::borrow::Cow;
use std::sync::LazyLock;

use async_graphql::{ServerError, Value};

use crate::domain::{
    AnnualListStatus, AttendanceStatus, AuditEventKind, AuditStatus, CitySummaryStatus,
    ConsultancyStatus, DirectoryApplicationStatus, DirectoryReasonKind, ExpertStatus,
    ExpertiseKind, FindingKind, Grade, NotificationChannel, OpinionConclusion, ProfessionalTitle,
    ReviewKind, ReviewOutcome, ReviewStatus, Role, SeatStatus, Sector, TrainingAudience,
    TrainingScope, TrainingSessionStatus,
};
use crate::error::AppError;

/// Nesting of messages inside messages (a rule's error in a service's, a reason in
/// async-graphql's "Invalid value"): enough for what exists, and a bound on the work.
const MAX_DEPTH: usize = 3;

/// The Chinese `messageZh` of an error of the service.
pub fn for_error(err: &AppError) -> String {
    match err {
        AppError::BadUserInput { field, message } => {
            let what = translate(message).unwrap_or_else(|| {
                missing(message, err.code());
                "填写的内容不符合要求".to_owned()
            });
            format!("{}：{what}", field_label(field))
        }
        AppError::NotFound { entity, id } => {
            let name = lookup(words::ENTITIES, entity).unwrap_or_else(|| {
                missing(entity, err.code());
                entity
            });
            format!("未找到{name}：{id}")
        }
        AppError::Unauthenticated(message)
        | AppError::Forbidden(message)
        | AppError::Conflict(message)
        | AppError::PayloadTooLarge(message)
        | AppError::InsufficientCandidates { message, .. } => for_message(message, err.code()),
        AppError::Unavailable | AppError::Internal(_) => generic(err.code()).to_owned(),
    }
}

/// The Chinese of a message made outside `AppError` (async-graphql, the HTTP layer).
pub fn for_message(message: &str, code: &str) -> String {
    translate(message).unwrap_or_else(|| {
        missing(message, code);
        generic(code).to_owned()
    })
}

/// Adds `messageZh` to the errors of a response that have none: those async-graphql makes
/// itself (parse, validation, limits, input coercion). Call after `code` is set.
pub fn annotate(errors: &mut [ServerError]) {
    for error in errors {
        let extensions = error.extensions.get_or_insert_with(Default::default);
        if extensions.get("messageZh").is_some() {
            continue;
        }
        let code = match extensions.get("code") {
            Some(Value::String(code)) => code.clone(),
            _ => String::new(),
        };
        extensions.set("messageZh", for_message(&error.message, &code));
    }
}

/// Adds `messageZh` to each error of a JSON error body (`{"errors": [...]}`) that has none.
pub fn add_to_body(mut body: serde_json::Value) -> serde_json::Value {
    let Some(errors) = body.get_mut("errors").and_then(|e| e.as_array_mut()) else {
        return body;
    };
    for error in errors {
        let message = error["message"].as_str().unwrap_or_default().to_owned();
        let Some(extensions) = error
            .as_object_mut()
            .map(|e| {
                e.entry("extensions")
                    .or_insert_with(|| serde_json::json!({}))
            })
            .and_then(|e| e.as_object_mut())
        else {
            continue;
        };
        if extensions.contains_key("messageZh") {
            continue;
        }
        let code = extensions
            .get("code")
            .and_then(|c| c.as_str())
            .unwrap_or_default();
        let zh = for_message(&message, code);
        extensions.insert("messageZh".to_owned(), zh.into());
    }
    body
}

/// The Chinese label of an input field path: `idCardNumber` → 身份证号码,
/// `rows[2].examScore` → 第3条记录的考试成绩, `deductionPoints.FALSIFICATION` →
/// 扣分标准（弄虚作假）. Unknown names are shown as they are.
pub fn field_label(path: &str) -> String {
    let mut label = String::new();
    for segment in path.split('.') {
        let (name, index) = match segment.strip_suffix(']').and_then(|s| s.split_once('[')) {
            Some((name, index)) => (name, index.parse::<usize>().ok()),
            None => (segment, None),
        };
        if !label.is_empty()
            && let Some(value) = any_label(name)
        {
            label.push('（');
            label.push_str(value);
            label.push('）');
            continue;
        }
        let name = lookup(words::FIELDS, name).unwrap_or_else(|| {
            tracing::debug!(field = name, "no Chinese label for the field");
            name
        });
        if !label.is_empty() {
            label.push('的');
        }
        match index {
            Some(i) => label.push_str(&format!("第{}条{name}", i + 1)),
            None => label.push_str(name),
        }
    }
    label
}

/// The generic sentence for a code, when the catalogue has nothing better.
fn generic(code: &str) -> &'static str {
    match code {
        "BAD_USER_INPUT" => "请求的内容不符合要求，请检查后重试",
        "UNAUTHENTICATED" => "请先登录",
        "FORBIDDEN" => "您没有执行此操作的权限",
        "NOT_FOUND" => "未找到所请求的记录",
        "CONFLICT" => "操作与现有数据冲突，请刷新后重试",
        "INSUFFICIENT_CANDIDATES" => "符合条件的专家不足，无法完成抽取",
        "SERVICE_UNAVAILABLE" => "服务暂时不可用，请稍后重试",
        "INTERNAL" => "系统内部错误，请稍后重试或联系管理员",
        "BAD_REQUEST" => "请求格式有误",
        "METHOD_NOT_ALLOWED" => "不支持该请求方法",
        "PAYLOAD_TOO_LARGE" => "请求体过大",
        _ => "请求未能完成",
    }
}

fn missing(message: &str, code: &str) {
    tracing::debug!(
        message,
        code,
        "no Chinese in the message catalogue; using the generic sentence"
    );
}

fn lookup(table: &'static [(&'static str, &'static str)], key: &str) -> Option<&'static str> {
    table.iter().find(|(en, _)| *en == key).map(|(_, zh)| *zh)
}

/// A catalogue entry, split once.
struct Template {
    /// The key, for the tests' bookkeeping.
    #[cfg(test)]
    english: &'static str,
    /// The fixed English around the dynamic parts: one more piece than parts.
    pieces: Vec<&'static str>,
    chinese: Vec<Chinese>,
    /// Length of the fixed text; of several matching templates the most specific wins.
    fixed: usize,
}

enum Chinese {
    Text(&'static str),
    Part {
        index: usize,
        kind: Option<&'static str>,
    },
}

static TEMPLATES: LazyLock<Vec<Template>> = LazyLock::new(|| {
    catalogue::MESSAGES
        .iter()
        .chain(oversight::OVERSIGHT)
        .chain(library::LIBRARY)
        .chain(catalogue::FRAGMENTS)
        .map(|(english, chinese)| Template::new(english, chinese))
        .collect()
});

impl Template {
    fn new(english: &'static str, chinese: &'static str) -> Template {
        let pieces: Vec<&'static str> = english.split("{}").collect();
        Template {
            #[cfg(test)]
            english,
            fixed: pieces.iter().map(|p| p.len()).sum(),
            pieces,
            chinese: split_chinese(chinese),
        }
    }

    /// The dynamic parts of `text`, if it has this template's shape.
    fn parts<'t>(&self, text: &'t str) -> Option<Vec<&'t str>> {
        let rest = text.strip_prefix(self.pieces[0])?;
        let mut parts = Vec::with_capacity(self.pieces.len() - 1);
        fill(&self.pieces[1..], rest, &mut parts).then_some(parts)
    }
}

/// Splits `text` into parts, each followed by the next piece, the last piece ending the text;
/// tries each place a piece occurs, leftmost first.
fn fill<'t>(pieces: &[&str], text: &'t str, parts: &mut Vec<&'t str>) -> bool {
    let Some((piece, more)) = pieces.split_first() else {
        return text.is_empty();
    };
    if more.is_empty() {
        let Some(part) = text.strip_suffix(piece) else {
            return false;
        };
        parts.push(part);
        return true;
    }
    for (at, _) in text.match_indices(piece) {
        parts.push(&text[..at]);
        if fill(more, &text[at + piece.len()..], parts) {
            return true;
        }
        parts.pop();
    }
    false
}

/// `{0}`, `{1:Kind}` and the text between them.
fn split_chinese(mut text: &'static str) -> Vec<Chinese> {
    let mut out = Vec::new();
    while let Some(open) = text.find('{') {
        let Some(close) = text[open..].find('}').map(|c| open + c) else {
            break;
        };
        let inside = &text[open + 1..close];
        let (index, kind) = match inside.split_once(':') {
            Some((index, kind)) => (index, Some(kind)),
            None => (inside, None),
        };
        let Ok(index) = index.parse::<usize>() else {
            out.push(Chinese::Text(&text[..=open]));
            text = &text[open + 1..];
            continue;
        };
        if open > 0 {
            out.push(Chinese::Text(&text[..open]));
        }
        out.push(Chinese::Part { index, kind });
        text = &text[close + 1..];
    }
    if !text.is_empty() {
        out.push(Chinese::Text(text));
    }
    out
}

/// The best-matching template for `text` and its parts.
fn best_match(text: &str) -> Option<(&'static Template, Vec<&str>)> {
    let mut best: Option<(&'static Template, Vec<&str>)> = None;
    for template in TEMPLATES.iter() {
        if best
            .as_ref()
            .is_some_and(|(b, _)| b.fixed >= template.fixed)
        {
            continue;
        }
        if let Some(parts) = template.parts(text) {
            best = Some((template, parts));
        }
    }
    best
}

/// The Chinese of a whole message, if the catalogue knows it.
fn translate(text: &str) -> Option<String> {
    translate_at(text, 0)
}

fn translate_at(text: &str, depth: usize) -> Option<String> {
    let (template, parts) = best_match(text)?;
    let mut out = String::new();
    for piece in &template.chinese {
        match piece {
            Chinese::Text(text) => out.push_str(text),
            Chinese::Part { index, kind } => {
                let part = parts.get(*index).copied().unwrap_or_default();
                out.push_str(&translate_part(part, *kind, depth));
            }
        }
    }
    Some(out)
}

/// A dynamic part in Chinese where it can be, else as it is.
fn translate_part<'t>(part: &'t str, kind: Option<&str>, depth: usize) -> Cow<'t, str> {
    if part.is_empty() {
        return Cow::Borrowed(part);
    }
    match kind {
        Some("field") => return Cow::Owned(field_label(part)),
        Some("ordinal") => {
            if let Ok(n) = part.parse::<usize>() {
                return Cow::Owned((n + 1).to_string());
            }
        }
        Some(kind) => {
            if let Some(label) = enum_label(kind, part) {
                return Cow::Borrowed(label);
            }
        }
        None => {}
    }
    if let Some(term) = lookup(words::TERMS, part) {
        return Cow::Borrowed(term);
    }
    if let Some(names) = enum_names(part) {
        return Cow::Owned(names);
    }
    if depth < MAX_DEPTH {
        if let Some(message) = translate_at(part, depth + 1) {
            return Cow::Owned(message);
        }
        // Several rule errors joined (e.g. the admission check's).
        if part.contains("; ") {
            let each: Option<Vec<String>> = part
                .split("; ")
                .map(|p| translate_at(p, depth + 1))
                .collect();
            if let Some(each) = each {
                return Cow::Owned(each.join("；"));
            }
        }
    }
    Cow::Borrowed(part)
}

/// A part made only of stored enum names, as a state is described (`EVALUATION_PASSED`,
/// `RECORD_EVALUATION(FAILED)`, `EVALUATION_PASSED or ACCEPTANCE_FAILED`), in Chinese labels.
fn enum_names(part: &str) -> Option<String> {
    let mut out = String::new();
    let mut named = false;
    let mut word_start = None;
    let flush = |out: &mut String, word: &str| -> Option<()> {
        if word == "or" {
            out.push('或');
        } else {
            out.push_str(any_label(word)?);
        }
        Some(())
    };
    for (at, c) in part.char_indices() {
        if c.is_ascii_alphanumeric() || c == '_' {
            word_start.get_or_insert(at);
            continue;
        }
        if let Some(start) = word_start.take() {
            flush(&mut out, &part[start..at])?;
            named = true;
        }
        match c {
            ' ' => {}
            '(' => out.push('（'),
            ')' => out.push('）'),
            ',' => out.push('、'),
            _ => return None,
        }
    }
    if let Some(start) = word_start {
        flush(&mut out, &part[start..])?;
        named = true;
    }
    named.then_some(out)
}

/// Declares which domain enums messages show, in the order a bare name is looked up.
macro_rules! labelled_enums {
    ($($kind:ident),+ $(,)?) => {
        /// The label of a stored name of the enum `kind`.
        fn enum_label(kind: &str, name: &str) -> Option<&'static str> {
            match kind {
                $(stringify!($kind) => name.parse::<$kind>().ok().map($kind::label),)+
                _ => None,
            }
        }

        /// The label of a stored name without its enum: the first enum listed that has it.
        fn any_label(name: &str) -> Option<&'static str> {
            $(if let Ok(value) = name.parse::<$kind>() {
                return Some(value.label());
            })+
            None
        }

        #[cfg(test)]
        const ENUM_KINDS: &[&str] = &[$(stringify!($kind)),+];
    };
}

labelled_enums!(
    AuditStatus,
    ReviewOutcome,
    OpinionConclusion,
    ReviewKind,
    AuditEventKind,
    AnnualListStatus,
    SeatStatus,
    AttendanceStatus,
    TrainingSessionStatus,
    ExpertStatus,
    ConsultancyStatus,
    ProfessionalTitle,
    Grade,
    FindingKind,
    Sector,
    ExpertiseKind,
    Role,
    TrainingScope,
    TrainingAudience,
    ReviewStatus,
    NotificationChannel,
    DirectoryReasonKind,
    DirectoryApplicationStatus,
    CitySummaryStatus,
);

#[cfg(test)]
mod tests {
    use super::*;

    fn zh(message: &str) -> String {
        translate(message).unwrap_or_else(|| panic!("no Chinese for {message:?}"))
    }

    #[test]
    fn templates_take_their_parts_in_any_order() {
        assert_eq!(
            zh(
                "character 'A' at position 5 is not allowed: the first 17 characters are digits, the last a digit or X"
            ),
            "第 5 位的字符 'A' 无效：前 17 位须为数字，最后一位为数字或 X"
        );
        assert_eq!(
            zh("the expert was changed meanwhile (version 3 now, 2 expected); reload and retry"),
            "专家信息已被他人修改（当前版本 3，提交的版本 2），请刷新后重试"
        );
    }

    #[test]
    fn the_most_specific_template_wins() {
        assert_eq!(zh("must be between 0 and 70"), "须在 0 至 70 之间");
        assert_eq!(
            zh("must be between 0 and 100 with at most two decimals"),
            "须为 0–100 之间、最多两位小数的数值"
        );
        assert_eq!(zh("no such consultancy"), "咨询机构不存在");
        assert_eq!(zh("no such 企业"), "企业不存在");
        assert_eq!(zh("must be a whole number"), "须为整数");
    }

    #[test]
    fn enum_names_read_as_their_labels() {
        assert_eq!(
            zh("the seat is DECLINED; only an expert who attended is rated"),
            "该席位当前为“已谢绝”，只有已出席的专家才能评价"
        );
        // ACTIVE is 在库 for an expert and 正常 for a firm: the entry names the enum.
        assert_eq!(
            zh("an expert cannot move from ACTIVE to CANDIDATE"),
            "专家状态不能从“在库”变为“候选”"
        );
        assert_eq!(
            zh("a consultancy cannot move from ACTIVE to DEREGISTERED"),
            "咨询机构状态不能从“正常”变为“注销”"
        );
        assert_eq!(
            zh("an audit that is EVALUATION_FAILED cannot take RECORD_ACCEPTANCE(PASSED)"),
            "处于“评估未通过”状态的审核不能执行“验收结论（通过）”"
        );
        assert_eq!(
            zh(
                "ACCEPTANCE needs an audit that is EVALUATION_PASSED or ACCEPTANCE_FAILED; this audit is NOTIFIED"
            ),
            "验收要求审核处于“评估通过（待验收）或验收未通过”状态，该审核当前为“已通知”"
        );
    }

    #[test]
    fn messages_inside_messages_are_translated() {
        assert_eq!(
            zh(
                "no eligible expert is left for slot 1 (sector ENERGY, expertise ANY); 0 eligible experts fit it"
            ),
            "第 2 个席位（行业：能源，专业领域：不限）已没有可抽取的专家；符合其条件的专家共 0 名"
        );
        assert_eq!(
            zh(
                "admission check failed: professional title JUNIOR is too low: a senior title, or an intermediate title with enough years in the field, is required; the applicant is 66 on the appointment date 2025-01-01, experts must be under 65"
            ),
            "入库条件审查未通过：职称“初级”不符合要求：须具有高级职称，或具有中级职称且从事本领域工作年限足够；申请人在聘任日期 2025-01-01 已满 66 岁，专家须未满 65 岁"
        );
    }

    #[test]
    fn names_dates_and_numbers_stay_as_they_are() {
        assert_eq!(
            zh("山西某焦化有限公司 is not an enterprise of city 140200"),
            "山西某焦化有限公司 不是城市 140200 的企业"
        );
        assert_eq!(
            zh(
                "this person is employed by consultancy 0190a3 from 2024-01-01 to now; end that employment first"
            ),
            "此人正在咨询机构 0190a3 任职（2024-01-01 至 今），请先结束该任职"
        );
    }

    #[test]
    fn field_paths_read_as_labels() {
        assert_eq!(field_label("idCardNumber"), "身份证号码");
        assert_eq!(field_label("rows[2].examScore"), "第3条记录的考试成绩");
        assert_eq!(
            field_label("deductionPoints.FALSIFICATION"),
            "扣分标准（弄虚作假）"
        );
        assert_eq!(field_label("filter.year"), "筛选条件的年度");
        assert_eq!(field_label("somethingNew"), "somethingNew");
        assert_eq!(zh("must not be before termStart"), "不能早于聘期开始日期");
    }

    #[test]
    fn every_error_gets_chinese() {
        let bad = AppError::bad_input(
            "idCardNumber",
            "wrong check character '1': the first 17 digits call for 'X'",
        );
        assert_eq!(
            for_error(&bad),
            "身份证号码：校验码 '1' 错误：按前 17 位计算应为 'X'"
        );
        assert_eq!(
            for_error(&AppError::not_found("Expert", "0190")),
            "未找到专家：0190"
        );
        assert_eq!(
            for_error(&AppError::Unavailable),
            "服务暂时不可用，请稍后重试"
        );
        assert_eq!(
            for_error(&AppError::internal("SELECT failed")),
            "系统内部错误，请稍后重试或联系管理员"
        );
        // What slips through still reads Chinese.
        assert_eq!(
            for_error(&AppError::conflict("a message nobody translated")),
            "操作与现有数据冲突，请刷新后重试"
        );
        assert_eq!(
            for_error(&AppError::bad_input("email", "a message nobody translated")),
            "电子邮箱：填写的内容不符合要求"
        );
        assert_eq!(
            for_message("something else", "METHOD_NOT_ALLOWED"),
            "不支持该请求方法"
        );
    }

    #[test]
    fn json_error_bodies_get_chinese() {
        let body = add_to_body(serde_json::json!({ "errors": [
            { "message": "query is required", "extensions": { "code": "BAD_REQUEST" } },
            { "message": "x", "extensions": { "code": "NOT_FOUND", "messageZh": "已有" } },
        ] }));
        assert_eq!(
            body["errors"][0]["extensions"]["messageZh"],
            "缺少 query 参数"
        );
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_REQUEST");
        assert_eq!(body["errors"][1]["extensions"]["messageZh"], "已有");
    }

    #[test]
    fn catalogue_entries_are_well_formed() {
        let mut problems = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for template in TEMPLATES.iter() {
            let english = template.english;
            if !seen.insert(english) {
                problems.push(format!("{english:?} is in the catalogue twice"));
            }
            let inner = template
                .pieces
                .get(1..template.pieces.len().saturating_sub(1))
                .unwrap_or_default();
            if inner.iter().any(|p| p.is_empty()) {
                problems.push(format!(
                    "{english:?}: two parts side by side cannot be told apart"
                ));
            }
            if !english
                .replace("{}", "")
                .chars()
                .any(|c| !c.is_whitespace())
            {
                problems.push(format!("{english:?} has no fixed words"));
            }
            let parts = template.pieces.len() - 1;
            for piece in &template.chinese {
                if let Chinese::Part { index, kind } = piece {
                    if *index >= parts {
                        problems.push(format!(
                            "{english:?}: the Chinese uses part {{{index}}} of {parts}"
                        ));
                    }
                    if let Some(kind) = kind
                        && !matches!(*kind, "field" | "ordinal")
                        && !ENUM_KINDS.contains(kind)
                    {
                        problems.push(format!("{english:?}: unknown kind {kind:?}"));
                    }
                }
            }
        }
        for (name, table) in [
            ("TERMS", words::TERMS),
            ("FIELDS", words::FIELDS),
            ("ENTITIES", words::ENTITIES),
        ] {
            let mut keys = std::collections::HashSet::new();
            for (key, _) in table {
                if !keys.insert(key) {
                    problems.push(format!("{key:?} is in {name} twice"));
                }
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    /// async-graphql's own messages, produced by real requests on the real schema: a newer
    /// async-graphql that words them differently fails here.
    #[tokio::test]
    async fn async_graphql_messages_get_chinese() {
        let schema = crate::graphql::build_schema(None);
        let cases = [
            ("{ nope }", "类型 QueryRoot 没有字段“nope”。"),
            ("{ me { id", "查询语句有语法错误（第 1 行第 10 列）"),
            (
                "mutation { login(username: \"a\") { token } }",
                "字段“login”缺少必填参数“password”（类型 MutationRoot）",
            ),
            (
                "{ experts(first: \"x\") { totalCount } }",
                "参数“first”的值无效：应为 Int 类型",
            ),
            (
                "query A { me { id } } query B { me { id } }",
                "请求中有多个操作，请用 operationName 指定要执行的操作",
            ),
        ];
        let mut problems = Vec::new();
        for (query, expected) in cases {
            let response = schema.execute(query).await;
            let Some(error) = response.errors.first() else {
                problems.push(format!("{query}: no error"));
                continue;
            };
            match translate(&error.message) {
                Some(chinese) if chinese == expected => {}
                other => problems.push(format!("{query}: {:?} → {other:?}", error.message)),
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }
}
