//! The panel at the venue and after, through the API as the organiser, the experts and the
//! audit's parties would use it: check-in with its time, automatic no-shows, the leader,
//! opinion sheets, the outcome rule and its confirmation, and `recordReviewOutcome` held
//! to it. With sheets required, as in production.

use serde_json::{Value, json};

use crate::audits::{RECORD, Setting, setting};
use crate::panels::{day, draw, evaluation, pool, seat_tokens, written};
use crate::support::TestApp;

const CHECK_IN: &str = "mutation($id: ID!, $at: DateTime) { checkInPanelSeat(seatId: $id, at: $at) { id status checkedInAt } }";
const LEADER: &str = "mutation($panel: ID!, $seat: ID!) { designatePanelLeader(panelId: $panel, seatId: $seat) { id status } }";
const SHEET: &str = "mutation($input: OpinionSheetInput!) { submitOpinionSheet(input: $input) { id seatId total conclusion remarks version documentId scores { code weight score } } }";
const CONFIRM: &str = "mutation($id: ID!) { confirmPanelOutcome(panelId: $id) { conclusion outcome score byLeader } }";
const PAPERS: &str = "query($id: ID!) { panelWorkingPapers(panelId: $id) { sheetsRequired leaderSeatId missingSlots sheets { seatId conclusion total } proposedOutcome { conclusion outcome score sheets pass passWithChanges fail } outcomeProblem confirmation { conclusion score byLeader } } }";
const CRITERIA: &str =
    "query($kind: ReviewKind!) { opinionCriteria(kind: $kind) { code label weight } }";
const PANEL: &str = "query($id: ID!) { panel(id: $id) { sheetsRequired leader { id } outcomeConfirmation { conclusion } workingPapers { sheets { seatId } } seats { id status checkedInAt } } }";

macro_rules! sheets_test {
    ($name:ident) => {
        mod $name {
            use crate::support::TestApp;

            fn as_in_production(c: &mut cleanprod::config::Config) {
                c.opinions.require_sheets = true;
            }

            #[actix_web::test]
            async fn sqlite() {
                super::$name(TestApp::sqlite_with(as_in_production).await).await;
            }

            #[actix_web::test]
            async fn postgres() {
                if let Some(app) = TestApp::postgres_with(as_in_production).await {
                    super::$name(app).await;
                }
            }
        }
    };
}

/// Rows the working papers write, besides the panel's own tables.
async fn papers_written(app: &TestApp) -> (Vec<i64>, i64) {
    (written(app).await, app.count("opinion_sheets").await)
}

/// A review held today with its panel drawn, and a signed-in user per seated expert.
struct Meeting {
    s: Setting,
    review: Value,
    panel: Value,
    seats: Vec<Value>,
    experts: Vec<String>,
}

async fn meeting(app: &TestApp, serial: u32) -> Meeting {
    let s = setting(app).await;
    pool(app, &s.admin, 100, 2).await;
    let (_, review) = evaluation(app, &s, serial, &day(0)).await;
    let panel = draw(app, &s.city, json!({ "reviewId": review })).await;
    let seats = panel["seats"].as_array().expect("seats").clone();
    let experts = seat_tokens(app, &seats).await;
    Meeting {
        s,
        review,
        panel,
        seats,
        experts,
    }
}

fn every_criterion(score: &str) -> Value {
    json!(
        ["PROCESS", "BASELINE", "OPTIONS", "BENEFITS", "REPORT"]
            .iter()
            .map(|c| json!({ "criterion": c, "score": score }))
            .collect::<Vec<_>>()
    )
}

fn sheet(seat: &Value, score: &str, conclusion: &str) -> Value {
    json!({ "input": {
        "seatId": seat["id"],
        "scores": every_criterion(score),
        "conclusion": conclusion,
        "remarks": "方案可行，建议补充能耗数据",
    } })
}

