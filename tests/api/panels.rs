//! Expert panels through the API: the draw and its record, answers, replacements,
//! attendance and ratings, verification (online and offline), every error with nothing
//! written, the roles that may not act, and secrecy before the review date.

use chrono::{Datelike, Duration, NaiveDate};
use serde_json::{Value, json};

use crate::audits::{CREATE_AUDIT, RECORD, SCHEDULE, START, SUBMIT, Setting, setting};
use crate::db_test;
use crate::support::{TestApp, create_enterprise, enterprise_input, expert_input, firm_code};

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
    let audit = app
        .ok(
            Some(&s.city),
            CREATE_AUDIT,
            json!({ "input": { "enterpriseId": enterprise["id"], "year": today().year(), "noticeDate": day(0) } }),
        )
        .await["createAudit"]["id"]
        .clone();
    app.ok(Some(&s.city), START, json!({ "id": audit, "on": day(0) }))
        .await;
    app.ok(
        Some(&s.city),
        SUBMIT,
        json!({ "id": audit, "input": { "consultancyId": s.firm["id"], "leadAuditorId": s.lead["id"], "submittedOn": day(0) } }),
    )
    .await;
    let review = app
        .ok(
            Some(&s.city),
            SCHEDULE,
            json!({ "input": { "auditId": audit, "kind": "EVALUATION", "date": date } }),
        )
        .await["scheduleReview"]["id"]
        .clone();
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

fn ids_of(panel: &Value) -> Vec<String> {
    panel["seats"]
        .as_array()
        .expect("seats")
        .iter()
        .map(|s| s["expertId"].as_str().expect("id").to_owned())
        .collect()
}

async fn full_flow_from_review_to_confirmed_panel(app: TestApp) {
    let s = setting(&app).await;
    let ids = pool(&app, &s.admin, 100, 2).await;
    let (_, review) = evaluation(&app, &s, 10, &day(20)).await;

    let panel = draw(
        &app,
        &s.city,
        json!({ "reviewId": review, "witnessNonce": "监督人 0428" }),
    )
    .await;
    assert_eq!(panel["size"], 3, "an evaluation's panel defaults to 3");
    assert_eq!(panel["reviewKind"], "EVALUATION");
    assert_eq!(
        panel["composition"],
        json!([
            { "index": 0, "sector": "STEEL", "expertiseKind": "INDUSTRY_PROCESS" },
            { "index": 1, "sector": null, "expertiseKind": "ENVIRONMENTAL" },
            { "index": 2, "sector": null, "expertiseKind": "ENERGY" }
        ])
    );
    let round = &panel["rounds"][0];
    assert_eq!(round["round"], 1);
    assert_eq!(round["kind"], "INITIAL");
    assert_eq!(round["algorithm"], "cleanprod-draw-v2/chacha20");
    assert_eq!(round["witnessNonce"], "监督人 0428");
    assert_eq!(round["seed"].as_str().map(str::len), Some(64));
    assert_eq!(round["serverRandom"].as_str().map(str::len), Some(64));
    assert_eq!(round["eligibleCount"], 6);
    assert_eq!(round["excludedTotal"], 0);
    // One expert per slot, each fitting it: the pool is [IP, ENV, ENERGY] × 2 in that order.
    let seats = panel["seats"].as_array().expect("seats");
    assert_eq!(seats.len(), 3);
    for seat in seats {
        assert_eq!(seat["status"], "INVITED");
        let slot = seat["slotIndex"].as_u64().expect("slot") as usize;
        let at = ids
            .iter()
            .position(|id| seat["expertId"] == *id)
            .expect("from the pool");
        assert_eq!(at % 3, slot, "the expert fits the slot");
    }
    assert_eq!(panel["complete"], false);

    // A second draw of the same review: refused, nothing written.
    let before = written(&app).await;
    assert_eq!(
        app.code(
            Some(&s.city),
            DRAW,
            json!({ "input": { "reviewId": review } })
        )
        .await,
        "CONFLICT"
    );
    assert_eq!(written(&app).await, before);

    // The first expert answers for themself, the city for the others.
    let first = &seats[0];
    let expert_token = app
        .user_token("EXPERT", None, first["expertId"].as_str())
        .await;
    let mine = app.ok(Some(&expert_token), MY_SEATS, json!({})).await["myPanelSeats"].clone();
    assert_eq!(mine["totalCount"], 1);
    let node = &mine["edges"][0]["node"];
    assert_eq!(node["id"], first["id"]);
    assert_eq!(node["reviewDate"], day(20));
    assert_eq!(node["review"]["kind"], "EVALUATION");
    assert_eq!(
        node["panel"],
        Value::Null,
        "an expert sees their seat, not the panel"
    );
    let confirmed = app
        .ok(
            Some(&expert_token),
            RESPOND,
            json!({ "id": first["id"], "accept": true }),
        )
        .await["respondToPanelSeat"]
        .clone();
    assert_eq!(confirmed["status"], "CONFIRMED");
    assert_eq!(
        app.code(
            Some(&expert_token),
            RESPOND,
            json!({ "id": first["id"], "accept": true })
        )
        .await,
        "BAD_USER_INPUT",
        "confirmed once"
    );
    for seat in &seats[1..] {
        app.ok(
            Some(&s.city),
            RESPOND,
            json!({ "id": seat["id"], "accept": true }),
        )
        .await;
    }
    let shown = app
        .ok(Some(&s.city), PANEL, json!({ "id": panel["id"] }))
        .await["panel"]
        .clone();
    assert_eq!(shown["complete"], true);
    assert!(
        shown["seats"]
            .as_array()
            .expect("seats")
            .iter()
            .all(|s| s["status"] == "CONFIRMED" && s["expertName"].is_string())
    );

    let verified = app
        .ok(Some(&s.admin), VERIFY, json!({ "id": panel["id"] }))
        .await["verifyPanel"]
        .clone();
    assert_eq!(verified["reproduces"], true, "{verified:#}");
    assert_eq!(
        verified["rounds"][0]["expectedSeats"]
            .as_array()
            .map(Vec::len),
        Some(3)
    );

    // The draw is in the tamper-evident audit log with its seed and digests.
    let log = app
        .ok(
            Some(&s.admin),
            "{ auditLog(first: 100) { edges { node { operation summary } } } }",
            json!({}),
        )
        .await;
    let entry = log["auditLog"]["edges"]
        .as_array()
        .expect("entries")
        .iter()
        .find(|e| e["node"]["operation"] == "drawPanel")
        .expect("drawPanel logged");
    let summary = entry["node"]["summary"].as_str().expect("summary");
    assert!(summary.contains(round["seed"].as_str().expect("seed")));
    assert!(summary.contains(round["eligibleDigest"].as_str().expect("digest")));
}
db_test!(full_flow_from_review_to_confirmed_panel);

