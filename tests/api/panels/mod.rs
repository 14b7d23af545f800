//! Expert panels through the API: the draw and its record, answers, replacements,
//! attendance and ratings, verification (online and offline), every error with nothing
//! written, the roles that may not act, and secrecy before the review date. The shared
//! operations and fixtures are here; the tests are in one file per topic.

use chrono::{Datelike, Duration, NaiveDate};
use serde_json::{Value, json};

use crate::audits::{
    RECORD, Setting, not_the_organiser, record_outcome, reported_audit, schedule, setting,
};
use crate::support::{TestApp, create_enterprise, enterprise_input, expert_input, firm_code};

pub(crate) mod draw;
pub(crate) mod seats;
pub(crate) mod secrecy;

// The flows `audit_coverage` runs.
pub(crate) use seats::{
    attendance_ratings_and_the_experts_year, replacement_is_a_new_verifiable_round,
};
pub(crate) use secrecy::sealed_until_the_review;

pub const DRAW: &str = "mutation($input: DrawPanelInput!) { drawPanel(input: $input) { id reviewId reviewKind reviewDate size complete composition { index sector expertiseKind } seats { id expertId slotIndex status } rounds { round kind algorithm seed serverRandom witnessNonce eligibleCount eligibleDigest poolDigest excludedTotal excludedCounts { reason count } alreadyInvited } } }";
pub const OPEN: &str =
    "mutation($id: ID!) { openDraw(reviewId: $id) { id reviewId commitment committedAt } }";
pub const RESPOND: &str = "mutation($id: ID!, $accept: Boolean!, $reason: String) { respondToPanelSeat(seatId: $id, accept: $accept, reason: $reason) { id status declineReason version } }";
pub const REPLACE: &str = "mutation($id: ID!, $nonce: String) { replaceDeclinedSeat(seatId: $id, witnessNonce: $nonce) { id expertId slotIndex status replacesSeatId drawId } }";
pub const ATTEND: &str = "mutation($id: ID!, $attended: Boolean!) { recordSeatAttendance(seatId: $id, attended: $attended) { id status } }";
pub const RATE: &str = "mutation($id: ID!, $score: Decimal!, $comment: String) { rateSeatedExpert(seatId: $id, score: $score, comment: $comment) { id rating ratingComment } }";
pub const PANEL: &str = "query($id: ID!) { panel(id: $id) { id complete seats { id expertId expertName slotIndex status replacesSeatId } rounds { round kind alreadyInvited eligibleCount excludedTotal excludedCounts { reason count } } } }";
pub const VERIFY: &str = "query($id: ID!) { verifyPanel(id: $id) { reproduces algorithm problems rounds { round reproduces problems expectedSeats { slotIndex expertId } } } }";
const SET_STATUS: &str = "mutation($id: ID!) { setExpertStatus(id: $id, status: ACTIVE, reason: \"appointed\") { status } }";
const CREATE_EXPERT: &str =
    "mutation($input: CreateExpertInput!) { createExpert(input: $input) { id } }";
const PANEL_ID: &str = "query($id: ID!) { panel(id: $id) { id } }";
const DRAW_RECORD: &str = "query($id: ID!) { panelDrawRecord(id: $id) }";
const AUDIT_LOG: &str = "{ auditLog(first: 100) { edges { node { operation summary } } } }";
const ANNUAL_REVIEW: &str = "query($y: Int!) { expertAnnualReview(year: $y, first: 100) { totalCount edges { node { expertId panelsServed noShows declines meanRating trainingHours recheckFindings flagged flags { action rule detail } } } } }";
const FAIRNESS: &str = "query($y: Int!) { drawFairness(year: $y) { year activeExperts totalSeats min max mean gini histogram { seats experts } declinedSeats } }";
const MY_SEATS: &str = "{ myPanelSeats { totalCount edges { node { id expertId reviewDate status panel { id } review { id kind date } } } } }";

pub fn today() -> NaiveDate {
    cleanprod::services::today()
}

pub fn day(offset: i64) -> String {
    (today() + Duration::days(offset)).to_string()
}

/// Creates an expert and makes them ACTIVE; returns the id.
pub async fn expert(
    app: &TestApp,
    admin: &str,
    serial: u32,
    sectors: &[&str],
    kinds: &[&str],
    city: &str,
) -> String {
    let mut input = expert_input(serial);
    input["sectors"] = json!(sectors);
    input["expertiseKinds"] = json!(kinds);
    input["cityCode"] = json!(city);
    let created = app
        .ok(Some(admin), CREATE_EXPERT, json!({ "input": input }))
        .await["createExpert"]["id"]
        .clone();
    app.ok(Some(admin), SET_STATUS, json!({ "id": created }))
        .await;
    created.as_str().expect("id").to_owned()
}

/// `per_kind` experts of each kind the default composition for a steel works needs (steel
/// INDUSTRY_PROCESS, ENVIRONMENTAL, ENERGY), from Datong (not the enterprise's city).
pub async fn pool(app: &TestApp, admin: &str, first_serial: u32, per_kind: u32) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..per_kind {
        let s = first_serial + i * 3;
        ids.push(expert(app, admin, s, &["STEEL"], &["INDUSTRY_PROCESS"], "140200").await);
        ids.push(expert(app, admin, s + 1, &["PAPER"], &["ENVIRONMENTAL"], "140200").await);
        ids.push(expert(app, admin, s + 2, &["CHEMICAL"], &["ENERGY"], "140200").await);
    }
    ids
}