async fn check_in_all(app: &TestApp, m: &Meeting) {
    for seat in &m.seats {
        app.ok(Some(&m.s.city), CHECK_IN, json!({ "id": seat["id"] }))
            .await;
    }
}

pub(crate) async fn check_in_at_the_venue_and_no_shows(app: TestApp) {
    let m = meeting(&app, 10).await;
    let other_city = app.city_admin("140200").await;
    let firm = app.consultancy_user(&m.s.firm["id"]).await;
    let seat = &m.seats[0];
    let before = papers_written(&app).await;
    // Bad input: a time on another day, in the future, an unknown seat.
    let yesterday = (chrono::Utc::now() - chrono::Duration::days(1)).to_rfc3339();
    let tomorrow = (chrono::Utc::now() + chrono::Duration::hours(30)).to_rfc3339();
    for at in [yesterday, tomorrow] {
        assert_eq!(
            app.code(
                Some(&m.s.city),
                CHECK_IN,
                json!({ "id": seat["id"], "at": at })
            )
            .await,
            "BAD_USER_INPUT",
            "{at}"
        );
    }
    assert_eq!(
        app.code(
            Some(&m.s.city),
            CHECK_IN,
            json!({ "id": uuid::Uuid::now_v7().to_string() })
        )
        .await,
        "NOT_FOUND"
    );
    // Who may not: another city, the expert themself, the consultancy, anonymous.
    for token in [&other_city, &m.experts[0], &firm] {
        assert_eq!(
            app.code(Some(token), CHECK_IN, json!({ "id": seat["id"] }))
                .await,
            "FORBIDDEN"
        );
    }
    assert_eq!(
        app.code(None, CHECK_IN, json!({ "id": seat["id"] })).await,
        "UNAUTHENTICATED"
    );
    assert_eq!(papers_written(&app).await, before);

    let checked = app
        .ok(Some(&m.s.city), CHECK_IN, json!({ "id": seat["id"] }))
        .await["checkInPanelSeat"]
        .clone();
    assert_eq!(checked["status"], "ATTENDED");
    assert!(checked["checkedInAt"].is_string());
    // Once.
    assert_eq!(
        app.code(Some(&m.s.city), CHECK_IN, json!({ "id": seat["id"] }))
            .await,
        "BAD_USER_INPUT"
    );
    // The organiser types in the time from the paper sheet: earlier today is fine.
    let earlier = (chrono::Utc::now() - chrono::Duration::minutes(1)).to_rfc3339();
    let typed = app
        .ok(
            Some(&m.s.city),
            CHECK_IN,
            json!({ "id": m.seats[1]["id"], "at": earlier }),
        )
        .await["checkInPanelSeat"]
        .clone();
    assert_eq!(typed["status"], "ATTENDED");

    // The third never arrives. Leader, two sheets, confirmation, and the outcome recorded:
    // the seat never checked in becomes NO_SHOW.
    app.ok(
        Some(&m.s.city),
        LEADER,
        json!({ "panel": m.panel["id"], "seat": m.seats[0]["id"] }),
    )
    .await;
    for i in 0..2 {
        app.ok(Some(&m.experts[i]), SHEET, sheet(&m.seats[i], "80", "PASS"))
            .await;
    }
    app.ok(Some(&m.experts[0]), CONFIRM, json!({ "id": m.panel["id"] }))
        .await;
    app.ok(
        Some(&m.s.city),
        RECORD,
        json!({ "id": m.review, "input": { "outcome": "PASSED", "opinion": "通过评估" } }),
    )
    .await;
    let seats = app
        .ok(Some(&m.s.city), PANEL, json!({ "id": m.panel["id"] }))
        .await["panel"]["seats"]
        .clone();
    let statuses: Vec<&str> = seats
        .as_array()
        .expect("seats")
        .iter()
        .map(|s| s["status"].as_str().expect("status"))
        .collect();
    assert_eq!(statuses, ["ATTENDED", "ATTENDED", "NO_SHOW"]);
    assert!(seats[2]["checkedInAt"].is_null());
    // Check-in ends with the recorded outcome.
    assert_eq!(
        app.code(Some(&m.s.city), CHECK_IN, json!({ "id": m.seats[2]["id"] }))
            .await,
        "BAD_USER_INPUT"
    );
}
sheets_test!(check_in_at_the_venue_and_no_shows);

