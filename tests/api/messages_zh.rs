//! Every error carries a Chinese `extensions.messageZh` beside its code and its English
//! message, whichever layer raised it.

use serde_json::json;

use crate::db_test;
use crate::support::TestApp;

fn has_chinese(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

async fn errors_speak_chinese_too(app: TestApp) {
    let admin = app.admin().await;
    let city = app.city_admin("140100").await;
    let cases = [
        // UNAUTHENTICATED
        (None, "{ me { id } }".to_owned(), json!({}), "请先登录"),
        // FORBIDDEN: a city may not read another city's reviews.
        (
            Some(city.clone()),
            "{ reviews(filter: { cityCode: \"140200\" }) { totalCount } }".to_owned(),
            json!({}),
            "本市",
        ),
        // NOT_FOUND
        (
            Some(admin.clone()),
            "{ review(id: \"0190a1b2-0000-7000-8000-000000000000\") { id } }".to_owned(),
            json!({}),
            "未找到",
        ),
        // BAD_USER_INPUT from the service, and from a scalar through async-graphql.
        (
            Some(admin.clone()),
            "{ reviews(filter: { dateFrom: \"2026-05-02\", dateTo: \"2026-05-01\" }) { totalCount } }"
                .to_owned(),
            json!({}),
            "不能早于开始日期",
        ),
        (
            Some(admin.clone()),
            "{ annualSummary(year: 2025, asOf: \"2025-13-01\") { year } }".to_owned(),
            json!({}),
            "月份 13 超出范围",
        ),
    ];
    for (token, query, variables, expected) in cases {
        let (code, error) = app.err(token.as_deref(), &query, variables).await;
        let zh = error["extensions"]["messageZh"]
            .as_str()
            .unwrap_or_default();
        assert!(
            has_chinese(zh) && zh.contains(expected),
            "{code}: {error:#}"
        );
        assert!(
            error["message"].as_str().is_some_and(|m| !has_chinese(m)),
            "the English message stays English: {error:#}"
        );
    }
}
db_test!(errors_speak_chinese_too);
