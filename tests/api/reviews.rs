//! Finding reviews: the `reviews` list an organiser searches for the review to draw a panel
//! for, its filters and pages, and who may read it.

use serde_json::{Value, json};

use crate::audits::{not_the_organiser, setting};
use crate::db_test;
use crate::panels::{DRAW, day, evaluation, pool};
use crate::support::TestApp;

const REVIEWS: &str = "query($first: Int, $after: String, $filter: ReviewFilter) { reviews(first: $first, after: $after, filter: $filter) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id kind status date } } } }";

fn ids(page: &Value) -> Vec<String> {
    page["reviews"]["edges"]
        .as_array()
        .map(|edges| {
            edges
                .iter()
                .map(|e| e["node"]["id"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

async fn reviews_are_found_by_status_kind_city_date_and_panel(app: TestApp) {
    let s = setting(&app).await;
    pool(&app, &s.admin, 100, 2).await;
    let (_, soon) = evaluation(&app, &s, 11, &day(10)).await;
    let (_, later) = evaluation(&app, &s, 12, &day(40)).await;
    let (_, latest) = evaluation(&app, &s, 13, &day(70)).await;
    app.ok(
        Some(&s.city),
        DRAW,
        json!({ "input": { "reviewId": soon, "size": 3 } }),
    )
    .await;

    let all = app.ok(Some(&s.city), REVIEWS, json!({})).await;
    assert_eq!(all["reviews"]["totalCount"], 3);
    let undrawn = app
        .ok(
            Some(&s.city),
            REVIEWS,
            json!({ "filter": { "status": "SCHEDULED", "kind": "EVALUATION", "cityCode": "140100", "hasPanel": false } }),
        )
        .await;
    assert_eq!(ids(&undrawn), vec![later.clone(), latest.clone()]);
    let drawn = app
        .ok(
            Some(&s.city),
            REVIEWS,
            json!({ "filter": { "hasPanel": true } }),
        )
        .await;
    assert_eq!(ids(&drawn), vec![soon.clone()]);
    let window = app
        .ok(
            Some(&s.admin),
            REVIEWS,
            json!({ "filter": { "dateFrom": day(10), "dateTo": day(40) } }),
        )
        .await;
    assert_eq!(ids(&window), vec![soon.clone(), later.clone()]);
    let acceptances = app
        .ok(
            Some(&s.admin),
            REVIEWS,
            json!({ "filter": { "kind": "ACCEPTANCE" } }),
        )
        .await;
    assert_eq!(acceptances["reviews"]["totalCount"], 0);

    // Pages in a stable order, each review once.
    let first = app.ok(Some(&s.admin), REVIEWS, json!({ "first": 2 })).await;
    assert_eq!(first["reviews"]["pageInfo"]["hasNextPage"], true);
    let rest = app
        .ok(
            Some(&s.admin),
            REVIEWS,
            json!({ "first": 2, "after": first["reviews"]["pageInfo"]["endCursor"] }),
        )
        .await;
    let mut seen = ids(&first);
    seen.extend(ids(&rest));
    assert_eq!(seen, vec![soon, later, latest]);
}
db_test!(reviews_are_found_by_status_kind_city_date_and_panel);

async fn reviews_are_read_only_where_their_audits_are(app: TestApp) {
    let s = setting(&app).await;
    evaluation(&app, &s, 11, &day(10)).await;
    let datong = app.city_admin("140200").await;
    let own = app.ok(Some(&datong), REVIEWS, json!({})).await;
    assert_eq!(
        own["reviews"]["totalCount"], 0,
        "another city's reviews stay hidden"
    );
    let (code, error) = app
        .err(
            Some(&datong),
            REVIEWS,
            json!({ "filter": { "cityCode": "140100" } }),
        )
        .await;
    assert_eq!(code, "FORBIDDEN", "{error:#}");
    assert_eq!(app.code(None, REVIEWS, json!({})).await, "UNAUTHENTICATED");
    let firm = app.consultancy_user(&s.firm["id"]).await;
    let theirs = app.ok(Some(&firm), REVIEWS, json!({})).await;
    assert_eq!(
        theirs["reviews"]["totalCount"], 1,
        "the firm holding the audit"
    );
}
db_test!(reviews_are_read_only_where_their_audits_are);

async fn bad_review_filters_are_named(app: TestApp) {
    let admin = app.admin().await;
    let (code, error) = app
        .err(
            Some(&admin),
            REVIEWS,
            json!({ "filter": { "dateFrom": "2026-05-02", "dateTo": "2026-05-01" } }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(error["extensions"]["field"], "filter.dateTo");
    let (code, error) = app
        .err(Some(&admin), REVIEWS, json!({ "first": 100_000 }))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(error["extensions"]["field"], "first");
}
db_test!(bad_review_filters_are_named);

pub const MEETING: &str = "mutation($id: ID!, $input: ReviewMeetingInput!) { setReviewMeeting(reviewId: $id, input: $input) { id startsAt venue contactName contactPhone meetingNote meetingChanges { afterDraw changes } } }";

pub fn meeting(start: &str, venue: &str) -> Value {
    json!({ "startTime": start, "venue": venue, "contactName": "李工", "contactPhone": "0351-4000000", "note": "携带身份证" })
}

/// The review as a meeting: set by its organiser, changes kept; after the draw a change is
/// published for the seated experts.
pub(crate) async fn the_review_is_a_meeting(app: TestApp) {
    let s = setting(&app).await;
    pool(&app, &s.admin, 100, 1).await;
    let (_, review) = evaluation(&app, &s, 11, &day(10)).await;
    let set = app
        .ok(
            Some(&s.city),
            MEETING,
            json!({ "id": review, "input": meeting("09:30", "太原市生态环境局301会议室") }),
        )
        .await["setReviewMeeting"]
        .clone();
    let date = crate::panels::today() + chrono::Duration::days(10);
    // 09:30 China time is 01:30 UTC.
    assert_eq!(set["startsAt"], json!(format!("{date}T01:30:00+00:00")));
    assert_eq!(set["venue"], "太原市生态环境局301会议室");
    assert_eq!(set["meetingChanges"][0]["afterDraw"], false);
    assert!(app.events.take().is_empty(), "no panel yet: nobody to tell");

    // Bad input, and who may not: nothing written.
    let before = app.count("review_changes").await;
    for (input, field) in [
        (meeting("25:00", "会议室"), "input.startTime"),
        (meeting("09:30", "  "), "input.venue"),
        (
            json!({ "startTime": "09:30", "venue": "会议室", "contactName": "李工", "contactPhone": "电话" }),
            "input.contactPhone",
        ),
    ] {
        let (code, error) = app
            .err(
                Some(&s.city),
                MEETING,
                json!({ "id": review, "input": input }),
            )
            .await;
        assert_eq!(
            (code.as_str(), error["extensions"]["field"].as_str()),
            ("BAD_USER_INPUT", Some(field))
        );
    }
    for (token, want) in not_the_organiser(&app, &s).await {
        let input = json!({ "id": review, "input": meeting("10:00", "别处") });
        assert_eq!(app.code(token.as_deref(), MEETING, input).await, want);
    }
    assert_eq!(app.count("review_changes").await, before);

    // After the draw, a change reaches the seated experts.
    let panel = crate::panels::draw(&app, &s.city, json!({ "reviewId": review })).await;
    let moved = app
        .ok(
            Some(&s.city),
            MEETING,
            json!({ "id": review, "input": meeting("14:00", "太原市生态环境局301会议室") }),
        )
        .await["setReviewMeeting"]
        .clone();
    let change = &moved["meetingChanges"][1];
    assert_eq!(change["afterDraw"], true);
    assert_eq!(
        change["changes"]["startsAt"]["after"],
        json!(format!("{date}T06:00:00Z"))
    );
    assert!(
        change["changes"].get("venue").is_none(),
        "only what changed"
    );
    let events = app.events.take();
    let seated: Vec<uuid::Uuid> = panel["seats"]
        .as_array()
        .expect("seats")
        .iter()
        .map(|seat| uuid::Uuid::parse_str(seat["expertId"].as_str().expect("id")).expect("uuid"))
        .collect();
    match events.as_slice() {
        [
            cleanprod::services::events::DomainEvent::ReviewMeetingChanged {
                review_id,
                experts,
                ..
            },
        ] => {
            assert_eq!(review_id.to_string(), review.as_str().expect("id"));
            let mut experts = experts.clone();
            experts.sort();
            let mut seated = seated;
            seated.sort();
            assert_eq!(experts, seated);
        }
        other => panic!("one meeting change expected, got {other:?}"),
    }
}
db_test!(the_review_is_a_meeting);
