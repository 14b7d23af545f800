//! The draw: its commitment, composition and record, who is excluded and why, the
//! snapshots of the pool, and the draws refused with nothing written.

use super::*;
use crate::db_test;

async fn full_flow_from_review_to_confirmed_panel(app: TestApp) {
    let (s, ids, _, review, panel) = drawn(&app, 2, 20, Some("监督人 0428")).await;
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
    let confirmed = respond(&app, &expert_token, &first["id"], true).await;
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
        respond(&app, &s.city, &seat["id"], true).await;
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

    let verified = verify(&app, &s.admin, &panel["id"]).await;
    assert_eq!(verified["reproduces"], true, "{verified:#}");
    assert_eq!(
        verified["rounds"][0]["expectedSeats"]
            .as_array()
            .map(Vec::len),
        Some(3)
    );

    // The draw is in the tamper-evident audit log with its seed and digests.
    let log = audit_log(&app, &s.admin).await;
    let entry = log
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
    for (token, want) in not_the_organiser(&app, &s).await {
        let got = app
            .code(token.as_deref(), OPEN, json!({ "id": review }))
            .await;
        assert_eq!(got, want);
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
    let verified = verify(&app, &s.city, &panel["id"]).await;
    assert_eq!(verified["reproduces"], true, "{verified:#}");

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
    let verified = verify(&app, &s.city, &panel["id"]).await;
    assert_eq!(verified["reproduces"], true, "{verified:#}");
}
db_test!(the_consultancys_own_staff_are_recused_by_identity);

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
    let other_city = app.city_admin("140200").await;
    assert_eq!(
        panel_code(&app, Some(&other_city), &panel).await,
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
    let dates = [day(-20), day(-20), day(-10)];
    let dates = dates.each_ref().map(String::as_str);
    let audit = reported_audit(&app, &s, &enterprise, today().year(), dates).await;
    let past = schedule(&app, &s.city, &audit["id"], "EVALUATION", &day(-1)).await;
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
