//! Enrolment: who enrols whom, and the capacity under concurrent enrolments.

use super::*;
use crate::db_test;

/// Who enrols whom, once per session, for the session's audiences, until it starts.
async fn enrolment_roles_and_rules(app: TestApp) {
    let admin = app.admin().await;
    let taiyuan = app.city_admin("140100").await;
    let starts = in_ten_days();
    let session = create(&app, &admin, input("PROVINCIAL", None, starts, 8, "6")).await;
    let expert = create_expert(&app, &admin, 1).await;
    let other_expert = create_expert(&app, &admin, 2).await;
    let expert_user = app.user_token("EXPERT", None, expert["id"].as_str()).await;
    let firm = create_consultancy(&app, &admin, 1).await;
    let other_firm = create_consultancy(&app, &admin, 2).await;
    let firm_user = app.consultancy_user(&firm["id"]).await;
    let staff = add_staff(&app, &admin, &firm["id"], staff_input(1, "2020-01-01")).await;
    let other_staff = add_staff(
        &app,
        &admin,
        &other_firm["id"],
        staff_input(2, "2020-01-01"),
    )
    .await;

    let mine = enroll(
        &app,
        &expert_user,
        &session,
        json!({ "expertId": expert["id"] }),
    )
    .await;
    assert_eq!(mine["status"], "REGISTERED");
    assert_eq!(mine["participant"]["kind"], "EXPERT");
    assert_eq!(mine["participant"]["name"], expert["name"]);
    assert_eq!(mine["participant"]["organisation"], "山西省环境科学研究院");
    assert_eq!(mine["participant"]["role"], "副高级");
    assert_eq!(mine["participant"]["audience"], "EXPERT");
    let staffs = enroll(
        &app,
        &firm_user,
        &session,
        json!({ "consultancyStaffId": staff["id"] }),
    )
    .await;
    assert_eq!(staffs["participant"]["organisation"], firm["name"]);
    assert_eq!(staffs["participant"]["consultancyId"], firm["id"]);
    assert_eq!(staffs["participant"]["role"], "审核人员");
    let me = my_id(&app, &taiyuan).await;
    let official = enroll(&app, &taiyuan, &session, json!({ "userId": me })).await;
    assert_eq!(official["participant"]["audience"], "ADMINISTRATIVE_STAFF");
    assert_eq!(official["participant"]["organisation"], "太原市生态环境局");
    let guest = enroll(&app, &admin, &session, outside("李四")).await;
    assert_eq!(guest["participant"]["kind"], "OUTSIDE");

    let before = written(&app).await;
    let s = session["id"].clone();
    let vars = |p: Value| json!({ "s": s, "p": p });
    for (token, p, want) in [
        (
            Some(&expert_user),
            json!({ "expertId": expert["id"] }),
            "CONFLICT",
        ),
        (Some(&admin), outside("李四"), "CONFLICT"),
        (
            Some(&expert_user),
            json!({ "expertId": other_expert["id"] }),
            "FORBIDDEN",
        ),
        (
            Some(&expert_user),
            json!({ "consultancyStaffId": staff["id"] }),
            "FORBIDDEN",
        ),
        (
            Some(&firm_user),
            json!({ "consultancyStaffId": other_staff["id"] }),
            "FORBIDDEN",
        ),
        (
            Some(&firm_user),
            json!({ "expertId": expert["id"] }),
            "FORBIDDEN",
        ),
        (Some(&firm_user), outside("王五"), "FORBIDDEN"),
        (
            Some(&taiyuan),
            json!({ "expertId": other_expert["id"] }),
            "FORBIDDEN",
        ),
        (Some(&taiyuan), outside("王五"), "FORBIDDEN"),
        (None, json!({ "expertId": expert["id"] }), "UNAUTHENTICATED"),
        (
            Some(&admin),
            json!({ "expertId": uuid::Uuid::now_v7().to_string() }),
            "NOT_FOUND",
        ),
    ] {
        let (code, error) = app
            .err(token.map(String::as_str), ENROLL, vars(p.clone()))
            .await;
        assert_eq!(code, want, "{p}: {error}");
    }
    let expert_user_id = my_id(&app, &expert_user).await;
    let mut enterprise_guest = outside("赵六");
    enterprise_guest["outside"]["audience"] = json!("ENTERPRISE_STAFF");
    for (p, field) in [
        // An expert's account trains as the expert.
        (json!({ "userId": expert_user_id }), "participant.userId"),
        // The session is not for enterprise staff.
        (enterprise_guest, "participant"),
        (
            json!({ "outside": { "name": " ", "organisation": "x" } }),
            "participant.outside.name",
        ),
        (
            json!({ "outside": { "name": "x", "organisation": "" } }),
            "participant.outside.organisation",
        ),
        (json!({ "expertId": "nope" }), "participant.expertId"),
    ] {
        expect_field(&app, Some(&admin), ENROLL, vars(p), field).await;
    }
    expect_field(
        &app,
        Some(&admin),
        ENROLL,
        json!({ "s": "nope", "p": outside("x") }),
        "sessionId",
    )
    .await;
    // Exactly one kind of participant.
    let (_, body) = app
        .post(
            Some(&admin),
            ENROLL,
            vars(json!({ "expertId": expert["id"], "userId": me })),
        )
        .await;
    assert!(body["errors"].is_array(), "{body}");
    assert_eq!(written(&app).await, before);

    // Staff who left the firm before the session cannot be enrolled for it.
    let leaver = add_staff(&app, &admin, &firm["id"], staff_input(3, "2020-01-01")).await;
    app.ok(
        Some(&admin),
        END_STAFF,
        json!({ "id": leaver["id"], "on": "2024-12-31" }),
    )
    .await;
    expect_field(
        &app,
        Some(&firm_user),
        ENROLL,
        vars(json!({ "consultancyStaffId": leaver["id"] })),
        "participant.consultancyStaffId",
    )
    .await;

    // Each sees their own enrolments; the organiser sees everyone.
    let all = app
        .ok(Some(&admin), SESSION_ATTENDANCES, json!({ "id": s }))
        .await;
    assert_eq!(
        all["trainingSession"]["attendances"]
            .as_array()
            .map(Vec::len),
        Some(4)
    );
    assert_eq!(all["trainingSession"]["enrolledCount"], 4);
    for (token, kind) in [
        (&expert_user, "EXPERT"),
        (&firm_user, "CONSULTANCY_STAFF"),
        (&taiyuan, "USER"),
    ] {
        let seen = app
            .ok(Some(token), SESSION_ATTENDANCES, json!({ "id": s }))
            .await;
        let rows = seen["trainingSession"]["attendances"]
            .as_array()
            .expect("rows")
            .clone();
        assert_eq!(rows.len(), 1, "{kind}");
        assert_eq!(rows[0]["participant"]["kind"], kind);
    }

    // After the start people no longer enrol themselves; the organiser still may.
    let started = create(
        &app,
        &admin,
        input("PROVINCIAL", None, two_days_ago(), 8, "6"),
    )
    .await;
    expect_field(
        &app,
        Some(&expert_user),
        ENROLL,
        json!({ "s": started["id"], "p": { "expertId": expert["id"] } }),
        "sessionId",
    )
    .await;
    enroll(&app, &admin, &started, json!({ "expertId": expert["id"] })).await;

    // A city admin organises their city's sessions: anyone may be enrolled there.
    let city_session = create(
        &app,
        &taiyuan,
        input("CITY", Some("140100"), starts, 3, "3"),
    )
    .await;
    enroll(
        &app,
        &taiyuan,
        &city_session,
        json!({ "expertId": other_expert["id"] }),
    )
    .await;
    enroll(
        &app,
        &taiyuan,
        &city_session,
        json!({ "consultancyStaffId": other_staff["id"] }),
    )
    .await;
}
db_test!(enrolment_roles_and_rules);