/// An enterprise (serial) of Taiyuan whose audit has its report in, with an EVALUATION
/// scheduled on `date` and its draw opened: returns (audit id, review id).
pub async fn evaluation(app: &TestApp, s: &Setting, serial: u32, date: &str) -> (Value, Value) {
    let (audit, review) = evaluation_scheduled(app, s, serial, date).await;
    open_draw(app, &s.city, &review).await;
    (audit, review)
}

/// As [`evaluation`], the draw not opened yet.
pub async fn evaluation_scheduled(
    app: &TestApp,
    s: &Setting,
    serial: u32,
    date: &str,
) -> (Value, Value) {
    let enterprise = create_enterprise(app, &s.admin, enterprise_input(serial)).await;
    let on = day(0);
    let audit = reported_audit(app, s, &enterprise, today().year(), [on.as_str(); 3]).await;
    let audit = audit["id"].clone();
    let review = schedule(app, &s.city, &audit, "EVALUATION", date).await;
    (audit, review)
}

/// Opens the review's next draw round: the commitment a draw (or replacement) then uses.
pub async fn open_draw(app: &TestApp, token: &str, review: &Value) -> Value {
    app.ok(Some(token), OPEN, json!({ "id": review })).await["openDraw"].clone()
}

/// Opens the draw and draws, as an organiser does with the witness beside them.
pub async fn draw(app: &TestApp, token: &str, input: Value) -> Value {
    open_draw(app, token, &input["reviewId"]).await;
    app.ok(Some(token), DRAW, json!({ "input": input })).await["drawPanel"].clone()
}

/// Draws the panel of a review whose draw is open (as [`evaluation`] leaves it).
pub async fn draw_opened(app: &TestApp, token: &str, review: &Value) -> Value {
    app.ok(
        Some(token),
        DRAW,
        json!({ "input": { "reviewId": review } }),
    )
    .await["drawPanel"]
        .clone()
}

/// Rows of the tables a panel operation writes, to check that a failure wrote nothing.
pub async fn written(app: &TestApp) -> Vec<i64> {
    let mut counts = Vec::new();
    for table in [
        "panels",
        "panel_draws",
        "panel_seats",
        "expert_seat_counts",
        "reviews",
        "recheck_samples",
        "recheck_sample_items",
        "recheck_findings",
        "recheck_finding_experts",
        "audit_log",
        "expert_pool_snapshots",
    ] {
        counts.push(app.count(table).await);
    }
    counts
}

/// A panel drawn from a pool of `per_kind` experts of each kind (serials from 100), for the
/// evaluation of enterprise 10 `days` from today, the witness typing `nonce` if given:
/// (the setting, the pool, the audit's id, the review's id, the panel).
pub async fn drawn(
    app: &TestApp,
    per_kind: u32,
    days: i64,
    nonce: Option<&str>,
) -> (Setting, Vec<String>, Value, Value, Value) {
    let s = setting(app).await;
    let pool = pool(app, &s.admin, 100, per_kind).await;
    let (audit, review) = evaluation(app, &s, 10, &day(days)).await;
    let mut input = json!({ "reviewId": review });
    if let Some(nonce) = nonce {
        input["witnessNonce"] = json!(nonce);
    }
    let panel = draw(app, &s.city, input).await;
    (s, pool, audit, review, panel)
}

/// The seat's holder (or the organiser for them) answers the invitation.
pub async fn respond(app: &TestApp, token: &str, seat: &Value, accept: bool) -> Value {
    app.ok(
        Some(token),
        RESPOND,
        json!({ "id": seat, "accept": accept }),
    )
    .await["respondToPanelSeat"]
        .clone()
}

/// Records whether the seat's expert came to the review.
pub async fn attend(app: &TestApp, token: &str, seat: &Value, attended: bool) -> Value {
    let vars = json!({ "id": seat, "attended": attended });
    app.ok(Some(token), ATTEND, vars).await["recordSeatAttendance"].clone()
}

/// The panel's draw checked again by the server.
pub async fn verify(app: &TestApp, token: &str, panel_id: &Value) -> Value {
    app.ok(Some(token), VERIFY, json!({ "id": panel_id })).await["verifyPanel"].clone()
}

/// The code a request for the panel's id gets as `token`.
async fn panel_code(app: &TestApp, token: Option<&str>, panel: &Value) -> String {
    app.code(token, PANEL_ID, json!({ "id": panel["id"] }))
        .await
}

/// The audit log's entries, as the province reads them.
async fn audit_log(app: &TestApp, admin: &str) -> Vec<Value> {
    let log = app.ok(Some(admin), AUDIT_LOG, json!({})).await;
    log["auditLog"]["edges"]
        .as_array()
        .expect("entries")
        .clone()
}

/// Holds a review today with every seat ATTENDED and a PASSED outcome.
pub async fn hold(app: &TestApp, city: &str, review: &Value) -> Value {
    let panel = draw(app, city, json!({ "reviewId": review })).await;
    for seat in panel["seats"].as_array().expect("seats") {
        attend(app, city, &seat["id"], true).await;
    }
    record_outcome(app, city, review, ["PASSED", "88", "通过评估"]).await;
    panel
}

/// A signed-in user for each seat's expert, in the seats' order.
pub async fn seat_tokens(app: &TestApp, seats: &[Value]) -> Vec<String> {
    let mut tokens = Vec::new();
    for seat in seats {
        let expert = seat["expertId"].as_str();
        tokens.push(app.user_token("EXPERT", None, expert).await);
    }
    tokens
}

fn ids_of(panel: &Value) -> Vec<String> {
    panel["seats"]
        .as_array()
        .expect("seats")
        .iter()
        .map(|s| s["expertId"].as_str().expect("id").to_owned())
        .collect()
}
