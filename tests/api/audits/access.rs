//! Who may run and read audits, and the cost of a page of them.

use std::sync::atomic::Ordering;

use super::*;
use crate::db_test;

async fn who_may_run_and_read_audits(app: TestApp) {
    let s = setting(&app).await;
    let (admin, city) = (&s.admin, &s.city);
    let datong = app.city_admin("140200").await;
    let firm_user = app.consultancy_user(&s.firm["id"]).await;
    let other_firm = create_consultancy(&app, admin, 2).await;
    let other_firm_user = app.consultancy_user(&other_firm["id"]).await;
    let expert = create_expert(&app, admin, 1).await;
    let expert = app.user_token("EXPERT", None, expert["id"].as_str()).await;

    // createAudit: bad input and roles, nothing written.
    let before = (
        app.count("audits").await,
        app.count("audit_transitions").await,
    );
    let ghost = json!(uuid::Uuid::now_v7().to_string());
    for (input, field) in [
        (
            json!({ "enterpriseId": ghost, "year": 2024 }),
            "enterpriseId",
        ),
        (
            json!({ "enterpriseId": "nope", "year": 2024 }),
            "enterpriseId",
        ),
        (
            json!({ "enterpriseId": s.enterprise["id"], "year": 1999 }),
            "year",
        ),
        (
            json!({ "enterpriseId": s.enterprise["id"], "year": 2024, "noticeDate": "2099-01-01" }),
            "noticeDate",
        ),
    ] {
        let (code, error) = app
            .err(Some(city), CREATE_AUDIT, json!({ "input": input }))
            .await;
        assert_eq!(
            (code.as_str(), error["extensions"]["field"].as_str()),
            ("BAD_USER_INPUT", Some(field)),
            "{input}"
        );
    }
    let input = json!({ "input": { "enterpriseId": s.enterprise["id"], "year": 2024, "noticeDate": "2024-03-01" } });
    for (token, want) in [
        (Some(datong.as_str()), "FORBIDDEN"),
        (Some(firm_user.as_str()), "FORBIDDEN"),
        (Some(expert.as_str()), "FORBIDDEN"),
        (None, "UNAUTHENTICATED"),
    ] {
        assert_eq!(app.code(token, CREATE_AUDIT, input.clone()).await, want);
    }
    assert_eq!(
        (
            app.count("audits").await,
            app.count("audit_transitions").await
        ),
        before
    );
    let audit = create_audit(&app, city, &s.enterprise, 2024, "2024-03-01").await;
    assert_eq!(
        app.code(Some(city), CREATE_AUDIT, input.clone()).await,
        "CONFLICT",
        "one open round per enterprise"
    );

    // Running it: only its city and the province.
    for token in [Some(datong.as_str()), Some(firm_user.as_str()), None] {
        let want = if token.is_none() {
            "UNAUTHENTICATED"
        } else {
            "FORBIDDEN"
        };
        assert_eq!(
            app.code(
                token,
                START,
                json!({ "id": audit["id"], "on": "2024-04-01" })
            )
            .await,
            want
        );
    }
    app.ok(
        Some(admin),
        START,
        json!({ "id": audit["id"], "on": "2024-04-01" }),
    )
    .await;
    assert_eq!(
        app.code(
            Some(&datong),
            SUBMIT,
            json!({ "id": audit["id"], "input": submission(&s, "2024-05-01") })
        )
        .await,
        "FORBIDDEN"
    );
    submit(&app, &s, &audit["id"], "2024-05-01").await;

    // A review of another city's audit is FORBIDDEN to a city admin.
    let schedule =
        json!({ "input": { "auditId": audit["id"], "kind": "EVALUATION", "date": "2024-06-01" } });
    for (token, want) in [
        (Some(datong.as_str()), "FORBIDDEN"),
        (Some(firm_user.as_str()), "FORBIDDEN"),
        (None, "UNAUTHENTICATED"),
    ] {
        assert_eq!(app.code(token, SCHEDULE, schedule.clone()).await, want);
    }
    let scheduled = app.ok(Some(city), SCHEDULE, schedule).await["scheduleReview"].clone();
    let outcome =
        json!({ "id": scheduled["id"], "input": { "outcome": "PASSED", "opinion": "ok" } });
    for (token, want) in [
        (Some(datong.as_str()), "FORBIDDEN"),
        (Some(firm_user.as_str()), "FORBIDDEN"),
        (None, "UNAUTHENTICATED"),
    ] {
        assert_eq!(app.code(token, RECORD, outcome.clone()).await, want);
    }
    let review_q = "query($id: ID!) { review(id: $id) { kind status audit { id } } }";
    assert_eq!(
        app.code(Some(&datong), review_q, json!({ "id": scheduled["id"] }))
            .await,
        "FORBIDDEN"
    );
    let seen = app
        .ok(Some(&firm_user), review_q, json!({ "id": scheduled["id"] }))
        .await;
    assert_eq!(seen["review"]["status"], "SCHEDULED");
    app.ok(Some(city), RECORD, outcome).await;
    let extend = json!({ "id": audit["id"], "until": "2026-01-01", "r": "x" });
    assert_eq!(
        app.code(Some(&datong), EXTEND, extend.clone()).await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.code(Some(&firm_user), EXTEND, extend).await,
        "FORBIDDEN"
    );

    // Reading: the firm that holds it sees it (and only its audits); others do not.
    let one = json!({ "id": audit["id"] });
    app.ok(Some(&firm_user), AUDIT, one.clone()).await;
    for (token, want) in [
        (Some(datong.as_str()), "FORBIDDEN"),
        (Some(other_firm_user.as_str()), "FORBIDDEN"),
        (Some(expert.as_str()), "FORBIDDEN"),
        (None, "UNAUTHENTICATED"),
    ] {
        assert_eq!(app.code(token, AUDIT, one.clone()).await, want);
    }
    let theirs = app.ok(Some(&firm_user), AUDITS, json!({})).await;
    assert_eq!(theirs["audits"]["totalCount"], 1);
    assert_eq!(
        theirs["audits"]["edges"][0]["node"]["enterprise"]["name"],
        "企业1"
    );
    let none = app.ok(Some(&other_firm_user), AUDITS, json!({})).await;
    assert_eq!(none["audits"]["totalCount"], 0);
    assert_eq!(
        app.code(
            Some(&other_firm_user),
            AUDITS,
            json!({ "filter": { "consultancyId": s.firm["id"] } })
        )
        .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.code(
            Some(&datong),
            AUDITS,
            json!({ "filter": { "cityCode": "140100" } })
        )
        .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.ok(Some(&datong), AUDITS, json!({})).await["audits"]["totalCount"],
        0
    );
    assert_eq!(
        app.code(Some(&expert), AUDITS, json!({})).await,
        "FORBIDDEN"
    );
    // The firm now reads the enterprise it audits.
    let e = app
        .ok(
            Some(&firm_user),
            "query($id: ID!) { enterprise(id: $id) { name audits { id } } }",
            json!({ "id": s.enterprise["id"] }),
        )
        .await;
    assert_eq!(e["enterprise"]["audits"].as_array().map(Vec::len), Some(1));
}
db_test!(who_may_run_and_read_audits);

