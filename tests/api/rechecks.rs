//! The yearly recheck sample and recheck findings through the API: the sample and its
//! record, a recheck panel leaving out the audit's earlier panels, findings traced to the
//! firm, its lead auditor and the experts who passed the report, and who sees them.

use chrono::Datelike;
use serde_json::{Value, json};

use crate::audits::{record_outcome, schedule, setting};
use crate::db_test;
use crate::finding_confirmation::two_findings;
use crate::panels::{DRAW, attend, day, draw, evaluation, hold, pool, respond, today, written};
use crate::support::TestApp;

const SAMPLE: &str = "mutation($input: DrawRecheckSampleInput!) { drawRecheckSample(input: $input) { id year rate reviewDate algorithm seed serverRandom commitment committedAt witnessNonce population populationCount populationDigest sampleSize reproduces items { position sampledReviewId auditId recheckReviewId recheckReview { kind date status organiserCityCode } } } }";
const OPEN_SAMPLE: &str =
    "mutation($year: Int!) { openRecheckSample(year: $year) { id year commitment committedAt } }";
const FINDINGS: &str = "mutation($id: ID!, $findings: [RecheckFindingInput!]!) { recordRecheckFindings(reviewId: $id, findings: $findings) { id kind label description year consultancy { name } leadAuditor { name } implicatedExperts { expertId expertName seatId passedReviewId } } }";
const LIST: &str = "query($filter: RecheckFindingFilter) { recheckFindings(filter: $filter) { totalCount edges { node { id kind } } } }";