/// A full session answers CONFLICT; concurrent enrolments from separate connection pools
/// (as from several server instances) never pass the capacity, and one person enrolling
/// many times at once gets one place.
/// Enrols each of `participants` in the session at once (released together), from a runtime
/// with worker threads and four pools of its own, so that the enrolments truly overlap; the
/// outcome of each, by its error's code.
fn enroll_at_once(
    url: String,
    session_id: uuid::Uuid,
    participants: Vec<NewParticipant>,
) -> Vec<Result<(), &'static str>> {
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(4)
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let mut pools = Vec::new();
            for _ in 0..4 {
                pools.push(cleanprod::db::connect(&url).await.expect("pool"));
            }
            let start = std::sync::Arc::new(tokio::sync::Barrier::new(participants.len()));
            let mut tasks = Vec::new();
            for (n, participant) in participants.into_iter().enumerate() {
                let db = pools[n % pools.len()].clone();
                let start = start.clone();
                tasks.push(tokio::spawn(async move {
                    start.wait().await;
                    training::enroll(&db, &Viewer::System, session_id, participant)
                        .await
                        .map(|_| ())
                        .map_err(|e| e.code())
                }));
            }
            let mut outcomes = Vec::new();
            for t in tasks {
                outcomes.push(t.await.expect("task"));
            }
            for pool in pools {
                let _ = pool.close().await;
            }
            outcomes
        })
    })
    .join()
    .expect("enrolments")
}

