//! What a review's outcome needs and ends: the pass mark, improvement options (exact
//! amounts, checked), and a round closed on its evaluation.

use super::*;
use crate::db_test;

pub(crate) async fn improvement_options_exact_and_checked(app: TestApp) {
    let s = setting(&app).await;
    let (admin, city) = (&s.admin, &s.city);
    let audit = create_audit(&app, city, &s.enterprise, 2024, "2024-03-01").await;
    let id = audit["id"].clone();

    let cheap = app
        .ok(
            Some(city),
            ADD_OPTION,
            json!({ "id": id, "input": { "kind": "NO_LOW_COST", "title": "加强设备维护", "investment": "0.1", "economicBenefit": "0.2", "codT": "0.0001", "implemented": true } }),
        )
        .await["addImprovementOption"]
        .clone();
    assert_eq!(cheap["needsAcceptance"], "NO");
    assert_eq!(
        (
            cheap["investment"].as_str(),
            cheap["economicBenefit"].as_str(),
            cheap["codT"].as_str()
        ),
        (Some("0.1"), Some("0.2"), Some("0.0001"))
    );
    assert_eq!(cheap["energyTce"], "0");
    let retrofit = app
        .ok(
            Some(city),
            ADD_OPTION,
            json!({ "id": id, "input": { "kind": "MEDIUM_HIGH_COST", "title": "余热回收改造", "investment": "1200.5", "energyTce": "3456.7891", "technicalRetrofit": true, "acceptedByOtherDepartment": true, "otherDepartment": "市发改委", "otherDepartmentConclusion": "通过节能专项验收" } }),
        )
        .await["addImprovementOption"]
        .clone();
    assert_eq!(retrofit["needsAcceptance"], "OTHER_DEPARTMENT");
    assert_eq!(retrofit["otherDepartment"], "市发改委");
    assert_eq!(retrofit["energyTce"], "3456.7891");

    // Bad input, each with its field; nothing written.
    let before = app.count("improvement_options").await;
    for (input, field) in [
        (json!({ "kind": "NO_LOW_COST", "title": " " }), "title"),
        (
            json!({ "kind": "NO_LOW_COST", "title": "x", "investment": "-0.01" }),
            "investment",
        ),
        (
            json!({ "kind": "NO_LOW_COST", "title": "x", "so2T": "0.00001" }),
            "so2T",
        ),
        (
            json!({ "kind": "NO_LOW_COST", "title": "x", "co2T": "10000000000000" }),
            "co2T",
        ),
        (
            json!({ "kind": "NO_LOW_COST", "title": "x", "acceptedByOtherDepartment": true, "otherDepartment": "a", "otherDepartmentConclusion": "b" }),
            "acceptedByOtherDepartment",
        ),
        (
            json!({ "kind": "MEDIUM_HIGH_COST", "title": "x", "technicalRetrofit": true, "acceptedByOtherDepartment": true, "otherDepartment": "a" }),
            "otherDepartmentConclusion",
        ),
        (
            json!({ "kind": "MEDIUM_HIGH_COST", "title": "x", "otherDepartment": "a" }),
            "acceptedByOtherDepartment",
        ),
    ] {
        let (code, error) = app
            .err(Some(city), ADD_OPTION, json!({ "id": id, "input": input }))
            .await;
        assert_eq!(
            (code.as_str(), error["extensions"]["field"].as_str()),
            ("BAD_USER_INPUT", Some(field)),
            "{input}"
        );
    }
    // Roles: another city, another firm, the public.
    let datong = app.city_admin("140200").await;
    let firm_user = app.consultancy_user(&s.firm["id"]).await;
    let input = json!({ "id": id, "input": { "kind": "NO_LOW_COST", "title": "x" } });
    for (token, want) in [
        (Some(datong.as_str()), "FORBIDDEN"),
        (Some(firm_user.as_str()), "FORBIDDEN"),
        (None, "UNAUTHENTICATED"),
    ] {
        assert_eq!(
            app.code(token, ADD_OPTION, input.clone()).await,
            want,
            "before the firm holds the audit"
        );
    }
    assert_eq!(app.count("improvement_options").await, before);

    // Once the firm holds the audit it keeps its options too.
    start(&app, &s, &id, "2024-04-01").await;
    submit(&app, &s, &id, "2024-05-01").await;
    app.ok(Some(&firm_user), ADD_OPTION, input).await;

    // Updates: versioned, with the acceptance need recomputed.
    let updated = app
        .ok(
            Some(city),
            UPDATE_OPTION,
            json!({ "id": retrofit["id"], "input": { "acceptedByOtherDepartment": false, "investment": "1300" }, "v": 1 }),
        )
        .await["updateImprovementOption"]
        .clone();
    assert_eq!(
        updated,
        json!({ "kind": "MEDIUM_HIGH_COST", "investment": "1300", "needsAcceptance": "YES", "implemented": false, "otherDepartment": null, "version": 2 })
    );
    let downgraded = app
        .ok(
            Some(&firm_user),
            UPDATE_OPTION,
            json!({ "id": retrofit["id"], "input": { "kind": "NO_LOW_COST", "technicalRetrofit": false, "implemented": true }, "v": 2 }),
        )
        .await["updateImprovementOption"]
        .clone();
    assert_eq!(downgraded["needsAcceptance"], "NO");
    assert_eq!(
        app.code(
            Some(city),
            UPDATE_OPTION,
            json!({ "id": retrofit["id"], "input": { "title": "y" }, "v": 2 })
        )
        .await,
        "CONFLICT"
    );
    let (code, error) = app
        .err(
            Some(city),
            UPDATE_OPTION,
            json!({ "id": retrofit["id"], "input": { "waterT": "-5" }, "v": 3 }),
        )
        .await;
    assert_eq!(
        (code.as_str(), error["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("waterT"))
    );
    assert_eq!(
        app.code(
            Some(&datong),
            UPDATE_OPTION,
            json!({ "id": retrofit["id"], "input": { "title": "y" }, "v": 3 })
        )
        .await,
        "FORBIDDEN"
    );
    let seen = app.ok(Some(admin), AUDIT, json!({ "id": id })).await;
    assert_eq!(seen["audit"]["options"].as_array().map(Vec::len), Some(3));
}
db_test!(improvement_options_exact_and_checked);

/// A PASSED outcome needs the pass mark (60 by default); a FAILED one or one without a score
/// is not held to it.
async fn a_passed_review_reaches_the_pass_mark(app: TestApp) {
    let s = setting(&app).await;
    let city = &s.city;
    let audit = reported_audit(&app, &s, &s.enterprise, 2024, MAY_REPORT).await;
    let review = schedule(&app, city, &audit["id"], "EVALUATION", "2024-06-01").await;
    let before = (
        app.count("audit_transitions").await,
        app.count("audit_log").await,
    );
    let (code, error) = app
        .err(
            Some(city),
            RECORD,
            json!({ "id": review, "input": { "outcome": "PASSED", "score": "59.5", "opinion": "勉强" } }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(error["extensions"]["field"], "score");
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("pass mark of 60")),
        "{error}"
    );
    assert_eq!(
        (
            app.count("audit_transitions").await,
            app.count("audit_log").await
        ),
        before,
        "nothing written"
    );
    let passed = app
        .ok(
            Some(city),
            RECORD,
            json!({ "id": review, "input": { "outcome": "PASSED", "score": "60", "opinion": "通过" } }),
        )
        .await;
    assert_eq!(passed["recordReviewOutcome"]["review"]["outcome"], "PASSED");

    // A stricter province sets its own mark.
    let strict = TestApp::sqlite_with(|c| c.review_pass_mark = 75).await;
    let s = setting(&strict).await;
    let audit = reported_audit(&strict, &s, &s.enterprise, 2024, MAY_REPORT).await;
    let review = schedule(&strict, &s.city, &audit["id"], "EVALUATION", "2024-06-01").await;
    assert_eq!(strict.code(Some(&s.city),
            RECORD,
            json!({ "id": review, "input": { "outcome": "PASSED", "score": "70", "opinion": "通过" } })).await, "BAD_USER_INPUT");
}
db_test!(a_passed_review_reaches_the_pass_mark);

/// 精简验收内容: a passed evaluation whose implemented options need no acceptance ends the
/// round; one with an option that needs acceptance (or with none implemented) waits for it.
async fn a_round_closes_on_its_evaluation_when_nothing_needs_acceptance(app: TestApp) {
    let s = setting(&app).await;
    let city = &s.city;
    let evaluated = |enterprise: Value, options: Vec<Value>| {
        let app = &app;
        let s = &s;
        async move {
            let audit = create_audit(app, &s.city, &enterprise, 2024, "2024-03-01").await;
            start(app, s, &audit["id"], "2024-03-10").await;
            for option in options {
                app.ok(
                    Some(&s.city),
                    ADD_OPTION,
                    json!({ "id": audit["id"], "input": option }),
                )
                .await;
            }
            submit(app, s, &audit["id"], "2024-05-01").await;
            let passed = review(app, &s.city, &audit, "EVALUATION", "2024-06-01", "PASSED").await;
            (audit["id"].clone(), passed["audit"].clone())
        }
    };
    let no_low_cost = json!({ "kind": "NO_LOW_COST", "title": "照明改造", "implemented": true });
    let elsewhere = json!({ "kind": "MEDIUM_HIGH_COST", "title": "余热回收", "implemented": true, "technicalRetrofit": true, "acceptedByOtherDepartment": true, "otherDepartment": "市发改委", "otherDepartmentConclusion": "验收合格" });
    let retrofit = json!({ "kind": "MEDIUM_HIGH_COST", "title": "脱硝改造", "implemented": true, "technicalRetrofit": true });

    let (id, closed) = evaluated(s.enterprise.clone(), vec![no_low_cost.clone(), elsewhere]).await;
    assert_eq!(closed["status"], "CLOSED_ON_EVALUATION");
    assert_eq!(closed["closed"], true);
    assert_eq!(closed["acceptedOn"], Value::Null);
    assert_eq!(closed["acceptanceDue"], Value::Null);
    assert_eq!(closed["deadline"], Value::Null);
    let seen = app
        .ok(Some(city), AUDIT, json!({ "id": id, "asOf": "2030-01-01" }))
        .await["audit"]
        .clone();
    assert_eq!(seen["overdue"], false, "no acceptance is owed");
    assert_eq!(seen["enterprise"]["lastCompletedOn"], "2024-06-01");
    let last = seen["history"].as_array().and_then(|h| h.last()).cloned();
    assert_eq!(
        last.map(|h| (h["event"].clone(), h["toStatus"].clone())),
        Some((
            json!("CLOSE_WITHOUT_ACCEPTANCE"),
            json!("CLOSED_ON_EVALUATION")
        ))
    );
    let (code, error) = app
        .err(
            Some(city),
            SCHEDULE,
            json!({ "input": { "auditId": id, "kind": "ACCEPTANCE", "date": "2024-07-01" } }),
        )
        .await;
    assert_eq!(
        (code.as_str(), error["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("kind"))
    );

    // A retrofit not accepted elsewhere, or nothing implemented: the acceptance stays owed.
    for (serial, options) in [(2, vec![no_low_cost, retrofit]), (3, vec![])] {
        let enterprise = create_enterprise(&app, &s.admin, enterprise_input(serial)).await;
        let (_, waiting) = evaluated(enterprise, options).await;
        assert_eq!(waiting["status"], "EVALUATION_PASSED");
        assert_eq!(waiting["closed"], false);
        assert_eq!(
            waiting["deadline"],
            json!({ "kind": "ACCEPTANCE", "due": "2025-06-01" })
        );
    }
}
db_test!(a_round_closes_on_its_evaluation_when_nothing_needs_acceptance);