pub(crate) async fn check_in_only_on_the_review_day(app: TestApp) {
    let s = setting(&app).await;
    pool(&app, &s.admin, 100, 2).await;
    let (_, review) = evaluation(&app, &s, 11, &day(3)).await;
    let panel = draw(&app, &s.city, json!({ "reviewId": review })).await;
    let before = papers_written(&app).await;
    let (code, message) = app
        .err(
            Some(&s.city),
            CHECK_IN,
            json!({ "id": panel["seats"][0]["id"] }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert!(
        message["message"]
            .as_str()
            .unwrap_or("")
            .contains("checked in on that day"),
        "{message}"
    );
    assert_eq!(papers_written(&app).await, before);
}
sheets_test!(check_in_only_on_the_review_day);

pub(crate) async fn sheets_leader_and_the_outcome_they_give(app: TestApp) {
    let m = meeting(&app, 12).await;
    let panel_id = m.panel["id"].clone();
    let firm = app.consultancy_user(&m.s.firm["id"]).await;
    let other_city = app.city_admin("140200").await;

    let criteria = app
        .ok(
            Some(&m.experts[0]),
            CRITERIA,
            json!({ "kind": "EVALUATION" }),
        )
        .await["opinionCriteria"]
        .clone();
    let weights: i64 = criteria
        .as_array()
        .expect("criteria")
        .iter()
        .map(|c| c["weight"].as_i64().expect("weight"))
        .sum();
    assert_eq!(weights, 100);
    assert_eq!(criteria[0]["code"], "PROCESS");

    // Nobody sits as leader, nor hands in a sheet, before being checked in.
    let before = papers_written(&app).await;
    assert_eq!(
        app.code(
            Some(&m.s.city),
            LEADER,
            json!({ "panel": panel_id, "seat": m.seats[0]["id"] })
        )
        .await,
        "BAD_USER_INPUT"
    );
    assert_eq!(
        app.code(Some(&m.experts[0]), SHEET, sheet(&m.seats[0], "80", "PASS"))
            .await,
        "BAD_USER_INPUT"
    );
    // And no outcome is recorded without the sheets.
    assert_eq!(
        app.code(
            Some(&m.s.city),
            RECORD,
            json!({ "id": m.review, "input": { "outcome": "PASSED", "score": "80", "opinion": "通过" } })
        )
        .await,
        "BAD_USER_INPUT"
    );
    assert_eq!(papers_written(&app).await, before);

    check_in_all(&app, &m).await;

    // The leader: the organiser only, a seat of this panel.
    let before = papers_written(&app).await;
    for token in [&other_city, &m.experts[0], &firm] {
        assert_eq!(
            app.code(
                Some(token),
                LEADER,
                json!({ "panel": panel_id, "seat": m.seats[0]["id"] })
            )
            .await,
            "FORBIDDEN"
        );
    }
    assert_eq!(
        app.code(
            Some(&m.s.city),
            LEADER,
            json!({ "panel": panel_id, "seat": uuid::Uuid::now_v7().to_string() })
        )
        .await,
        "NOT_FOUND"
    );
    assert_eq!(papers_written(&app).await, before);
    app.ok(
        Some(&m.s.city),
        LEADER,
        json!({ "panel": panel_id, "seat": m.seats[1]["id"] }),
    )
    .await;
    // A later designation replaces it.
    app.ok(
        Some(&m.s.city),
        LEADER,
        json!({ "panel": panel_id, "seat": m.seats[0]["id"] }),
    )
    .await;

    // Sheets: bad input writes nothing.
    let before = papers_written(&app).await;
    let mut missing = sheet(&m.seats[0], "80", "PASS");
    missing["input"]["scores"] = json!([{ "criterion": "PROCESS", "score": "80" }]);
    let mut unknown = sheet(&m.seats[0], "80", "PASS");
    unknown["input"]["scores"][0]["criterion"] = json!("TASTE");
    let mut empty_remarks = sheet(&m.seats[0], "80", "PASS");
    empty_remarks["input"]["remarks"] = json!("  ");
    let mut foreign_document = sheet(&m.seats[0], "80", "PASS");
    foreign_document["input"]["documentId"] = json!(uuid::Uuid::now_v7().to_string());
    for (input, field) in [
        (missing, "input.scores"),
        (unknown, "input.scores"),
        (sheet(&m.seats[0], "100.5", "PASS"), "input.scores"),
        (sheet(&m.seats[0], "80.125", "PASS"), "input.scores"),
        (empty_remarks, "input.remarks"),
        (foreign_document, "input.documentId"),
    ] {
        let (code, ext) = app.err(Some(&m.experts[0]), SHEET, input.clone()).await;
        assert_eq!(code, "BAD_USER_INPUT", "{input}");
        assert_eq!(ext["extensions"]["field"], field, "{input}");
    }
    // Who may not: another expert of the panel for this seat, the consultancy, another city.
    for token in [&m.experts[1], &firm, &other_city] {
        assert_eq!(
            app.code(Some(token), SHEET, sheet(&m.seats[0], "80", "PASS"))
                .await,
            "FORBIDDEN"
        );
    }
    assert_eq!(papers_written(&app).await, before);

    // The expert hands in their own, with their own opinion document; revises it once.
    let document = crate::documents::attach(
        &app,
        &m.experts[0],
        "PANEL_SEAT",
        &m.seats[0]["id"],
        "EXPERT_OPINION",
    )
    .await;
    let mut own = sheet(&m.seats[0], "70", "PASS_WITH_CHANGES");
    own["input"]["documentId"] = document["id"].clone();
    let first = app.ok(Some(&m.experts[0]), SHEET, own).await["submitOpinionSheet"].clone();
    assert_eq!(first["total"], "70");
    assert_eq!(first["version"], 1);
    assert_eq!(first["scores"][2]["weight"], 30);
    let mut mixed = sheet(&m.seats[0], "90", "PASS");
    mixed["input"]["scores"][0]["score"] = json!("60");
    let revised = app.ok(Some(&m.experts[0]), SHEET, mixed).await["submitOpinionSheet"].clone();
    // 60 × 20% + 90 × 80% = 12 + 72
    assert_eq!(revised["total"], "84");
    assert_eq!(revised["version"], 2);
    assert_eq!(revised["id"], first["id"]);
    // The organiser types in the second from its signed paper.
    app.ok(
        Some(&m.s.city),
        SHEET,
        sheet(&m.seats[1], "75", "PASS_WITH_CHANGES"),
    )
    .await;

    // Readers: the leader reads all, another expert their own, the parties nothing.
    let leader_view = app
        .ok(Some(&m.experts[0]), PAPERS, json!({ "id": panel_id }))
        .await["panelWorkingPapers"]
        .clone();
    assert_eq!(leader_view["sheets"].as_array().expect("sheets").len(), 2);
    assert_eq!(leader_view["missingSlots"], json!([3]));
    assert_eq!(leader_view["sheetsRequired"], true);
    let own_view = app
        .ok(Some(&m.experts[1]), PAPERS, json!({ "id": panel_id }))
        .await["panelWorkingPapers"]
        .clone();
    assert_eq!(own_view["sheets"].as_array().expect("sheets").len(), 1);
    assert_eq!(own_view["sheets"][0]["seatId"], m.seats[1]["id"]);
    assert!(own_view["proposedOutcome"].is_null());
    assert_eq!(
        app.code(Some(&firm), PAPERS, json!({ "id": panel_id }))
            .await,
        "FORBIDDEN"
    );
    let by_firm = app.ok(Some(&firm), PANEL, json!({ "id": panel_id })).await["panel"].clone();
    assert!(by_firm["workingPapers"].is_null(), "{by_firm:#}");

    // Not confirmed while a present expert has no sheet; not by another expert.
    let before = papers_written(&app).await;
    let (code, ext) = app
        .err(Some(&m.experts[0]), CONFIRM, json!({ "id": panel_id }))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(ext["extensions"]["field"], "panelId");
    assert_eq!(papers_written(&app).await, before);
    app.ok(Some(&m.experts[2]), SHEET, sheet(&m.seats[2], "50", "FAIL"))
        .await;
    for token in [&m.experts[2], &firm, &other_city] {
        assert_eq!(
            app.code(Some(token), CONFIRM, json!({ "id": panel_id }))
                .await,
            "FORBIDDEN"
        );
    }
    assert_eq!(
        app.code(
            Some(&m.s.city),
            RECORD,
            json!({ "id": m.review, "input": { "outcome": "PASSED", "opinion": "通过" } })
        )
        .await,
        "BAD_USER_INPUT"
    );

    // PASS, PASS_WITH_CHANGES, FAIL: two of three at least pass with changes; the mean
    // of 84, 75 and 50 is 69.67.
    let proposed = app
        .ok(Some(&m.s.city), PAPERS, json!({ "id": panel_id }))
        .await["panelWorkingPapers"]["proposedOutcome"]
        .clone();
    assert_eq!(
        proposed,
        json!({ "conclusion": "PASS_WITH_CHANGES", "outcome": "PASSED", "score": "69.67", "sheets": 3, "pass": 1, "passWithChanges": 1, "fail": 1 })
    );
    let confirmed = app
        .ok(Some(&m.experts[0]), CONFIRM, json!({ "id": panel_id }))
        .await["confirmPanelOutcome"]
        .clone();
    assert_eq!(
        confirmed,
        json!({ "conclusion": "PASS_WITH_CHANGES", "outcome": "PASSED", "score": "69.67", "byLeader": true })
    );
    // Final: no revision, no second confirmation, no new leader.
    let before = papers_written(&app).await;
    assert_eq!(
        app.code(Some(&m.experts[2]), SHEET, sheet(&m.seats[2], "90", "PASS"))
            .await,
        "CONFLICT"
    );
    assert_eq!(
        app.code(Some(&m.s.city), CONFIRM, json!({ "id": panel_id }))
            .await,
        "CONFLICT"
    );
    assert_eq!(
        app.code(
            Some(&m.s.city),
            LEADER,
            json!({ "panel": panel_id, "seat": m.seats[1]["id"] })
        )
        .await,
        "CONFLICT"
    );
    // recordReviewOutcome refuses what contradicts the sheets.
    for (input, field) in [
        (
            json!({ "outcome": "FAILED", "opinion": "不通过" }),
            "input.outcome",
        ),
        (
            json!({ "outcome": "PASSED", "score": "90", "opinion": "通过" }),
            "input.score",
        ),
    ] {
        let (code, ext) = app
            .err(
                Some(&m.s.city),
                RECORD,
                json!({ "id": m.review, "input": input }),
            )
            .await;
        assert_eq!(code, "BAD_USER_INPUT");
        assert_eq!(ext["extensions"]["field"], field);
    }
    assert_eq!(papers_written(&app).await, before);
    let recorded = app
        .ok(
            Some(&m.s.city),
            RECORD,
            json!({ "id": m.review, "input": { "outcome": "PASSED", "opinion": "修改后通过" } }),
        )
        .await["recordReviewOutcome"]["review"]
        .clone();
    assert_eq!(recorded["score"], "69.67");
    assert_eq!(recorded["outcome"], "PASSED");
    let panel = app
        .ok(Some(&m.s.city), PANEL, json!({ "id": panel_id }))
        .await["panel"]
        .clone();
    assert_eq!(panel["leader"]["id"], m.seats[0]["id"]);
    assert_eq!(
        panel["outcomeConfirmation"]["conclusion"],
        "PASS_WITH_CHANGES"
    );
    assert_eq!(
        panel["workingPapers"]["sheets"]
            .as_array()
            .expect("sheets")
            .len(),
        3
    );
}
sheets_test!(sheets_leader_and_the_outcome_they_give);

/// A majority that passes with a mean below the pass mark is a contradiction the experts
/// resolve; the organiser may confirm for the leader from the signed paper.
pub(crate) async fn a_pass_below_the_mark_is_not_confirmed(app: TestApp) {
    let m = meeting(&app, 13).await;
    let panel_id = m.panel["id"].clone();
    check_in_all(&app, &m).await;
    app.ok(
        Some(&m.s.city),
        LEADER,
        json!({ "panel": panel_id, "seat": m.seats[2]["id"] }),
    )
    .await;
    for (i, seat) in m.seats.iter().enumerate() {
        app.ok(Some(&m.experts[i]), SHEET, sheet(seat, "55", "PASS"))
            .await;
    }
    let papers = app
        .ok(Some(&m.s.city), PAPERS, json!({ "id": panel_id }))
        .await["panelWorkingPapers"]
        .clone();
    assert!(papers["proposedOutcome"].is_null());
    assert!(
        papers["outcomeProblem"]
            .as_str()
            .expect("problem")
            .contains("below the pass mark 60"),
        "{papers:#}"
    );
    let before = papers_written(&app).await;
    assert_eq!(
        app.code(Some(&m.experts[2]), CONFIRM, json!({ "id": panel_id }))
            .await,
        "BAD_USER_INPUT"
    );
    assert_eq!(papers_written(&app).await, before);
    // One expert revises to FAIL: the majority still passes, the mean still low. Two do.
    for i in 0..2 {
        app.ok(Some(&m.experts[i]), SHEET, sheet(&m.seats[i], "55", "FAIL"))
            .await;
    }
    let confirmed = app
        .ok(Some(&m.s.city), CONFIRM, json!({ "id": panel_id }))
        .await["confirmPanelOutcome"]
        .clone();
    assert_eq!(
        confirmed,
        json!({ "conclusion": "FAIL", "outcome": "FAILED", "score": "55", "byLeader": false })
    );
    let recorded = app
        .ok(
            Some(&m.s.city),
            RECORD,
            json!({ "id": m.review, "input": { "outcome": "FAILED", "score": "55", "opinion": "不通过" } }),
        )
        .await["recordReviewOutcome"]["audit"]["status"]
        .clone();
    assert_eq!(recorded, "EVALUATION_FAILED");
}
sheets_test!(a_pass_below_the_mark_is_not_confirmed);

/// Panels drawn before sheets existed (the setting off at their draw) record as before.
pub(crate) async fn panels_without_sheets_record_as_before(app: TestApp) {
    let s = setting(&app).await;
    pool(&app, &s.admin, 100, 2).await;
    let (_, review) = evaluation(&app, &s, 14, &day(0)).await;
    let panel = draw(&app, &s.city, json!({ "reviewId": review })).await;
    let papers = app
        .ok(Some(&s.city), PAPERS, json!({ "id": panel["id"] }))
        .await["panelWorkingPapers"]
        .clone();
    assert_eq!(papers["sheetsRequired"], false);
    let recorded = app
        .ok(
            Some(&s.city),
            RECORD,
            json!({ "id": review, "input": { "outcome": "PASSED", "score": "80", "opinion": "通过" } }),
        )
        .await["recordReviewOutcome"]["review"]["score"]
        .clone();
    assert_eq!(recorded, "80");
}
crate::db_test!(panels_without_sheets_record_as_before);