async fn capacity_holds_under_concurrent_enrolments(app: TestApp) {
    let admin = app.admin().await;
    let mut i = input("PROVINCIAL", None, in_ten_days(), 8, "6");
    i["capacity"] = json!(1);
    let small = create(&app, &admin, i).await;
    enroll(&app, &admin, &small, outside("甲")).await;
    let before = app.count("training_attendances").await;
    let (code, error) = app
        .err(
            Some(&admin),
            ENROLL,
            json!({ "s": small["id"], "p": outside("乙") }),
        )
        .await;
    assert_eq!(code, "CONFLICT", "{error}");
    assert!(
        error["message"].as_str().unwrap_or("").contains("full"),
        "{error}"
    );
    assert_eq!(app.count("training_attendances").await, before);

    const CAPACITY: i64 = 5;
    const CONTENDERS: usize = 24;
    let mut i = input("PROVINCIAL", None, in_ten_days(), 8, "6");
    i["capacity"] = json!(CAPACITY);
    let session = create(&app, &admin, i).await;
    let session_id = uuid::Uuid::parse_str(session["id"].as_str().expect("id")).expect("uuid");
    let expert = create_expert(&app, &admin, 1).await;
    let expert_id = uuid::Uuid::parse_str(expert["id"].as_str().expect("id")).expect("uuid");
    let url = app.state.services.config.database_url.clone();

    let contenders = (0..CONTENDERS)
        .map(|n| NewParticipant::Outside {
            name: format!("参训人{n}"),
            organisation: "某企业".into(),
            role: None,
            audience: cleanprod::domain::TrainingAudience::AdministrativeStaff,
        })
        .collect();
    let outcomes = enroll_at_once(url.clone(), session_id, contenders);
    // The same expert, eight times at once, on the session now full.
    let expert_eight_times = (0..8).map(|_| NewParticipant::Expert(expert_id)).collect();
    let duplicates = enroll_at_once(url, session_id, expert_eight_times);

    let won = outcomes.iter().filter(|o| o.is_ok()).count();
    assert_eq!(won as i64, CAPACITY, "{outcomes:?}");
    assert!(
        outcomes.iter().all(|o| o.is_ok() || *o == Err("CONFLICT")),
        "{outcomes:?}"
    );
    // The session was full before the expert came: every attempt is a CONFLICT.
    assert!(
        duplicates.iter().all(|o| *o == Err("CONFLICT")),
        "{duplicates:?}"
    );
    let seen = session_attendances(&app, &admin, &session["id"]).await;
    assert_eq!(seen["trainingSession"]["enrolledCount"], CAPACITY);
    assert_eq!(
        seen["trainingSession"]["attendances"]
            .as_array()
            .map(Vec::len),
        Some(CAPACITY as usize)
    );

    // One person at once, many times, without a limit: one place.
    let open = create(
        &app,
        &admin,
        input("PROVINCIAL", None, in_ten_days(), 8, "6"),
    )
    .await;
    let open_id = uuid::Uuid::parse_str(open["id"].as_str().expect("id")).expect("uuid");
    let url = app.state.services.config.database_url.clone();
    let expert_eight_times = (0..8).map(|_| NewParticipant::Expert(expert_id)).collect();
    let results = enroll_at_once(url, open_id, expert_eight_times);
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:?}"
    );
    assert!(
        results.iter().all(|r| r.is_ok() || *r == Err("CONFLICT")),
        "{results:?}"
    );
    let seen = session_attendances(&app, &admin, &open["id"]).await;
    assert_eq!(seen["trainingSession"]["enrolledCount"], 1);
    assert_eq!(
        seen["trainingSession"]["attendances"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
}
db_test!(capacity_holds_under_concurrent_enrolments);