pub(crate) async fn the_yearly_sample_and_a_recheck_panel(app: TestApp) {
    let s = setting(&app).await;
    pool(&app, &s.admin, 100, 3).await;
    let mut reviews = Vec::new();
    let mut panels = Vec::new();
    for serial in 10..13 {
        let (audit, review) = evaluation(&app, &s, serial, &day(0)).await;
        panels.push((audit, hold(&app, &s.city, &review).await));
        reviews.push(review);
    }
    // A failed evaluation completes nothing: its audit is not in the population.
    let (_, failed) = evaluation(&app, &s, 13, &day(0)).await;
    record_outcome(&app, &s.city, &failed, ["FAILED", "40", "不通过"]).await;
    let year = today().year();
    // No sample without a commitment shown first.
    let before = written(&app).await;
    let (code, error) = app
        .err(
            Some(&s.admin),
            SAMPLE,
            json!({ "input": { "year": year, "rate": "0.5" } }),
        )
        .await;
    assert_eq!(
        (code.as_str(), error["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("year"))
    );
    assert!(
        error["message"]
            .as_str()
            .unwrap_or("")
            .contains("openRecheckSample"),
        "{error}"
    );
    assert_eq!(written(&app).await, before);
    // Only the province opens one, for a year that can be sampled.
    assert_eq!(
        app.code(Some(&s.city), OPEN_SAMPLE, json!({ "year": year }))
            .await,
        "FORBIDDEN"
    );
    for bad in [1999, year + 1] {
        let (code, error) = app
            .err(Some(&s.admin), OPEN_SAMPLE, json!({ "year": bad }))
            .await;
        assert_eq!(
            (code.as_str(), error["extensions"]["field"].as_str()),
            ("BAD_USER_INPUT", Some("year"))
        );
    }
    assert_eq!(written(&app).await, before);
    let opened = app
        .ok(Some(&s.admin), OPEN_SAMPLE, json!({ "year": year }))
        .await["openRecheckSample"]
        .clone();
    assert_eq!(opened["commitment"].as_str().map(str::len), Some(64));
    // Asked again before a sample: the same commitment.
    assert_eq!(
        app.ok(Some(&s.admin), OPEN_SAMPLE, json!({ "year": year }))
            .await["openRecheckSample"]["id"],
        opened["id"]
    );
    app.ok(Some(&s.admin), OPEN_SAMPLE, json!({ "year": 2020 }))
        .await;
    let before = written(&app).await;
    for (input, field) in [
        (json!({ "year": year, "rate": "0.04" }), "rate"),
        (json!({ "year": year, "rate": "1.5" }), "rate"),
        (json!({ "year": 1999, "rate": "0.1" }), "year"),
        (json!({ "year": year + 1, "rate": "0.1" }), "year"),
        (json!({ "year": 2020, "rate": "0.1" }), "year"),
        (
            json!({ "year": year, "rate": "0.1", "reviewDate": day(-1) }),
            "reviewDate",
        ),
        (
            json!({ "year": year, "rate": "0.1", "witnessNonce": "a\nb" }),
            "witnessNonce",
        ),
    ] {
        let (code, error) = app
            .err(Some(&s.admin), SAMPLE, json!({ "input": input }))
            .await;
        assert_eq!(
            (code.as_str(), error["extensions"]["field"].as_str()),
            ("BAD_USER_INPUT", Some(field)),
            "{input}"
        );
    }
    assert_eq!(written(&app).await, before);

    // ⌈0.5 × 3⌉ = 2 of the three audits whose evaluation passed this year.
    let sample = app
        .ok(
            Some(&s.admin),
            SAMPLE,
            json!({ "input": { "year": year, "rate": "0.5", "witnessNonce": "纪检 77", "reviewDate": day(10) } }),
        )
        .await["drawRecheckSample"]
        .clone();
    assert_eq!(sample["populationCount"], 3);
    assert_eq!(sample["sampleSize"], 2);
    assert_eq!(sample["rate"], "0.5");
    assert_eq!(sample["witnessNonce"], "纪检 77");
    assert_eq!(sample["algorithm"], "cleanprod-draw-v2/chacha20");
    // The bytes revealed are those committed to before the nonce was typed.
    assert_eq!(sample["commitment"], opened["commitment"]);
    assert_eq!(sample["committedAt"], opened["committedAt"]);
    let revealed: [u8; 32] = hex::decode(sample["serverRandom"].as_str().expect("random"))
        .expect("hex")
        .try_into()
        .expect("32 bytes");
    assert_eq!(
        json!(hex::encode(cleanprod::rules::draw::commitment_of(
            &revealed
        ))),
        opened["commitment"]
    );
    assert_eq!(sample["seed"].as_str().map(str::len), Some(64));
    assert_eq!(sample["reproduces"], true);
    let mut population: Vec<String> = sample["population"]
        .as_array()
        .expect("population")
        .iter()
        .map(|v| v.as_str().expect("id").to_owned())
        .collect();
    let mut expected: Vec<String> = panels
        .iter()
        .map(|(audit, _)| audit.as_str().expect("id").to_owned())
        .collect();
    expected.sort();
    assert_eq!(population, expected, "the audits, ascending");
    population.dedup();
    let items = sample["items"].as_array().expect("items").clone();
    assert_eq!(items.len(), 2);
    assert_ne!(items[0]["auditId"], items[1]["auditId"]);
    for item in &items {
        assert!(population.contains(&item["auditId"].as_str().expect("id").to_owned()));
        assert!(
            reviews.contains(&item["sampledReviewId"]),
            "its passed evaluation"
        );
        assert_eq!(
            item["recheckReview"],
            json!({ "kind": "RECHECK", "date": day(10), "status": "SCHEDULED", "organiserCityCode": null })
        );
    }
    assert_eq!(app.count("reviews").await, before[4] + 2);

    // A supplementary sample later in the year draws from the audit not sampled yet, from a
    // new commitment; after it nothing is left.
    let second = app
        .ok(Some(&s.admin), OPEN_SAMPLE, json!({ "year": year }))
        .await["openRecheckSample"]
        .clone();
    assert_ne!(second["id"], opened["id"]);
    let supplement = app
        .ok(
            Some(&s.admin),
            SAMPLE,
            json!({ "input": { "year": year, "rate": "1", "reviewDate": day(10) } }),
        )
        .await["drawRecheckSample"]
        .clone();
    assert_eq!(supplement["populationCount"], 1);
    assert_eq!(supplement["sampleSize"], 1);
    assert_eq!(supplement["reproduces"], true);
    assert!(
        !items
            .iter()
            .any(|i| i["auditId"] == supplement["items"][0]["auditId"])
    );
    app.ok(Some(&s.admin), OPEN_SAMPLE, json!({ "year": year }))
        .await;
    let before = written(&app).await;
    let (code, error) = app
        .err(
            Some(&s.admin),
            SAMPLE,
            json!({ "input": { "year": year, "rate": "1" } }),
        )
        .await;
    assert_eq!(
        (code.as_str(), error["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("year"))
    );
    assert_eq!(written(&app).await, before);
    let shown = app
        .ok(
            Some(&s.admin),
            "query($y: Int!) { recheckSample(year: $y) { populationCount sampledCount share draws { id round sampleSize reproduces } } }",
            json!({ "y": year }),
        )
        .await["recheckSample"]
        .clone();
    assert_eq!(shown["populationCount"], 3);
    assert_eq!(shown["sampledCount"], 3);
    assert_eq!(shown["share"], "1");
    assert_eq!(
        shown["draws"],
        json!([
            { "id": sample["id"], "round": 1, "sampleSize": 2, "reproduces": true },
            { "id": supplement["id"], "round": 2, "sampleSize": 1, "reproduces": true },
        ])
    );

    // Bytes other than those committed to do not verify, though the seed is re-derived
    // from them.
    let other_random = "ab".repeat(32);
    let sample_id = sample["id"].as_str().expect("id");
    let other_seed = {
        let random: [u8; 32] = hex::decode(&other_random)
            .expect("hex")
            .try_into()
            .expect("32 bytes");
        let id = uuid::Uuid::parse_str(sample_id).expect("uuid");
        hex::encode(cleanprod::rules::draw::derive_seed(&random, id, "纪检 77"))
    };
    app.execute(&format!(
        "UPDATE recheck_samples SET server_random = '{other_random}', seed = '{other_seed}' WHERE year = {year} AND round = 1"
    ))
    .await;
    let reproduces = app
        .ok(
            Some(&s.admin),
            "query($y: Int!) { recheckSample(year: $y) { draws { id reproduces } } }",
            json!({ "y": year }),
        )
        .await["recheckSample"]["draws"][0]
        .clone();
    assert_eq!(
        reproduces,
        json!({ "id": sample["id"], "reproduces": false })
    );

    // The recheck's panel: the province's, five by default, none of the audit's earlier panel.
    let recheck = items[0]["recheckReviewId"].clone();
    assert_eq!(
        app.code(
            Some(&s.city),
            DRAW,
            json!({ "input": { "reviewId": recheck } })
        )
        .await,
        "FORBIDDEN",
        "rechecks are the province's"
    );
    let panel = draw(&app, &s.admin, json!({ "reviewId": recheck })).await;
    assert_eq!(panel["size"], 5);
    assert_eq!(panel["reviewKind"], "RECHECK");
    let counts = &panel["rounds"][0]["excludedCounts"];
    assert_eq!(
        counts,
        &json!([{ "reason": "PREVIOUS_PANEL_SAME_AUDIT", "count": 3 }])
    );
    let (_, earlier) = panels
        .iter()
        .find(|(audit, _)| *audit == items[0]["auditId"])
        .expect("the sampled audit's panel");
    let earlier_ids: Vec<&Value> = earlier["seats"]
        .as_array()
        .expect("seats")
        .iter()
        .map(|s| &s["expertId"])
        .collect();
    for seat in panel["seats"].as_array().expect("seats") {
        assert!(!earlier_ids.contains(&&seat["expertId"]));
    }
    // A city admin sees neither the recheck nor its panel.
    assert_eq!(
        app.code(
            Some(&s.city),
            "query($id: ID!) { panel(id: $id) { id } }",
            json!({ "id": panel["id"] })
        )
        .await,
        "FORBIDDEN"
    );
}
db_test!(the_yearly_sample_and_a_recheck_panel);

pub(crate) async fn findings_trace_back_and_are_seen_by_those_concerned(app: TestApp) {
    let s = setting(&app).await;
    let ids = pool(&app, &s.admin, 100, 1).await;
    let (audit, review) = evaluation(&app, &s, 10, &day(0)).await;
    let panel = draw(&app, &s.city, json!({ "reviewId": review })).await;
    let seats = panel["seats"].as_array().expect("seats").clone();
    // One attends; one confirmed but never checked in (a no-show once the outcome is
    // recorded); one recorded as a no-show.
    attend(&app, &s.city, &seats[0]["id"], true).await;
    respond(&app, &s.city, &seats[1]["id"], true).await;
    attend(&app, &s.city, &seats[2]["id"], false).await;
    record_outcome(&app, &s.city, &review, ["PASSED", "90", "通过"]).await;
    let recheck = schedule(&app, &s.admin, &audit, "RECHECK", &day(0)).await;
    // Another audit with a recheck still to come.
    let (audit2, review2) = evaluation(&app, &s, 11, &day(0)).await;
    record_outcome(&app, &s.city, &review2, ["PASSED", "90", "通过"]).await;
    let future = schedule(&app, &s.admin, &audit2, "RECHECK", &day(5)).await;

    let one = json!([{ "kind": "OMISSION", "description": "遗漏" }]);
    let before = written(&app).await;
    for (id, findings, field) in [
        (&review, one.clone(), "reviewId"),
        (&future, one.clone(), "reviewId"),
        (&recheck, json!([]), "findings"),
        (
            &recheck,
            json!([{ "kind": "OMISSION", "description": "  " }]),
            "findings[0].description",
        ),
    ] {
        let (code, error) = app
            .err(
                Some(&s.admin),
                FINDINGS,
                json!({ "id": id, "findings": findings }),
            )
            .await;
        assert_eq!(
            (code.as_str(), error["extensions"]["field"].as_str()),
            ("BAD_USER_INPUT", Some(field))
        );
    }
    assert_eq!(written(&app).await, before);

    let recorded = app
        .ok(
            Some(&s.admin),
            FINDINGS,
            json!({ "id": recheck, "findings": two_findings() }),
        )
        .await["recordRecheckFindings"]
        .clone();
    let recorded = recorded.as_array().expect("findings");
    assert_eq!(recorded.len(), 2);
    let sat: Vec<&Value> = vec![&seats[0]["expertId"]];
    for f in recorded {
        assert_eq!(f["year"], today().year());
        assert_eq!(f["consultancy"]["name"], "咨询机构1");
        assert_eq!(f["leadAuditor"]["name"], "审核员1");
        let implicated = f["implicatedExperts"].as_array().expect("experts");
        assert_eq!(implicated.len(), 1, "the no-shows did not pass the report");
        for i in implicated {
            assert!(sat.contains(&&i["expertId"]));
            assert_eq!(i["passedReviewId"], review);
            assert!(i["expertName"].is_string());
        }
    }
    assert_eq!(recorded[0]["label"], "弄虚作假");

    // Visible on the firm, its lead auditor, the experts and the review.
    let firm_view = "query($id: ID!) { consultancy(id: $id) { findings { kind } staff { findings { kind } } } }";
    let seen = app
        .ok(Some(&s.admin), firm_view, json!({ "id": s.firm["id"] }))
        .await;
    assert_eq!(
        seen["consultancy"]["findings"].as_array().map(Vec::len),
        Some(2)
    );
    assert_eq!(
        seen["consultancy"]["staff"][0]["findings"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    let firm = app.consultancy_user(&s.firm["id"]).await;
    let seen = app
        .ok(Some(&firm), firm_view, json!({ "id": s.firm["id"] }))
        .await;
    assert_eq!(
        seen["consultancy"]["findings"].as_array().map(Vec::len),
        Some(2)
    );
    let expert_view = "query($id: ID!) { expert(id: $id) { findings { kind } } }";
    for (expert, n) in [(&seats[0]["expertId"], 2), (&seats[2]["expertId"], 0)] {
        let seen = app
            .ok(Some(&s.admin), expert_view, json!({ "id": expert }))
            .await;
        assert_eq!(seen["expert"]["findings"].as_array().map(Vec::len), Some(n));
    }
    let seen = app
        .ok(
            Some(&s.admin),
            "query($id: ID!) { review(id: $id) { findings { kind } } }",
            json!({ "id": recheck }),
        )
        .await;
    assert_eq!(seen["review"]["findings"].as_array().map(Vec::len), Some(2));

    // Who sees them in the list.
    let implicated_expert = app
        .user_token("EXPERT", None, seats[0]["expertId"].as_str())
        .await;
    let no_show_expert = app
        .user_token("EXPERT", None, seats[2]["expertId"].as_str())
        .await;
    let other_firm = crate::support::create_consultancy(&app, &s.admin, 2).await;
    let other = app.consultancy_user(&other_firm["id"]).await;
    for (token, n) in [
        (&s.admin, 2),
        (&s.city, 2),
        (&app.city_admin("140200").await, 0),
        (&firm, 2),
        (&other, 0),
        (&implicated_expert, 2),
        (&no_show_expert, 0),
    ] {
        let seen = app.ok(Some(token), LIST, json!({})).await;
        assert_eq!(seen["recheckFindings"]["totalCount"], n);
    }
    let seen = app
        .ok(
            Some(&implicated_expert),
            expert_view,
            json!({ "id": seats[0]["expertId"] }),
        )
        .await;
    assert_eq!(seen["expert"]["findings"].as_array().map(Vec::len), Some(2));
    let filtered = app
        .ok(
            Some(&s.admin),
            LIST,
            json!({ "filter": { "kind": "FALSIFICATION", "consultancyId": s.firm["id"], "year": today().year() } }),
        )
        .await;
    assert_eq!(filtered["recheckFindings"]["totalCount"], 1);
    assert_eq!(
        app.code(
            Some(&other),
            LIST,
            json!({ "filter": { "consultancyId": s.firm["id"] } })
        )
        .await,
        "FORBIDDEN"
    );

    // The experts who passed a falsified report are flagged for removal.
    let review_lines = app
        .ok(
            Some(&s.admin),
            "query($y: Int!) { expertAnnualReview(year: $y) { edges { node { expertId recheckFindings flags { action rule } } } } }",
            json!({ "y": today().year() }),
        )
        .await;
    let lines = review_lines["expertAnnualReview"]["edges"]
        .as_array()
        .expect("lines")
        .clone();
    let line = |id: &Value| {
        lines
            .iter()
            .find(|l| l["node"]["expertId"] == *id)
            .expect("a line")["node"]
            .clone()
    };
    let passed = line(&seats[0]["expertId"]);
    assert_eq!(passed["recheckFindings"], 2);
    assert_eq!(
        passed["flags"],
        json!([{ "action": "REMOVE", "rule": "FALSIFICATION_PASSED" }])
    );
    assert_eq!(line(&seats[2]["expertId"])["recheckFindings"], 0);
    assert_eq!(ids.len(), 3);

    // The columns the appraisal reads: by consultancy and year.
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let firm_id = uuid::Uuid::parse_str(s.firm["id"].as_str().expect("id")).expect("uuid");
    let n = entity::recheck_finding::Entity::find()
        .filter(entity::recheck_finding::Column::ConsultancyId.eq(firm_id))
        .filter(entity::recheck_finding::Column::Year.eq(today().year()))
        .count(&app.state.services.db)
        .await
        .expect("count");
    assert_eq!(n, 2);
}
db_test!(findings_trace_back_and_are_seen_by_those_concerned);