/// The server's random bytes are fixed, and their commitment shown and logged, before the
/// witness types the nonce; a draw without one is refused, and the round reveals bytes that
/// match it.
async fn draws_rest_on_a_prior_commitment(app: TestApp) {
    use sha2::{Digest, Sha256};
    let s = setting(&app).await;
    pool(&app, &s.admin, 100, 1).await;
    let (_, review) = evaluation_scheduled(&app, &s, 10, &day(20)).await;
    let input = json!({ "input": { "reviewId": review, "witnessNonce": "见证人 7" } });

    // No commitment, no draw; nothing written.
    let before = written(&app).await;
    let (code, error) = app.err(Some(&s.city), DRAW, input.clone()).await;
    assert_eq!(
        (code.as_str(), error["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("reviewId"))
    );
    assert_eq!(written(&app).await, before);

    // Only the organiser opens a draw.
    let other_city = app.city_admin("140200").await;
    let firm = app.consultancy_user(&s.firm["id"]).await;
    for (token, want) in [
        (Some(other_city.as_str()), "FORBIDDEN"),
        (Some(firm.as_str()), "FORBIDDEN"),
        (None, "UNAUTHENTICATED"),
    ] {
        assert_eq!(app.code(token, OPEN, json!({ "id": review })).await, want);
    }
    assert_eq!(
        app.code(Some(&s.city), OPEN, json!({ "id": "not-an-id" }))
            .await,
        "BAD_USER_INPUT"
    );

    // Opened once: asked again, the same commitment until a round uses it.
    let opened = open_draw(&app, &s.city, &review).await;
    let commitment = opened["commitment"]
        .as_str()
        .expect("commitment")
        .to_owned();
    assert_eq!(commitment.len(), 64);
    assert_eq!(open_draw(&app, &s.city, &review).await, opened);
    let logged = app
        .count(&format!(
            "audit_log WHERE operation = 'openDraw' AND entity_id = '{}'",
            opened["id"].as_str().expect("id")
        ))
        .await;
    assert_eq!(logged, 1, "the commitment is in the audit log");

    let panel = app.ok(Some(&s.city), DRAW, input).await["drawPanel"].clone();
    let round = app
        .ok(
            Some(&s.city),
            "query($id: ID!) { panel(id: $id) { rounds { algorithm serverRandom commitment committedAt drawnAt } } }",
            json!({ "id": panel["id"] }),
        )
        .await["panel"]["rounds"][0]
        .clone();
    assert_eq!(round["algorithm"], "cleanprod-draw-v2/chacha20");
    assert_eq!(round["commitment"], commitment.as_str());
    // The revealed bytes are those committed to.
    let random = hex::decode(round["serverRandom"].as_str().expect("random")).expect("hex");
    let mut hasher = Sha256::new();
    hasher.update(25u32.to_be_bytes());
    hasher.update(b"cleanprod-draw-commitment");
    hasher.update(32u32.to_be_bytes());
    hasher.update(&random);
    assert_eq!(hex::encode(hasher.finalize()), commitment);
    assert!(round["committedAt"].as_str() < round["drawnAt"].as_str());
    let verified = app
        .ok(Some(&s.city), VERIFY, json!({ "id": panel["id"] }))
        .await;
    assert_eq!(verified["verifyPanel"]["reproduces"], true, "{verified:#}");

    // A new round needs a new commitment: the next one differs.
    let next = open_draw(&app, &s.city, &review).await;
    assert_ne!(next["commitment"], opened["commitment"]);
}
db_test!(draws_rest_on_a_prior_commitment);

/// An expert who is on the staff register of the audit's consultancy (the same person by ID
/// card) is not drawn, though the tie was never declared; the record says why, and the draw
/// still reproduces.
async fn the_consultancys_own_staff_are_recused_by_identity(app: TestApp) {
    let s = setting(&app).await;
    // The lead auditor of the setting's firm is also in the expert pool, as an
    // environmental expert the default composition needs; nobody declared the tie.
    let lead_card = crate::support::staff_input(1, "2020-01-01")["idCardNumber"].clone();
    let mut input = expert_input(900);
    input["idCardNumber"] = lead_card;
    input["birthDate"] = json!("1980-01-01");
    input["sectors"] = json!(["PAPER"]);
    input["expertiseKinds"] = json!(["ENVIRONMENTAL"]);
    input["cityCode"] = json!("140200");
    let created = app
        .ok(Some(&s.admin), CREATE_EXPERT, json!({ "input": input }))
        .await["createExpert"]["id"]
        .clone();
    app.ok(Some(&s.admin), SET_STATUS, json!({ "id": created }))
        .await;
    pool(&app, &s.admin, 100, 1).await;
    let (_, review) = evaluation(&app, &s, 10, &day(20)).await;
    let panel = draw(&app, &s.city, json!({ "reviewId": review })).await;
    assert!(
        panel["seats"]
            .as_array()
            .expect("seats")
            .iter()
            .all(|seat| seat["expertId"] != created),
        "the firm's own auditor is never drawn"
    );
    let counts = panel["rounds"][0]["excludedCounts"]
        .as_array()
        .expect("counts")
        .clone();
    assert!(
        counts.contains(&json!({ "reason": "STAFF_OF_CONSULTANCY", "count": 1 })),
        "{counts:?}"
    );
    let excluded = app
        .ok(
            Some(&s.city),
            "query($id: ID!) { panel(id: $id) { rounds { excludedExperts(reason: STAFF_OF_CONSULTANCY) { edges { node { expert { id } reasons } } } } } }",
            json!({ "id": panel["id"] }),
        )
        .await;
    assert_eq!(
        excluded["panel"]["rounds"][0]["excludedExperts"]["edges"][0]["node"]["expert"]["id"],
        created
    );
    let verified = app
        .ok(Some(&s.city), VERIFY, json!({ "id": panel["id"] }))
        .await;
    assert_eq!(verified["verifyPanel"]["reproduces"], true, "{verified:#}");
}
db_test!(the_consultancys_own_staff_are_recused_by_identity);

pub(crate) async fn replacement_is_a_new_verifiable_round(app: TestApp) {
    let s = setting(&app).await;
    let ids = pool(&app, &s.admin, 100, 2).await;
    let (_, review) = evaluation(&app, &s, 10, &day(20)).await;
    let panel = draw(&app, &s.city, json!({ "reviewId": review })).await;
    let seats = panel["seats"].as_array().expect("seats").clone();
    let env = seats
        .iter()
        .find(|s| s["slotIndex"] == 1)
        .expect("environment seat")
        .clone();
    let env_expert = env["expertId"].as_str().expect("id").to_owned();
    let other_env: Vec<&String> = ids
        .iter()
        .enumerate()
        .filter(|(i, id)| i % 3 == 1 && **id != env_expert)
        .map(|(_, id)| id)
        .collect();

    // Only a declined seat is replaced.
    let before = written(&app).await;
    let (code, error) = app
        .err(Some(&s.city), REPLACE, json!({ "id": env["id"] }))
        .await;
    assert_eq!(
        (code.as_str(), error["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("seatId"))
    );
    assert_eq!(written(&app).await, before);

    // The expert declines with a reason: the day and the cap place are freed.
    let expert_token = app.user_token("EXPERT", None, Some(&env_expert)).await;
    let (code, error) = app
        .err(
            Some(&expert_token),
            RESPOND,
            json!({ "id": env["id"], "accept": true, "reason": "行程冲突" }),
        )
        .await;
    assert_eq!(
        (code.as_str(), error["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("reason"))
    );
    let declined = app
        .ok(
            Some(&expert_token),
            RESPOND,
            json!({ "id": env["id"], "accept": false, "reason": "行程冲突" }),
        )
        .await["respondToPanelSeat"]
        .clone();
    assert_eq!(declined["status"], "DECLINED");
    assert_eq!(declined["declineReason"], "行程冲突");
    assert_eq!(seats_counted(&app, &env_expert).await, 0);

    // A replacement is a round of its own: it needs a commitment of its own.
    let (code, error) = app
        .err(
            Some(&s.city),
            REPLACE,
            json!({ "id": env["id"], "nonce": "second witness" }),
        )
        .await;
    assert_eq!(
        (code.as_str(), error["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("reviewId")),
        "the first round's commitment is used up"
    );
    open_draw(&app, &s.city, &review).await;
    let replacement = app
        .ok(
            Some(&s.city),
            REPLACE,
            json!({ "id": env["id"], "nonce": "second witness" }),
        )
        .await["replaceDeclinedSeat"]
        .clone();
    assert_eq!(replacement["slotIndex"], 1, "the declined seat's slot");
    assert_eq!(replacement["status"], "INVITED");
    assert_eq!(replacement["replacesSeatId"], env["id"]);
    assert_eq!(
        replacement["expertId"], *other_env[0],
        "the only environmental expert never invited"
    );

    // Replaced once only.
    let before = written(&app).await;
    assert_eq!(
        app.code(Some(&s.city), REPLACE, json!({ "id": env["id"] }))
            .await,
        "CONFLICT"
    );
    assert_eq!(written(&app).await, before);

    // The replacement declines too: nobody environmental is left who was not invited.
    app.ok(
        Some(&s.city),
        RESPOND,
        json!({ "id": replacement["id"], "accept": false }),
    )
    .await;
    open_draw(&app, &s.city, &review).await;
    let before = written(&app).await;
    let (code, error) = app
        .err(Some(&s.city), REPLACE, json!({ "id": replacement["id"] }))
        .await;
    assert_eq!(code, "INSUFFICIENT_CANDIDATES", "{error:#}");
    let ext = &error["extensions"];
    assert_eq!(ext["unfillableSlot"]["index"], 1);
    assert_eq!(ext["unfillableSlot"]["kind"], "ENVIRONMENTAL");
    assert_eq!(ext["unfillableSlot"]["fitting"], 0);
    assert_eq!(written(&app).await, before);

    let shown = app
        .ok(Some(&s.city), PANEL, json!({ "id": panel["id"] }))
        .await["panel"]
        .clone();
    let rounds = shown["rounds"].as_array().expect("rounds");
    assert_eq!(rounds.len(), 2, "the failed replacement left no round");
    assert_eq!(rounds[1]["kind"], "REPLACEMENT");
    let invited: Vec<String> = rounds[1]["alreadyInvited"]
        .as_array()
        .expect("list")
        .iter()
        .map(|v| v.as_str().expect("id").to_owned())
        .collect();
    let mut first_three = ids_of(&panel);
    first_three.sort();
    assert_eq!(invited, first_three);
    assert_eq!(shown["seats"].as_array().map(Vec::len), Some(4));
    let verified = app
        .ok(Some(&s.city), VERIFY, json!({ "id": panel["id"] }))
        .await["verifyPanel"]
        .clone();
    assert_eq!(verified["reproduces"], true, "{verified:#}");
    assert_eq!(verified["rounds"].as_array().map(Vec::len), Some(2));
}
db_test!(replacement_is_a_new_verifiable_round);

/// The expert's seats as the cap counter holds them (all years).
async fn seats_counted(app: &TestApp, expert: &str) -> i32 {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let id = uuid::Uuid::parse_str(expert).expect("uuid");
    entity::expert_seat_count::Entity::find()
        .filter(entity::expert_seat_count::Column::ExpertId.eq(id))
        .all(&app.state.services.db)
        .await
        .expect("counters")
        .iter()
        .map(|c| c.seats)
        .sum()
}

async fn every_exclusion_reason_is_counted_and_listed(app: TestApp) {
    let s = setting(&app).await;
    let admin = &s.admin;
    pool(&app, admin, 100, 2).await;
    let date = day(20);
    let (_, review) = evaluation(&app, &s, 10, &date).await;
    // Another panel the same day seats three of the pool.
    let (_, other) = evaluation(&app, &s, 11, &date).await;
    let taken = draw(&app, &s.city, json!({ "reviewId": other })).await;
    let seated = ids_of(&taken);

    // One expert for each other reason, all of profiles that would fit a slot.
    let candidate = {
        let mut input = expert_input(300);
        input["sectors"] = json!(["STEEL"]);
        input["expertiseKinds"] = json!(["ENERGY"]);
        app.ok(Some(admin), CREATE_EXPERT, json!({ "input": input }))
            .await["createExpert"]["id"]
            .clone()
    };
    let out_of_term = {
        let mut input = expert_input(301);
        input["termEnd"] = json!(day(10));
        let id = app
            .ok(Some(admin), CREATE_EXPERT, json!({ "input": input }))
            .await["createExpert"]["id"]
            .clone();
        app.ok(Some(admin), SET_STATUS, json!({ "id": id })).await;
        id
    };
    let unavailable = expert(&app, admin, 302, &["STEEL"], &["ENERGY"], "140200").await;
    app.ok(
        Some(admin),
        "mutation($id: ID!, $input: ExpertUnavailabilityInput!) { addExpertUnavailability(expertId: $id, input: $input) { id } }",
        json!({ "id": unavailable, "input": { "startsOn": day(19), "endsOn": day(21) } }),
    )
    .await;
    let capped = expert(&app, admin, 303, &["STEEL"], &["ENERGY"], "140200").await;
    {
        use sea_orm::{ActiveModelTrait, Set};
        entity::expert_seat_count::ActiveModel {
            expert_id: Set(uuid::Uuid::parse_str(&capped).expect("uuid")),
            year: Set((today() + Duration::days(20)).year()),
            seats: Set(12),
        }
        .insert(&app.state.services.db)
        .await
        .expect("twelve seats this year");
    }
    let employed = expert(&app, admin, 304, &["STEEL"], &["ENERGY"], "140200").await;
    app.ok(
        Some(admin),
        "mutation($id: ID!, $input: UpdateExpertInput!) { updateExpert(id: $id, input: $input, expectedVersion: 2) { id } }",
        json!({ "id": employed, "input": { "employerCreditCode": firm_code(10) } }),
    )
    .await;
    let tied = expert(&app, admin, 305, &["STEEL"], &["ENERGY"], "140200").await;
    // A directorship of the consultancy that ended two years before the review still counts.
    let ended = (today() + Duration::days(20 - 730)).to_string();
    app.ok(
        Some(admin),
        "mutation($id: ID!, $input: ExpertConflictInput!) { addExpertConflict(expertId: $id, input: $input) { id } }",
        json!({ "id": tied, "input": { "kind": "DIRECTORSHIP", "organisationName": "咨询机构1", "organisationCreditCode": firm_code(500_001), "validFrom": "2015-01-01", "validUntil": ended } }),
    )
    .await;
    let same_city = expert(&app, admin, 306, &["STEEL"], &["ENERGY"], "140100").await;

    let panel = draw(
        &app,
        &s.city,
        json!({ "reviewId": review, "excludeSameCity": true, "size": 3 }),
    )
    .await;
    let round = &panel["rounds"][0];
    let counts: Vec<(String, i64)> = round["excludedCounts"]
        .as_array()
        .expect("counts")
        .iter()
        .map(|c| {
            (
                c["reason"].as_str().expect("reason").to_owned(),
                c["count"].as_i64().expect("count"),
            )
        })
        .collect();
    assert_eq!(
        counts,
        [
            ("NOT_ACTIVE", 1),
            ("OUT_OF_TERM", 1),
            ("UNAVAILABLE", 1),
            ("SEATED_SAME_DAY", 3),
            ("SEAT_CAP_REACHED", 1),
            ("CONFLICT_ENTERPRISE", 1),
            ("CONFLICT_CONSULTANCY", 1),
            ("SAME_CITY", 1),
        ]
        .map(|(r, n)| (r.to_owned(), n))
    );
    assert_eq!(round["excludedTotal"], 10);
    assert_eq!(round["eligibleCount"], 3);
    let drawn = ids_of(&panel);
    assert!(drawn.iter().all(|id| !seated.contains(id)));

    // The organiser lists the excluded experts with every reason; filtered by one reason.
    let listed = app
        .ok(
            Some(&s.city),
            "query($id: ID!) { panel(id: $id) { rounds { excludedExperts(first: 50) { totalCount edges { node { expertId reasons expert { name } } } } sameCity: excludedExperts(reason: SAME_CITY) { totalCount edges { node { expertId } } } } } }",
            json!({ "id": panel["id"] }),
        )
        .await;
    let r = &listed["panel"]["rounds"][0];
    assert_eq!(r["excludedExperts"]["totalCount"], 10);
    let reasons_of = |id: &Value| -> Vec<String> {
        r["excludedExperts"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .find(|e| e["node"]["expertId"] == *id)
            .map(|e| {
                e["node"]["reasons"]
                    .as_array()
                    .expect("reasons")
                    .iter()
                    .map(|x| x.as_str().expect("reason").to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(reasons_of(&candidate), ["NOT_ACTIVE", "SAME_CITY"]);
    assert_eq!(reasons_of(&out_of_term), ["OUT_OF_TERM", "SAME_CITY"]);
    assert_eq!(reasons_of(&json!(capped)), ["SEAT_CAP_REACHED"]);
    assert_eq!(reasons_of(&json!(employed)), ["CONFLICT_ENTERPRISE"]);
    assert_eq!(reasons_of(&json!(tied)), ["CONFLICT_CONSULTANCY"]);
    assert_eq!(reasons_of(&json!(same_city)), ["SAME_CITY"]);
    assert_eq!(reasons_of(&json!(seated[0])), ["SEATED_SAME_DAY"]);
    assert_eq!(r["sameCity"]["totalCount"], 3, "every expert of Taiyuan");
    assert_eq!(
        app.code(
            Some(&app.city_admin("140200").await),
            "query($id: ID!) { panel(id: $id) { id } }",
            json!({ "id": panel["id"] })
        )
        .await,
        "FORBIDDEN"
    );
}
db_test!(every_exclusion_reason_is_counted_and_listed);

async fn bad_draws_write_nothing(app: TestApp) {
    let s = setting(&app).await;
    let admin = &s.admin;
    // No energy expert at all.
    for (serial, kind) in [
        (100, "INDUSTRY_PROCESS"),
        (101, "ENVIRONMENTAL"),
        (102, "AUDIT_METHOD"),
    ] {
        expert(&app, admin, serial, &["STEEL"], &[kind], "140200").await;
    }
    let suspended = expert(&app, admin, 103, &["STEEL"], &["ENERGY"], "140200").await;
    app.ok(
        Some(admin),
        "mutation($id: ID!) { setExpertStatus(id: $id, status: SUSPENDED, reason: \"leave\") { status } }",
        json!({ "id": suspended }),
    )
    .await;
    let (_, review) = evaluation(&app, &s, 10, &day(20)).await;
    let before = written(&app).await;

    let (code, error) = app
        .err(
            Some(&s.city),
            DRAW,
            json!({ "input": { "reviewId": review } }),
        )
        .await;
    assert_eq!(code, "INSUFFICIENT_CANDIDATES", "{error:#}");
    let ext = &error["extensions"];
    assert_eq!(ext["eligibleCount"], 3);
    assert_eq!(ext["excludedCounts"], json!({ "NOT_ACTIVE": 1 }));
    assert_eq!(ext["excludedTotal"], 1);
    assert_eq!(
        ext["unfillableSlot"],
        json!({ "index": 2, "sector": null, "kind": "ENERGY", "fitting": 0 })
    );
    assert_eq!(written(&app).await, before);

    // Too few for the size asked.
    let (code, error) = app
        .err(
            Some(&s.city),
            DRAW,
            json!({ "input": { "reviewId": review, "size": 5, "composition": [] } }),
        )
        .await;
    assert_eq!(code, "INSUFFICIENT_CANDIDATES");
    assert_eq!(error["extensions"]["needed"], 5);
    assert_eq!(error["extensions"]["available"], 3);
    assert_eq!(error["extensions"]["unfillableSlot"], Value::Null);
    assert_eq!(written(&app).await, before);

    // Bad input, each naming its field.
    for (input, field) in [
        (json!({ "reviewId": review, "size": 4 }), "size"),
        (json!({ "reviewId": review, "size": 11 }), "size"),
        (json!({ "reviewId": review, "size": 1 }), "size"),
        (
            json!({ "reviewId": review, "composition": [{ "expertiseKind": "ENERGY" }, {}, {}, {}] }),
            "composition",
        ),
        (
            json!({ "reviewId": review, "witnessNonce": "bad\u{0007}nonce" }),
            "witnessNonce",
        ),
        (
            json!({ "reviewId": review, "witnessNonce": "x".repeat(300) }),
            "witnessNonce",
        ),
        (json!({ "reviewId": "not-an-id" }), "reviewId"),
    ] {
        let (code, error) = app
            .err(Some(&s.city), DRAW, json!({ "input": input }))
            .await;
        assert_eq!(
            (code.as_str(), error["extensions"]["field"].as_str()),
            ("BAD_USER_INPUT", Some(field)),
            "{input}"
        );
    }
    assert_eq!(
        app.code(
            Some(&s.city),
            DRAW,
            json!({ "input": { "reviewId": uuid::Uuid::now_v7().to_string() } })
        )
        .await,
        "NOT_FOUND"
    );
    assert_eq!(written(&app).await, before);

    // A review already held, or whose date has passed, gets no panel.
    let (audit, held) = evaluation(&app, &s, 11, &day(0)).await;
    app.ok(
        Some(&s.city),
        RECORD,
        json!({ "id": held, "input": { "outcome": "PASSED", "score": "90", "opinion": "通过" } }),
    )
    .await;
    let _ = audit;
    let enterprise = create_enterprise(&app, admin, enterprise_input(12)).await;
    let audit = app
        .ok(
            Some(&s.city),
            CREATE_AUDIT,
            json!({ "input": { "enterpriseId": enterprise["id"], "year": today().year(), "noticeDate": day(-20) } }),
        )
        .await["createAudit"]["id"]
        .clone();
    app.ok(Some(&s.city), START, json!({ "id": audit, "on": day(-20) }))
        .await;
    app.ok(
        Some(&s.city),
        SUBMIT,
        json!({ "id": audit, "input": { "consultancyId": s.firm["id"], "leadAuditorId": s.lead["id"], "submittedOn": day(-10) } }),
    )
    .await;
    let past = app
        .ok(
            Some(&s.city),
            SCHEDULE,
            json!({ "input": { "auditId": audit, "kind": "EVALUATION", "date": day(-1) } }),
        )
        .await["scheduleReview"]["id"]
        .clone();
    let before = written(&app).await;
    for review in [&held, &past] {
        let (code, error) = app
            .err(
                Some(&s.city),
                DRAW,
                json!({ "input": { "reviewId": review, "composition": [] } }),
            )
            .await;
        assert_eq!(
            (code.as_str(), error["extensions"]["field"].as_str()),
            ("BAD_USER_INPUT", Some("reviewId"))
        );
    }
    assert_eq!(written(&app).await, before);
}
db_test!(bad_draws_write_nothing);

pub(crate) async fn attendance_ratings_and_the_experts_year(app: TestApp) {
    let s = setting(&app).await;
    pool(&app, &s.admin, 100, 2).await;
    let (_, today_review) = evaluation(&app, &s, 10, &day(0)).await;
    let (_, later_review) = evaluation(&app, &s, 11, &day(30)).await;
    let panel = draw(&app, &s.city, json!({ "reviewId": today_review })).await;
    let later = draw(&app, &s.city, json!({ "reviewId": later_review })).await;
    let seats = panel["seats"].as_array().expect("seats").clone();

    // Not before the review.
    let before = written(&app).await;
    assert_eq!(
        app.code(
            Some(&s.city),
            ATTEND,
            json!({ "id": later["seats"][0]["id"], "attended": true })
        )
        .await,
        "BAD_USER_INPUT"
    );
    assert_eq!(written(&app).await, before);

    let attended = app
        .ok(
            Some(&s.city),
            ATTEND,
            json!({ "id": seats[0]["id"], "attended": true }),
        )
        .await["recordSeatAttendance"]
        .clone();
    assert_eq!(attended["status"], "ATTENDED");
    let no_show = app
        .ok(
            Some(&s.city),
            ATTEND,
            json!({ "id": seats[1]["id"], "attended": false }),
        )
        .await["recordSeatAttendance"]
        .clone();
    assert_eq!(no_show["status"], "NO_SHOW");
    app.ok(
        Some(&s.city),
        ATTEND,
        json!({ "id": seats[2]["id"], "attended": true }),
    )
    .await;
    let (code, _) = app
        .err(
            Some(&s.city),
            ATTEND,
            json!({ "id": seats[0]["id"], "attended": false }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT", "recorded once");

    let rated = app
        .ok(
            Some(&s.city),
            RATE,
            json!({ "id": seats[0]["id"], "score": "85.5", "comment": "意见中肯" }),
        )
        .await["rateSeatedExpert"]
        .clone();
    assert_eq!(rated["rating"], "85.5");
    assert_eq!(rated["ratingComment"], "意见中肯");
    app.ok(
        Some(&s.city),
        RATE,
        json!({ "id": seats[2]["id"], "score": "40" }),
    )
    .await;
    let before = written(&app).await;
    for (seat, score, code, field) in [
        (&seats[0], "90", "CONFLICT", None),
        (&seats[1], "90", "BAD_USER_INPUT", Some("seatId")),
        (&seats[2], "100.5", "BAD_USER_INPUT", Some("score")),
        (&seats[2], "-1", "BAD_USER_INPUT", Some("score")),
        (&seats[2], "50.12345", "BAD_USER_INPUT", Some("score")),
    ] {
        let (got, error) = app
            .err(
                Some(&s.city),
                RATE,
                json!({ "id": seat["id"], "score": score }),
            )
            .await;
        assert_eq!(
            (got.as_str(), error["extensions"]["field"].as_str()),
            (code, field),
            "{score}"
        );
    }
    assert_eq!(written(&app).await, before);
    // A declined answer after the review is refused.
    assert_eq!(
        app.code(
            Some(&s.city),
            RESPOND,
            json!({ "id": seats[0]["id"], "accept": false })
        )
        .await,
        "BAD_USER_INPUT"
    );

    let year = today().year();
    let review = app
        .ok(
            Some(&s.admin),
            "query($y: Int!) { expertAnnualReview(year: $y, first: 100) { totalCount edges { node { expertId panelsServed noShows declines meanRating trainingHours recheckFindings flagged flags { action rule detail } } } } }",
            json!({ "y": year }),
        )
        .await["expertAnnualReview"]
        .clone();
    assert_eq!(review["totalCount"], 6, "the whole active pool");
    let line = |id: &Value| -> Value {
        review["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .find(|e| e["node"]["expertId"] == *id)
            .expect("a line")["node"]
            .clone()
    };
    let first = line(&seats[0]["expertId"]);
    assert_eq!(first["panelsServed"], 1);
    assert_eq!(first["meanRating"], "85.5");
    assert_eq!(first["trainingHours"], "0");
    assert_eq!(first["flagged"], false);
    let second = line(&seats[1]["expertId"]);
    assert_eq!(second["noShows"], 1);
    assert_eq!(second["meanRating"], Value::Null);
    let third = line(&seats[2]["expertId"]);
    assert_eq!(third["flagged"], true);
    assert_eq!(
        third["flags"],
        json!([{ "action": "REMOVE", "rule": "MEAN_RATING_BELOW_60", "detail": "mean rating 40 is under 60" }])
    );
    let flagged = app
        .ok(
            Some(&s.admin),
            "query($y: Int!) { expertAnnualReview(year: $y, flaggedOnly: true) { totalCount } }",
            json!({ "y": year }),
        )
        .await;
    assert_eq!(flagged["expertAnnualReview"]["totalCount"], 1);

    let fairness = app
        .ok(
            Some(&s.admin),
            "query($y: Int!) { drawFairness(year: $y) { year activeExperts totalSeats min max mean gini histogram { seats experts } declinedSeats } }",
            json!({ "y": year }),
        )
        .await["drawFairness"]
        .clone();
    assert_eq!(fairness["activeExperts"], 6);
    let later_same_year = (today() + Duration::days(30)).year() == year;
    let total = if later_same_year { 6 } else { 3 };
    assert_eq!(fairness["totalSeats"], total);
    let histogram = fairness["histogram"].as_array().expect("histogram");
    let experts: u64 = histogram
        .iter()
        .map(|h| h["experts"].as_u64().expect("n"))
        .sum();
    let seats: u64 = histogram
        .iter()
        .map(|h| h["seats"].as_u64().expect("n") * h["experts"].as_u64().expect("n"))
        .sum();
    assert_eq!((experts, seats), (6, total));
    let gini = fairness["gini"].as_f64().expect("gini");
    assert!((0.0..1.0).contains(&gini), "{gini}");
}
db_test!(attendance_ratings_and_the_experts_year);

async fn secrecy_before_the_review_date(app: TestApp) {
    let s = setting(&app).await;
    pool(&app, &s.admin, 100, 2).await;
    let (audit, future_review) = evaluation(&app, &s, 10, &day(20)).await;
    let panel = draw(&app, &s.city, json!({ "reviewId": future_review })).await;
    let firm = app.consultancy_user(&s.firm["id"]).await;
    let reviews_of = "query($id: ID!) { audit(id: $id) { reviews { hasPanel panel { id seats { expertName expert { name } } } } } }";

    // The consultancy reads its audit but not who sits on the panel.
    let seen = app
        .ok(Some(&firm), reviews_of, json!({ "id": audit }))
        .await;
    assert_eq!(seen["audit"]["reviews"][0]["hasPanel"], true);
    assert_eq!(seen["audit"]["reviews"][0]["panel"], Value::Null);
    for (token, code) in [
        (firm.clone(), "FORBIDDEN"),
        (app.city_admin("140200").await, "FORBIDDEN"),
        (
            app.user_token("EXPERT", None, panel["seats"][0]["expertId"].as_str())
                .await,
            "FORBIDDEN",
        ),
    ] {
        for query in [
            "query($id: ID!) { panel(id: $id) { id } }",
            "query($id: ID!) { verifyPanel(id: $id) { reproduces } }",
            "query($id: ID!) { panelDrawRecord(id: $id) }",
        ] {
            let (got, _) = app
                .err(Some(&token), query, json!({ "id": panel["id"] }))
                .await;
            assert_eq!(got, code, "{query}");
        }
    }
    assert_eq!(
        app.code(
            None,
            "query($id: ID!) { panel(id: $id) { id } }",
            json!({ "id": panel["id"] })
        )
        .await,
        "UNAUTHENTICATED"
    );
    let (status, _, _) = app
        .send(
            actix_web::test::TestRequest::get()
                .uri(&format!(
                    "/panels/{}/draw-record.json",
                    panel["id"].as_str().expect("id")
                ))
                .insert_header(("authorization", format!("Bearer {firm}"))),
        )
        .await;
    assert_eq!(status, 403);
    // The organiser sees everything.
    let seen = app
        .ok(Some(&s.city), reviews_of, json!({ "id": audit }))
        .await;
    assert_eq!(
        seen["audit"]["reviews"][0]["panel"]["id"], panel["id"],
        "the organising city sees the panel"
    );

    // From the review date on, the consultancy sees the members (names, not records).
    let (audit, today_review) = evaluation(&app, &s, 11, &day(0)).await;
    let panel = draw(&app, &s.city, json!({ "reviewId": today_review })).await;
    let seen = app
        .ok(Some(&firm), reviews_of, json!({ "id": audit }))
        .await;
    let shown = &seen["audit"]["reviews"][0]["panel"];
    assert_eq!(shown["id"], panel["id"]);
    let seats = shown["seats"].as_array().expect("seats");
    assert_eq!(seats.len(), 3);
    assert!(
        seats
            .iter()
            .all(|s| s["expertName"].is_string() && s["expert"].is_null())
    );
    app.ok(
        Some(&firm),
        "query($id: ID!) { panel(id: $id) { id } }",
        json!({ "id": panel["id"] }),
    )
    .await;
    // Another firm sees nothing of it.
    let other_firm = crate::support::create_consultancy(&app, &s.admin, 2).await;
    let other = app.consultancy_user(&other_firm["id"]).await;
    assert_eq!(
        app.code(
            Some(&other),
            "query($id: ID!) { panel(id: $id) { id } }",
            json!({ "id": panel["id"] })
        )
        .await,
        "FORBIDDEN"
    );
}
db_test!(secrecy_before_the_review_date);

async fn roles_that_may_not_act(app: TestApp) {
    let s = setting(&app).await;
    let ids = pool(&app, &s.admin, 100, 2).await;
    let (_, review) = evaluation(&app, &s, 10, &day(0)).await;
    let panel = draw(&app, &s.city, json!({ "reviewId": review })).await;
    let seat = panel["seats"][0].clone();
    let seated_expert = seat["expertId"].as_str().expect("id").to_owned();
    let other_expert = ids
        .iter()
        .find(|id| !ids_of(&panel).contains(id))
        .expect("one not seated")
        .clone();
    let other_city = app.city_admin("140200").await;
    let firm = app.consultancy_user(&s.firm["id"]).await;
    let expert = app.user_token("EXPERT", None, Some(&other_expert)).await;
    let own = app.user_token("EXPERT", None, Some(&seated_expert)).await;
    let (_, review2) = evaluation(&app, &s, 11, &day(10)).await;
    let year = today().year();

    type Case<'a> = (&'a str, Value, Vec<(&'a str, Option<&'a str>)>);
    let cases: Vec<Case> = vec![
        (
            DRAW,
            json!({ "input": { "reviewId": review2 } }),
            vec![
                ("FORBIDDEN", Some(&other_city)),
                ("FORBIDDEN", Some(&firm)),
                ("FORBIDDEN", Some(&own)),
                ("UNAUTHENTICATED", None),
            ],
        ),
        (
            RESPOND,
            json!({ "id": seat["id"], "accept": true }),
            vec![
                ("FORBIDDEN", Some(&other_city)),
                ("FORBIDDEN", Some(&firm)),
                ("FORBIDDEN", Some(&expert)),
                ("UNAUTHENTICATED", None),
            ],
        ),
        (
            REPLACE,
            json!({ "id": seat["id"] }),
            vec![
                ("FORBIDDEN", Some(&other_city)),
                ("FORBIDDEN", Some(&firm)),
                ("FORBIDDEN", Some(&own)),
            ],
        ),
        (
            ATTEND,
            json!({ "id": seat["id"], "attended": true }),
            vec![
                ("FORBIDDEN", Some(&other_city)),
                ("FORBIDDEN", Some(&firm)),
                ("FORBIDDEN", Some(&own)),
            ],
        ),
        (
            RATE,
            json!({ "id": seat["id"], "score": "80" }),
            vec![
                ("FORBIDDEN", Some(&other_city)),
                ("FORBIDDEN", Some(&firm)),
                ("FORBIDDEN", Some(&own)),
            ],
        ),
        (
            "mutation($y: Int!) { openRecheckSample(year: $y) { id } }",
            json!({ "y": year }),
            vec![
                ("FORBIDDEN", Some(&s.city)),
                ("FORBIDDEN", Some(&firm)),
                ("FORBIDDEN", Some(&own)),
            ],
        ),
        (
            "mutation($y: Int!) { drawRecheckSample(input: { year: $y, rate: \"0.05\" }) { id } }",
            json!({ "y": year }),
            vec![
                ("FORBIDDEN", Some(&s.city)),
                ("FORBIDDEN", Some(&firm)),
                ("FORBIDDEN", Some(&own)),
            ],
        ),
        (
            "mutation($id: ID!) { recordRecheckFindings(reviewId: $id, findings: [{ kind: OMISSION, description: \"x\" }]) { id } }",
            json!({ "id": review }),
            vec![
                ("FORBIDDEN", Some(&s.city)),
                ("FORBIDDEN", Some(&firm)),
                ("FORBIDDEN", Some(&own)),
            ],
        ),
        (
            "query($y: Int!) { expertAnnualReview(year: $y) { totalCount } }",
            json!({ "y": year }),
            vec![
                ("FORBIDDEN", Some(&s.city)),
                ("FORBIDDEN", Some(&firm)),
                ("FORBIDDEN", Some(&own)),
            ],
        ),
        (
            "query($y: Int!) { drawFairness(year: $y) { gini } }",
            json!({ "y": year }),
            vec![("FORBIDDEN", Some(&s.city)), ("FORBIDDEN", Some(&firm))],
        ),
        (
            "query($y: Int!) { recheckSample(year: $y) { year } }",
            json!({ "y": year }),
            vec![("FORBIDDEN", Some(&s.city))],
        ),
        (
            "{ myPanelSeats { totalCount } }",
            json!({}),
            vec![("FORBIDDEN", Some(&s.city)), ("FORBIDDEN", Some(&firm))],
        ),
        (
            "query($id: ID!) { panel(id: $id) { rounds { excludedExperts { totalCount } } } }",
            json!({ "id": panel["id"] }),
            vec![("FORBIDDEN", Some(&firm))],
        ),
    ];
    let before = written(&app).await;
    for (query, vars, expectations) in cases {
        for (code, token) in expectations {
            let (got, _) = app.err(token, query, vars.clone()).await;
            assert_eq!(got, code, "{query} as {token:?}");
        }
    }
    assert_eq!(written(&app).await, before);
}
db_test!(roles_that_may_not_act);

/// Rounds are stored against a snapshot of the pool, once per pool: drawn from the same pool
/// they share it, and a changed pool is stored anew. Every round still verifies and lists
/// whom it excluded, and why.
async fn rounds_are_stored_against_one_snapshot_per_pool(app: TestApp) {
    let s = setting(&app).await;
    pool(&app, &s.admin, 100, 4).await;
    let (_, first_review) = evaluation(&app, &s, 10, &day(20)).await;
    let (_, second_review) = evaluation(&app, &s, 11, &day(20)).await;
    assert_eq!(app.count("expert_pool_snapshots").await, 0);
    let first = draw(&app, &s.city, json!({ "reviewId": first_review })).await;
    assert_eq!(app.count("expert_pool_snapshots").await, 1);
    // The same day: the first panel's experts are excluded from the second.
    let second = draw(&app, &s.city, json!({ "reviewId": second_review })).await;
    assert_eq!(app.count("expert_pool_snapshots").await, 1);
    assert_eq!(
        app.count("panel_draws WHERE pool_snapshot IS NOT NULL")
            .await,
        2
    );

    // A new expert changes the pool: the next round is stored against a new snapshot.
    expert(
        &app,
        &s.admin,
        200,
        &["STEEL"],
        &["INDUSTRY_PROCESS"],
        "140200",
    )
    .await;
    let (_, third_review) = evaluation(&app, &s, 12, &day(21)).await;
    let third = draw(&app, &s.city, json!({ "reviewId": third_review })).await;
    assert_eq!(app.count("expert_pool_snapshots").await, 2);
    assert_eq!(third["rounds"][0]["eligibleCount"], 13);

    for panel in [&first, &second, &third] {
        let verified = app
            .ok(Some(&s.city), VERIFY, json!({ "id": panel["id"] }))
            .await;
        assert_eq!(verified["verifyPanel"]["reproduces"], true, "{verified}");
    }
    let excluded = app
        .ok(
            Some(&s.city),
            "query($id: ID!) { panel(id: $id) { rounds { excludedExperts(first: 50) { totalCount edges { node { expertId reasons } } } } } }",
            json!({ "id": second["id"] }),
        )
        .await;
    let listed = &excluded["panel"]["rounds"][0]["excludedExperts"];
    let mut seated = ids_of(&first);
    seated.sort();
    let mut ids: Vec<String> = listed["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| {
            assert_eq!(e["node"]["reasons"], json!(["SEATED_SAME_DAY"]));
            e["node"]["expertId"].as_str().expect("id").to_owned()
        })
        .collect();
    ids.sort();
    assert_eq!(ids, seated);
    assert_eq!(listed["totalCount"], seated.len());
    assert_eq!(second["rounds"][0]["eligibleCount"], 12 - seated.len());
}
db_test!(rounds_are_stored_against_one_snapshot_per_pool);

async fn verification_catches_tampering_online_and_offline(app: TestApp) {
    let s = setting(&app).await;
    let ids = pool(&app, &s.admin, 100, 2).await;
    let (_, review) = evaluation(&app, &s, 10, &day(20)).await;
    let panel = draw(
        &app,
        &s.city,
        json!({ "reviewId": review, "witnessNonce": "witness" }),
    )
    .await;
    let seat = panel["seats"].as_array().expect("seats")[0].clone();
    app.ok(
        Some(&s.city),
        RESPOND,
        json!({ "id": seat["id"], "accept": false }),
    )
    .await;
    open_draw(&app, &s.city, &review).await;
    app.ok(Some(&s.city), REPLACE, json!({ "id": seat["id"] }))
        .await;
    let id = panel["id"].as_str().expect("id");

    // The export through the route and through GraphQL agree.
    let (status, headers, body) = app
        .send(
            actix_web::test::TestRequest::get()
                .uri(&format!("/panels/{id}/draw-record.json"))
                .insert_header(("authorization", format!("Bearer {}", s.city))),
        )
        .await;
    assert_eq!(status, 200);
    assert!(
        headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"))
    );
    let record: Value = serde_json::from_slice(&body).expect("JSON");
    let via_graphql = app
        .ok(
            Some(&s.city),
            "query($id: ID!) { panelDrawRecord(id: $id) }",
            json!({ "id": id }),
        )
        .await["panelDrawRecord"]
        .clone();
    assert_eq!(record, via_graphql);
    assert_eq!(record["format"], "cleanprod-draw-record-v1");
    assert_eq!(record["rounds"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        record["rounds"][0]["eligible"].as_array().map(Vec::len),
        Some(6)
    );
    assert_eq!(record["rounds"][0]["witnessNonce"], "witness");

    // Offline, without the server.
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("record.json");
    std::fs::write(&file, &body).expect("written");
    let out = verify_draw(&file);
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("round 1: reproduces") && text.contains("round 2: reproduces"),
        "{text}"
    );

    // A seat changed in the file: the offline check fails and says where.
    // Another expert of the same round in the seat: the later round stays sound.
    let mut forged = record.clone();
    forged["rounds"][0]["seats"][1]["expertId"] =
        record["rounds"][0]["seats"][0]["expertId"].clone();
    std::fs::write(&file, forged.to_string()).expect("written");
    let out = verify_draw(&file);
    assert!(!out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("round 1: DOES NOT REPRODUCE"), "{text}");
    assert!(text.contains("round 2: reproduces"), "{text}");
    // Not a record at all.
    std::fs::write(&file, "{}").expect("written");
    assert!(!verify_draw(&file).status.success());

    // The same in the database: a seat moved to someone else, then a nonce changed.
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let db = &app.state.services.db;
    let seated: Vec<Value> = record["rounds"]
        .as_array()
        .expect("rounds")
        .iter()
        .flat_map(|r| r["seats"].as_array().expect("seats").clone())
        .map(|s| s["expertId"].clone())
        .collect();
    let other = ids
        .iter()
        .find(|id| !seated.contains(&json!(id)))
        .expect("an expert never invited");
    let uuid = |v: &str| uuid::Uuid::parse_str(v).expect("uuid");
    entity::panel_seat::Entity::update_many()
        .col_expr(
            entity::panel_seat::Column::ExpertId,
            Expr::value(uuid(other)),
        )
        .filter(
            entity::panel_seat::Column::Id.eq(uuid(panel["seats"][2]["id"].as_str().expect("id"))),
        )
        .exec(db)
        .await
        .expect("tampered");
    let verified = app.ok(Some(&s.admin), VERIFY, json!({ "id": id })).await["verifyPanel"].clone();
    assert_eq!(verified["reproduces"], false);
    assert_eq!(verified["rounds"][0]["reproduces"], false);
    assert!(
        verified["rounds"][0]["problems"][0]
            .as_str()
            .is_some_and(|p| p.contains("other seats")),
        "{verified:#}"
    );
    entity::panel_draw::Entity::update_many()
        .col_expr(
            entity::panel_draw::Column::WitnessNonce,
            Expr::value("someone else"),
        )
        .filter(entity::panel_draw::Column::RoundNo.eq(2))
        .exec(db)
        .await
        .expect("tampered");
    let verified = app.ok(Some(&s.admin), VERIFY, json!({ "id": id })).await["verifyPanel"].clone();
    assert_eq!(verified["rounds"][1]["reproduces"], false);
    assert!(
        verified["rounds"][1]["problems"]
            .as_array()
            .expect("problems")
            .iter()
            .any(|p| p
                .as_str()
                .is_some_and(|p| p.contains("seed does not follow"))),
        "{verified:#}"
    );
}
db_test!(verification_catches_tampering_online_and_offline);

fn verify_draw(file: &std::path::Path) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_cleanprod"))
        .arg("verify-draw")
        .arg(file)
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "error")
        .output()
        .expect("runs")
}

async fn a_page_of_seats_costs_a_fixed_number_of_queries(app: TestApp) {
    use std::sync::atomic::Ordering;
    let s = setting(&app).await;
    pool(&app, &s.admin, 100, 1).await;
    // One expert of every kind, drawn onto every panel.
    let expert_id = expert(
        &app,
        &s.admin,
        200,
        &["STEEL"],
        &["INDUSTRY_PROCESS", "ENVIRONMENTAL", "ENERGY"],
        "140200",
    )
    .await;
    let token = app.user_token("EXPERT", None, Some(&expert_id)).await;
    let query = "{ myPanelSeats(first: 50) { totalCount edges { node { id expertName expert { name } review { kind date } panel { id } } } } }";
    // The first request reads the token's user into memory; later ones do not.
    app.ok(Some(&token), query, json!({})).await;
    let mut costs = Vec::new();
    for n in 0..3u32 {
        let (_, review) = evaluation(&app, &s, 20 + n, &day(10 + i64::from(n))).await;
        // A one-slot composition for this expert alone keeps them on every panel.
        draw(
            &app,
            &s.city,
            json!({ "reviewId": review, "composition": [{ "sector": "STEEL", "expertiseKind": "ENVIRONMENTAL" }] }),
        )
        .await;
        let before = app.statements.load(Ordering::Relaxed);
        let page = app.ok(Some(&token), query, json!({})).await;
        costs.push(app.statements.load(Ordering::Relaxed) - before);
        let count = page["myPanelSeats"]["totalCount"].as_u64().expect("count");
        assert!(count >= 1);
    }
    assert!(
        costs.windows(2).all(|w| w[0] == w[1]),
        "the cost grows with the page: {costs:?}"
    );
}
db_test!(a_page_of_seats_costs_a_fixed_number_of_queries);

/// A selection of every field reachable from `type_name` down to `depth` levels, with no
/// argument the field requires (how a curious front end could ask for everything).
fn every_field(types: &Value, type_name: &str, depth: usize) -> String {
    fn named(t: &Value) -> (&str, &str) {
        let mut t = t;
        while t["ofType"].is_object() {
            t = &t["ofType"];
        }
        (
            t["kind"].as_str().unwrap_or(""),
            t["name"].as_str().unwrap_or(""),
        )
    }
    let Some(found) = types
        .as_array()
        .and_then(|all| all.iter().find(|t| t["name"] == type_name))
    else {
        return String::new();
    };
    let mut parts = Vec::new();
    for field in found["fields"].as_array().into_iter().flatten() {
        let needs_argument = field["args"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|a| a["type"]["kind"] == "NON_NULL" && a["defaultValue"].is_null());
        if needs_argument {
            continue;
        }
        let name = field["name"].as_str().unwrap_or("");
        match named(&field["type"]) {
            ("SCALAR" | "ENUM", _) => parts.push(name.to_owned()),
            ("OBJECT", inner) if depth > 0 => {
                let below = every_field(types, inner, depth - 1);
                if !below.is_empty() {
                    parts.push(format!("{name} {{ {below} }}"));
                }
            }
            _ => {}
        }
    }
    parts.join(" ")
}

/// Sealed until the review: the organiser (and the province) see the composition and the
/// seats' statuses, never who sits, through any field reachable from the panel or the
/// review, the record, its export or the verification; the expert sees their invitation;
/// the province may reveal early, with a reason, in the audit log.
pub(crate) async fn sealed_until_the_review(app: TestApp) {
    let s = setting(&app).await;
    pool(&app, &s.admin, 100, 2).await;
    // Beyond the test harness's reveal window too (it reveals a month ahead).
    let (_, review) = evaluation(&app, &s, 10, &day(40)).await;
    let panel = draw(
        &app,
        &s.city,
        json!({ "reviewId": review, "witnessNonce": "w" }),
    )
    .await;
    let panel_id = panel["id"].clone();
    assert!(
        panel["seats"]
            .as_array()
            .expect("seats")
            .iter()
            .all(|seat| seat["expertId"].is_null()),
        "{panel:#}"
    );
    assert!(panel["rounds"][0]["seed"].is_null());

    // Who sits, as the database knows it.
    let seated: Vec<(String, String)> = {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let db = &app.state.services.db;
        let id = uuid::Uuid::parse_str(panel_id.as_str().expect("id")).expect("uuid");
        let seats = entity::panel_seat::Entity::find()
            .filter(entity::panel_seat::Column::PanelId.eq(id))
            .all(db)
            .await
            .expect("seats");
        let mut seated = Vec::new();
        for seat in seats {
            let expert = entity::expert::Entity::find_by_id(seat.expert_id)
                .one(db)
                .await
                .expect("expert")
                .expect("there");
            seated.push((seat.expert_id.to_string(), expert.name));
        }
        seated
    };
    assert_eq!(seated.len(), 3);
    let leaks = |text: &str| -> Vec<String> {
        seated
            .iter()
            .flat_map(|(id, name)| [id.clone(), name.clone()])
            .filter(|needle| text.contains(needle.as_str()))
            .collect()
    };

    // Every field reachable from the panel and from its review, as the organiser and the
    // province.
    let types = app
        .ok(
            Some(&s.admin),
            "{ __schema { types { name kind fields { name args { name defaultValue type { kind name ofType { kind name ofType { kind name } } } } type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }",
            json!({}),
        )
        .await["__schema"]["types"]
        .clone();
    let through_panel = format!(
        "query($id: ID!) {{ panel(id: $id) {{ {} }} }}",
        every_field(&types, "Panel", 3)
    );
    let through_review = format!(
        "query($id: ID!) {{ review(id: $id) {{ {} }} }}",
        every_field(&types, "Review", 2)
    );
    let verify = "query($id: ID!) { verifyPanel(id: $id) { reproduces algorithm problems rounds { round reproduces problems expectedSeats { slotIndex expertId } } } }";
    for token in [&s.city, &s.admin] {
        for (query, id) in [
            (through_panel.as_str(), &panel_id),
            (through_review.as_str(), &review),
            (verify, &panel_id),
        ] {
            let (_, body) = app.post(Some(token), query, json!({ "id": id })).await;
            let text = body.to_string();
            let what = &query[..query.len().min(60)];
            assert!(body["errors"].is_null(), "{what}…: {:#}", body["errors"]);
            assert!(leaks(&text).is_empty(), "{what}… shows {:?}", leaks(&text));
        }
        let (code, error) = app
            .err(
                Some(token),
                "query($id: ID!) { panelDrawRecord(id: $id) }",
                json!({ "id": panel_id }),
            )
            .await;
        assert_eq!(code, "FORBIDDEN");
        assert!(leaks(&error.to_string()).is_empty());
        // The export and the sign-in sheet name who sits: both refused, naming nobody.
        for file in ["draw-record.json", "sign-in.xlsx"] {
            let (status, _, body) = app
                .send(
                    actix_web::test::TestRequest::get()
                        .uri(&format!(
                            "/panels/{}/{file}",
                            panel_id.as_str().expect("id")
                        ))
                        .insert_header(("authorization", format!("Bearer {token}"))),
                )
                .await;
            assert_eq!(status, actix_web::http::StatusCode::FORBIDDEN, "{file}");
            assert!(leaks(&String::from_utf8_lossy(&body)).is_empty());
        }
    }
    let verified = app
        .ok(Some(&s.city), verify, json!({ "id": panel_id }))
        .await;
    assert_eq!(
        verified["verifyPanel"]["reproduces"], true,
        "reproduces, sealed"
    );
    // The audit log (the province reads it) keeps the draw without saying who sits: the
    // entries about the panel name no seated expert (their creation, long before, does).
    let log = app
        .ok(
            Some(&s.admin),
            "{ auditLog(first: 100) { edges { node { operation summary } } } }",
            json!({}),
        )
        .await;
    let about_the_panel: Vec<String> = log["auditLog"]["edges"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| {
            [
                "drawPanel",
                "openDraw",
                "replaceDeclinedSeat",
                "respondToPanelSeat",
            ]
            .contains(&e["node"]["operation"].as_str().unwrap_or(""))
        })
        .map(|e| e["node"]["summary"].to_string())
        .collect();
    assert!(about_the_panel.iter().any(|s| s.contains("seatsDigest")));
    for summary in &about_the_panel {
        assert!(leaks(summary).is_empty(), "the audit log shows {summary}");
    }

    // The expert sees their own invitation.
    let expert = app.user_token("EXPERT", None, Some(&seated[0].0)).await;
    let mine = app.ok(Some(&expert), MY_SEATS, json!({})).await;
    assert_eq!(
        mine["myPanelSeats"]["edges"][0]["node"]["expertId"],
        seated[0].0.as_str()
    );

    // A replacement while sealed: the organiser declines seat 0 for its expert and asks for a
    // replacement of that seat, learning no name either way.
    let seat0 = panel["seats"][0]["id"].clone();
    let declined = app
        .ok(
            Some(&s.city),
            RESPOND,
            json!({ "id": seat0, "accept": false, "reason": "电话告知行程冲突" }),
        )
        .await;
    assert!(leaks(&declined.to_string()).is_empty());
    open_draw(&app, &s.city, &review).await;
    let replaced =
        app.ok(Some(&s.city), REPLACE, json!({ "id": seat0 })).await["replaceDeclinedSeat"].clone();
    assert!(replaced["expertId"].is_null(), "{replaced:#}");

    // Early reveal: the province only, with a reason, logged.
    let reveal = "mutation($id: ID!, $reason: String!) { revealPanel(panelId: $id, reason: $reason) { sealed revealedEarlyAt revealReason seats { expertId expertName } } }";
    let before = app.count("audit_log").await;
    assert_eq!(
        app.code(
            Some(&s.city),
            reveal,
            json!({ "id": panel_id, "reason": "x" })
        )
        .await,
        "FORBIDDEN"
    );
    let (code, error) = app
        .err(
            Some(&s.admin),
            reveal,
            json!({ "id": panel_id, "reason": " " }),
        )
        .await;
    assert_eq!(
        (code.as_str(), error["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("reason"))
    );
    assert_eq!(app.count("audit_log").await, before);
    let revealed = app
        .ok(
            Some(&s.admin),
            reveal,
            json!({ "id": panel_id, "reason": "专家临时调整，需提前通知" }),
        )
        .await["revealPanel"]
        .clone();
    assert_eq!(revealed["sealed"], false);
    assert_eq!(revealed["revealReason"], "专家临时调整，需提前通知");
    assert!(revealed["seats"][0]["expertName"].is_string());
    assert_eq!(
        app.count("audit_log WHERE operation = 'revealPanel'").await,
        1
    );
    assert_eq!(
        app.code(
            Some(&s.admin),
            reveal,
            json!({ "id": panel_id, "reason": "again" })
        )
        .await,
        "CONFLICT"
    );
    // Now the organiser sees who sits, and the record can be exported.
    let seen = app
        .ok(Some(&s.city), PANEL, json!({ "id": panel_id }))
        .await;
    assert!(seen["panel"]["seats"][1]["expertName"].is_string());
    app.ok(
        Some(&s.city),
        "query($id: ID!) { panelDrawRecord(id: $id) }",
        json!({ "id": panel_id }),
    )
    .await;
}

mod sealed_until_the_review {
    use crate::support::TestApp;

    fn as_in_production(c: &mut cleanprod::config::Config) {
        c.panel_reveal_hours_before = 0;
    }

    #[actix_web::test]
    async fn sqlite() {
        super::sealed_until_the_review(TestApp::sqlite_with(as_in_production).await).await;
    }

    #[actix_web::test]
    async fn postgres() {
        if let Some(app) = TestApp::postgres_with(as_in_production).await {
            super::sealed_until_the_review(app).await;
        }
    }
}

/// After the review date the draw's record is public: anyone can verify it, and it names
/// those who sat and nobody else, with no personal data.
async fn the_record_is_public_after_the_review(app: TestApp) {
    let s = setting(&app).await;
    let pool_ids = pool(&app, &s.admin, 100, 2).await;
    let (_, review) = evaluation(&app, &s, 10, &day(20)).await;
    let panel = draw(
        &app,
        &s.city,
        json!({ "reviewId": review, "witnessNonce": "公开" }),
    )
    .await;
    let public = "query($id: ID!) { publicPanelRecord(id: $id) }";
    assert_eq!(
        app.code(None, public, json!({ "id": panel["id"] })).await,
        "FORBIDDEN",
        "not before the review"
    );
    // The review takes place (its date moves into the past).
    {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
        let db = &app.state.services.db;
        let past = today() - Duration::days(1);
        let panel_id = uuid::Uuid::parse_str(panel["id"].as_str().expect("id")).expect("uuid");
        entity::panel::Entity::update_many()
            .col_expr(entity::panel::Column::ReviewDate, Expr::value(past))
            .filter(entity::panel::Column::Id.eq(panel_id))
            .exec(db)
            .await
            .expect("move the panel");
    }
    let record =
        app.ok(None, public, json!({ "id": panel["id"] })).await["publicPanelRecord"].clone();
    let seated: Vec<String> = record["seatedExperts"]
        .as_array()
        .expect("seated")
        .iter()
        .map(|e| e["expertId"].as_str().expect("id").to_owned())
        .collect();
    assert_eq!(seated.len(), 3);
    let text = record.to_string();
    // Names: the seated experts' only (the pool's are 专家100…105).
    let admin = &s.admin;
    for id in &pool_ids {
        let name = app
            .ok(
                Some(admin),
                "query($id: ID!) { expert(id: $id) { name idCardNumber phone } }",
                json!({ "id": id }),
            )
            .await["expert"]
            .clone();
        let shown = text.contains(name["name"].as_str().expect("name"));
        assert_eq!(shown, seated.contains(id), "{name:#}");
        assert!(!text.contains(name["idCardNumber"].as_str().expect("card")));
        assert!(!text.contains(name["phone"].as_str().expect("phone")));
    }
    // Anyone can verify it, as `cleanprod verify-draw` does.
    let parsed: cleanprod::rules::draw_record::DrawRecord =
        serde_json::from_value(record.clone()).expect("a draw record");
    let verdict = cleanprod::rules::draw_record::verify(&parsed);
    assert!(verdict.reproduces, "{:?}", verdict.problems);
    let (status, _, body) = app
        .send(actix_web::test::TestRequest::get().uri(&format!(
            "/public/panels/{}/draw-record.json",
            panel["id"].as_str().expect("id")
        )))
        .await;
    assert_eq!(status, actix_web::http::StatusCode::OK);
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("public.json");
    std::fs::write(&file, body).expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cleanprod"))
        .arg("verify-draw")
        .arg(&file)
        .output()
        .expect("verify-draw");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
db_test!(the_record_is_public_after_the_review);

/// The meeting's sign-in sheet: the standing seats by name with a box to sign, and the draw's
/// seed inputs and digests; refused while the panel is sealed.
async fn the_meeting_prints_its_sign_in_sheet(app: TestApp) {
    use calamine::{Reader, Xlsx};
    let s = setting(&app).await;
    pool(&app, &s.admin, 100, 1).await;
    let (_, review) = evaluation(&app, &s, 10, &day(10)).await;
    app.ok(
        Some(&s.city),
        "mutation($id: ID!) { setReviewMeeting(reviewId: $id, input: { startTime: \"09:30\", venue: \"太原市生态环境局301会议室\", contactName: \"李工\", contactPhone: \"0351-4000000\" }) { id } }",
        json!({ "id": review }),
    )
    .await;
    let panel = draw(
        &app,
        &s.city,
        json!({ "reviewId": review, "witnessNonce": "签到" }),
    )
    .await;
    let uri = format!("/panels/{}/sign-in.xlsx", panel["id"].as_str().expect("id"));
    let get = |token: Option<String>| {
        let mut req = actix_web::test::TestRequest::get().uri(&uri);
        if let Some(token) = token {
            req = req.insert_header(("authorization", format!("Bearer {token}")));
        }
        app.send(req)
    };
    let (status, _, bytes) = get(Some(s.city.clone())).await;
    assert_eq!(status, actix_web::http::StatusCode::OK);
    let mut workbook: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).expect("an XLSX file");
    let range = workbook.worksheet_range("签到表").expect("the sheet");
    let text: Vec<String> = range.cells().map(|(_, _, v)| v.to_string()).collect();
    let shown = app
        .ok(Some(&s.city), PANEL, json!({ "id": panel["id"] }))
        .await;
    for seat in shown["panel"]["seats"].as_array().expect("seats") {
        let name = seat["expertName"].as_str().expect("name");
        assert!(text.iter().any(|t| t == name), "{name} missing");
    }
    assert!(
        text.iter()
            .any(|t| t.contains("太原市生态环境局301会议室") && t.contains("09:30"))
    );
    let seed = panel["rounds"][0]["seed"].as_str().expect("seed");
    assert!(text.iter().any(|t| t == seed));
    // Not for the consultancy, nor anyone signed out.
    let firm = app.consultancy_user(&s.firm["id"]).await;
    assert_eq!(
        get(Some(firm)).await.0,
        actix_web::http::StatusCode::FORBIDDEN
    );
    assert_eq!(get(None).await.0, actix_web::http::StatusCode::UNAUTHORIZED);
}
db_test!(the_meeting_prints_its_sign_in_sheet);