async fn a_page_of_audits_costs_a_fixed_number_of_queries(app: TestApp) {
    let admin = app.admin().await;
    let db = &app.state.services.db;
    let viewer = cleanprod::auth::Viewer::System;
    let catalog = app.state.services.catalog.clone();
    let firm = create_consultancy(&app, &admin, 1).await;
    let lead = add_staff(&app, &admin, &firm["id"], staff_input(1, "2020-01-01")).await;
    let firm_id = uuid::Uuid::parse_str(firm["id"].as_str().expect("id")).expect("uuid");
    let lead_id = uuid::Uuid::parse_str(lead["id"].as_str().expect("id")).expect("uuid");
    let date = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
    for serial in 0..60u32 {
        let input = enterprise_input(serial + 10);
        let new = cleanprod::services::enterprises::NewEnterprise {
            name: format!("企业{serial}"),
            credit_code: input["creditCode"].as_str().expect("code").to_owned(),
            city_code: if serial % 2 == 0 {
                "140100".into()
            } else {
                "140200".into()
            },
            county: "区".into(),
            industry_code: "3120".into(),
            employees: 100,
            operating_revenue: rust_decimal::Decimal::from(1000),
            scale: None,
            high_energy_use: false,
            high_water_use: false,
            high_emissions: false,
            priority_chemicals: false,
            mining_operation: false,
            coating_process: false,
            directory_since_year: Some(2020),
        };
        let e = cleanprod::services::enterprises::create_enterprise(db, &viewer, &catalog, new)
            .await
            .expect("enterprise");
        let policy = cleanprod::rules::deadlines::DeadlinePolicy::default();
        let audit = cleanprod::services::audits::create_audit(
            db,
            &viewer,
            &policy,
            cleanprod::services::audits::NewAudit {
                enterprise_id: e.id,
                year: 2024,
                notice_date: Some(date("2024-03-01")),
                procedure: None,
            },
        )
        .await
        .expect("audit");
        cleanprod::services::audits::start_audit(
            db,
            &viewer,
            &policy,
            audit.id,
            Some(date("2024-04-01")),
        )
        .await
        .expect("start");
        cleanprod::services::audits::submit_report(
            db,
            &viewer,
            &policy,
            cleanprod::services::documents::StepDocuments { required: false },
            audit.id,
            cleanprod::services::audits::ReportSubmission {
                consultancy_id: Some(firm_id),
                lead_auditor_id: Some(lead_id),
                team_leader: None,
                submitted_on: Some(date("2024-05-01")),
            },
        )
        .await
        .expect("report");
    }
    let query = "query($n: Int) { audits(first: $n) { totalCount edges { node { status city { name } enterprise { name city { name } lastCompletion { kind } } consultancy { name } leadAuditor { name } history { event } reviews { kind } options { title } deadline { due } } } } }";
    let mut costs = Vec::new();
    for n in [5, 60] {
        // The counter is the pool's: on a loaded machine a statement of anything else running
        // meanwhile, or a loader batch split by a late task, adds to one run; the page's cost
        // is the least of three.
        let mut cost = usize::MAX;
        let mut data = Value::Null;
        for _ in 0..3 {
            let before = app.statements.load(Ordering::SeqCst);
            data = app.ok(Some(&admin), query, json!({ "n": n })).await;
            cost = cost.min(app.statements.load(Ordering::SeqCst) - before);
        }
        costs.push(cost);
        assert_eq!(
            data["audits"]["edges"].as_array().map(Vec::len),
            Some(n as usize)
        );
        assert_eq!(
            data["audits"]["edges"][1]["node"]["history"]
                .as_array()
                .map(Vec::len),
            Some(3)
        );
        assert_eq!(
            data["audits"]["edges"][1]["node"]["enterprise"]["city"]["name"],
            "大同市"
        );
    }
    assert_eq!(
        costs[0], costs[1],
        "statements for 5 vs 60 audits: {costs:?}"
    );
    assert!(costs[1] <= 16, "a page of 60 costs {} statements", costs[1]);
}
db_test!(a_page_of_audits_costs_a_fixed_number_of_queries);
