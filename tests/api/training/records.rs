//! Records, hours, the year's compliance, the training plan and the CSV exports.

use super::*;
use crate::db_test;

/// What the records tests start from: the province's and two cities' admins, and two
/// sessions that began two days ago, the province's (8 hours, 6 credited) and Taiyuan's (4
/// hours, 3 credited).
struct HeldSessions {
    admin: String,
    taiyuan: String,
    datong: String,
    starts: DateTime<Utc>,
    year: i32,
    provincial: Value,
    city: Value,
}

async fn held_sessions(app: &TestApp) -> HeldSessions {
    let admin = app.admin().await;
    let taiyuan = app.city_admin("140100").await;
    let datong = app.city_admin("140200").await;
    let starts = two_days_ago();
    let provincial = create(app, &admin, input("PROVINCIAL", None, starts, 8, "6")).await;
    let city = create(app, &taiyuan, input("CITY", Some("140100"), starts, 4, "3")).await;
    HeldSessions {
        admin,
        taiyuan,
        datong,
        starts,
        year: year_of(starts),
        provincial,
        city,
    }
}

/// Hours per person and year: an expert's, a staff member's across firms, an official's.
async fn records_and_hours(app: TestApp) {
    let HeldSessions {
        admin,
        taiyuan,
        datong,
        starts: _,
        year,
        provincial,
        city,
    } = held_sessions(&app).await;
    let expert = create_expert(&app, &admin, 1).await;
    let other_expert = create_expert(&app, &admin, 2).await;
    let firm = create_consultancy(&app, &admin, 1).await;
    let new_firm = create_consultancy(&app, &admin, 2).await;
    let staff = add_staff(&app, &admin, &firm["id"], staff_input(1, "2020-01-01")).await;

    let attend = |session: &Value, p: Value| {
        let app = &app;
        let admin = admin.clone();
        let session = session.clone();
        async move {
            let row = enroll(app, &admin, &session, p).await;
            app.ok(
                Some(&admin),
                RECORD,
                json!({ "id": row["id"], "input": { "status": "ATTENDED" } }),
            )
            .await;
        }
    };
    attend(&provincial, json!({ "expertId": expert["id"] })).await;
    attend(&city, json!({ "expertId": expert["id"] })).await;
    attend(&provincial, json!({ "consultancyStaffId": staff["id"] })).await;
    let me = my_id(&app, &taiyuan).await;
    attend(&city, json!({ "userId": me })).await;
    // The other expert enrolled and was absent.
    let row = enroll(
        &app,
        &admin,
        &provincial,
        json!({ "expertId": other_expert["id"] }),
    )
    .await;
    app.ok(
        Some(&admin),
        RECORD,
        json!({ "id": row["id"], "input": { "status": "ABSENT" } }),
    )
    .await;

    // The staff member moves to another firm and trains again there.
    let yesterday = (Utc::now() - Duration::days(1)).date_naive().to_string();
    let today = Utc::now().date_naive().to_string();
    app.ok(
        Some(&admin),
        END_STAFF,
        json!({ "id": staff["id"], "on": yesterday }),
    )
    .await;
    let mut moved_input = staff_input(1, &today);
    moved_input["idCardNumber"] = json!(id_card("19800101", 1));
    let moved = add_staff(&app, &admin, &new_firm["id"], moved_input).await;
    let later = create(
        &app,
        &admin,
        input("PROVINCIAL", None, Utc::now() - Duration::hours(3), 2, "2"),
    )
    .await;
    if year_of(Utc::now() - Duration::hours(3)) == year {
        attend(&later, json!({ "consultancyStaffId": moved["id"] })).await;
    }
    let later_hours = if year_of(Utc::now() - Duration::hours(3)) == year {
        dec("2")
    } else {
        dec("0")
    };

    let db = &app.state.services.db;
    let by_expert = training::hours_by_expert(db, year).await.expect("hours");
    let expert_id = uuid::Uuid::parse_str(expert["id"].as_str().expect("id")).expect("uuid");
    let other_id = uuid::Uuid::parse_str(other_expert["id"].as_str().expect("id")).expect("uuid");
    assert_eq!(by_expert.get(&expert_id), Some(&dec("9")));
    assert_eq!(by_expert.get(&other_id), None);
    assert!(
        training::hours_by_expert(db, year - 1)
            .await
            .expect("hours")
            .is_empty()
    );
    let firm_id = uuid::Uuid::parse_str(firm["id"].as_str().expect("id")).expect("uuid");
    let new_firm_id = uuid::Uuid::parse_str(new_firm["id"].as_str().expect("id")).expect("uuid");
    // The person's hours follow them: the new firm counts them, the old one no longer.
    assert_eq!(
        training::hours_by_consultancy_staff(db, new_firm_id, year)
            .await
            .expect("hours"),
        dec("6") + later_hours
    );
    assert_eq!(
        training::hours_by_consultancy_staff(db, firm_id, year)
            .await
            .expect("hours"),
        Decimal::ZERO
    );

    let expert_user = app.user_token("EXPERT", None, expert["id"].as_str()).await;
    let record = app
        .ok(
            Some(&expert_user),
            RECORD_OF,
            json!({ "p": { "expertId": expert["id"] }, "y": year }),
        )
        .await["trainingRecord"]
        .clone();
    assert_eq!(record["hours"], "9");
    assert_eq!(record["sessionsAttended"], 2);
    assert_eq!(record["person"]["name"], expert["name"]);
    assert_eq!(record["attendances"].as_array().map(Vec::len), Some(2));
    assert!(record["attendances"][0]["session"]["title"].is_string());

    let new_firm_user = app.consultancy_user(&new_firm["id"]).await;
    let staff_record = app
        .ok(
            Some(&new_firm_user),
            RECORD_OF,
            json!({ "p": { "consultancyStaffId": moved["id"] }, "y": year }),
        )
        .await["trainingRecord"]
        .clone();
    assert_eq!(
        staff_record["hours"].as_str().map(dec),
        Some(dec("6") + later_hours)
    );
    assert_eq!(staff_record["person"]["organisation"], new_firm["name"]);
    let official = app
        .ok(
            Some(&taiyuan),
            RECORD_OF,
            json!({ "p": { "userId": me }, "y": year }),
        )
        .await["trainingRecord"]
        .clone();
    assert_eq!(official["hours"], "3");
    let by_province = app
        .ok(
            Some(&admin),
            RECORD_OF,
            json!({ "p": { "userId": me }, "y": year }),
        )
        .await;
    assert_eq!(by_province["trainingRecord"]["hours"], "3");
    let other_year = app
        .ok(
            Some(&admin),
            RECORD_OF,
            json!({ "p": { "expertId": expert["id"] }, "y": year - 1 }),
        )
        .await;
    assert_eq!(other_year["trainingRecord"]["hours"], "0");

    let old_firm_user = app.consultancy_user(&firm["id"]).await;
    for (token, p, want) in [
        (
            Some(&expert_user),
            json!({ "expertId": other_expert["id"] }),
            "FORBIDDEN",
        ),
        (
            Some(&expert_user),
            json!({ "consultancyStaffId": moved["id"] }),
            "FORBIDDEN",
        ),
        (
            Some(&old_firm_user),
            json!({ "consultancyStaffId": moved["id"] }),
            "FORBIDDEN",
        ),
        // A former employer no longer reads the person's record.
        (
            Some(&old_firm_user),
            json!({ "consultancyStaffId": staff["id"] }),
            "FORBIDDEN",
        ),
        (
            Some(&new_firm_user),
            json!({ "expertId": expert["id"] }),
            "FORBIDDEN",
        ),
        (Some(&datong), json!({ "userId": me }), "FORBIDDEN"),
        (None, json!({ "expertId": expert["id"] }), "UNAUTHENTICATED"),
        (
            Some(&admin),
            json!({ "expertId": uuid::Uuid::now_v7().to_string() }),
            "NOT_FOUND",
        ),
    ] {
        let (code, error) = app
            .err(
                token.map(String::as_str),
                RECORD_OF,
                json!({ "p": p, "y": year }),
            )
            .await;
        assert_eq!(code, want, "{p}: {error}");
    }
    expect_field(
        &app,
        Some(&admin),
        RECORD_OF,
        json!({ "p": outside("李四"), "y": year }),
        "participant.outside",
    )
    .await;
    expect_field(
        &app,
        Some(&admin),
        RECORD_OF,
        json!({ "p": { "expertId": expert["id"] }, "y": 1900 }),
        "year",
    )
    .await;
}
db_test!(records_and_hours);

async fn compliance_of_the_year(app: TestApp) {
    let admin = app.admin().await;
    let taiyuan = app.city_admin("140100").await;
    let starts = two_days_ago();
    let year = year_of(starts);

    let empty =
        app.ok(Some(&admin), COMPLIANCE, json!({ "y": year })).await["trainingCompliance"].clone();
    assert_eq!(empty["provincialSessionHeld"], false);
    assert_eq!(empty["cities"].as_array().map(Vec::len), Some(11));

    let provincial = create(&app, &admin, input("PROVINCIAL", None, starts, 8, "6")).await;
    let city = create(
        &app,
        &taiyuan,
        input("CITY", Some("140100"), starts, 4, "3"),
    )
    .await;
    create(
        &app,
        &taiyuan,
        input("CITY", Some("140100"), in_ten_days(), 4, "3"),
    )
    .await;
    let cancelled = create(
        &app,
        &taiyuan,
        input("CITY", Some("140100"), starts, 4, "3"),
    )
    .await;
    app.ok(
        Some(&taiyuan),
        CANCEL,
        json!({ "id": cancelled["id"], "r": "取消" }),
    )
    .await;

    let trained = create_expert(&app, &admin, 1).await;
    let idle = create_expert(&app, &admin, 2).await;
    let candidate = create_expert(&app, &admin, 3).await;
    for e in [&trained, &idle] {
        app.ok(
            Some(&admin),
            SET_EXPERT_STATUS,
            json!({ "id": e["id"], "s": "ACTIVE", "r": "聘任" }),
        )
        .await;
    }
    let firm = create_consultancy(&app, &admin, 1).await;
    let busy = add_staff(&app, &admin, &firm["id"], staff_input(1, "2020-01-01")).await;
    let lazy = add_staff(&app, &admin, &firm["id"], staff_input(2, "2020-01-01")).await;
    let suspended_firm = create_consultancy(&app, &admin, 2).await;
    add_staff(
        &app,
        &admin,
        &suspended_firm["id"],
        staff_input(3, "2020-01-01"),
    )
    .await;
    app.ok(
        Some(&admin),
        "mutation($id: ID!) { setConsultancyStatus(id: $id, status: SUSPENDED, reason: \"整改\") { status } }",
        json!({ "id": suspended_firm["id"] }),
    )
    .await;

    let row = enroll(
        &app,
        &admin,
        &provincial,
        json!({ "expertId": trained["id"] }),
    )
    .await;
    app.ok(
        Some(&admin),
        RECORD,
        json!({ "id": row["id"], "input": { "status": "ATTENDED" } }),
    )
    .await;
    let row = enroll(&app, &admin, &provincial, json!({ "expertId": idle["id"] })).await;
    app.ok(
        Some(&admin),
        RECORD,
        json!({ "id": row["id"], "input": { "status": "ABSENT" } }),
    )
    .await;
    let row = enroll(
        &app,
        &taiyuan,
        &city,
        json!({ "consultancyStaffId": busy["id"] }),
    )
    .await;
    app.ok(
        Some(&taiyuan),
        RECORD,
        json!({ "id": row["id"], "input": { "status": "ATTENDED" } }),
    )
    .await;
    let row = enroll(&app, &taiyuan, &city, outside("企业来宾")).await;
    app.ok(
        Some(&taiyuan),
        RECORD,
        json!({ "id": row["id"], "input": { "status": "EXCUSED" } }),
    )
    .await;

    let c =
        app.ok(Some(&admin), COMPLIANCE, json!({ "y": year })).await["trainingCompliance"].clone();
    assert_eq!(c["provincialSessionHeld"], true);
    assert_eq!(c["provincialSessionsHeld"], 1);
    let taiyuan_row = c["cities"]
        .as_array()
        .expect("cities")
        .iter()
        .find(|r| r["cityCode"] == "140100")
        .expect("Taiyuan")
        .clone();
    assert_eq!(
        (
            &taiyuan_row["sessionsHeld"],
            &taiyuan_row["sessionsCancelled"],
            &taiyuan_row["cityName"]
        ),
        (&json!(1), &json!(1), &json!("太原市"))
    );
    if year_of(in_ten_days()) == year {
        assert_eq!(taiyuan_row["sessionsUpcoming"], 1);
    }
    let audience = |name: &str| {
        c["audiences"]
            .as_array()
            .expect("audiences")
            .iter()
            .find(|a| a["audience"] == name)
            .expect("audience")
            .clone()
    };
    let experts = audience("EXPERT");
    assert_eq!(
        (
            &experts["sessionsHeld"],
            &experts["enrolled"],
            &experts["attended"],
            &experts["absent"],
            &experts["hours"]
        ),
        (&json!(2), &json!(2), &json!(1), &json!(1), &json!("6"))
    );
    let staff = audience("CONSULTANCY_STAFF");
    assert_eq!(
        (&staff["attended"], &staff["hours"]),
        (&json!(1), &json!("3"))
    );
    assert_eq!(audience("ADMINISTRATIVE_STAFF")["excused"], 1);
    assert_eq!(audience("ENTERPRISE_STAFF")["sessionsHeld"], 0);

    // ACTIVE experts and current staff of ACTIVE firms without hours; not the candidate,
    // not the suspended firm's staff.
    let without: Vec<Value> = c["peopleWithoutHours"]
        .as_array()
        .expect("people")
        .iter()
        .map(|p| p["id"].clone())
        .collect();
    assert_eq!(without, vec![idle["id"].clone(), lazy["id"].clone()]);
    assert_eq!(
        (&c["expertsWithoutHours"], &c["staffWithoutHours"]),
        (&json!(1), &json!(1))
    );
    assert!(!without.contains(&candidate["id"]));

    let expert_user = app.user_token("EXPERT", None, trained["id"].as_str()).await;
    for (token, want) in [
        (Some(&taiyuan), "FORBIDDEN"),
        (Some(&expert_user), "FORBIDDEN"),
        (None, "UNAUTHENTICATED"),
    ] {
        assert_eq!(
            app.code(token.map(String::as_str), COMPLIANCE, json!({ "y": year }))
                .await,
            want
        );
    }
    expect_field(
        &app,
        Some(&admin),
        COMPLIANCE,
        json!({ "y": 99999 }),
        "year",
    )
    .await;
}
db_test!(compliance_of_the_year);

pub(crate) async fn plan_and_its_fulfilment(app: TestApp) {
    let admin = app.admin().await;
    let taiyuan = app.city_admin("140100").await;
    let starts = in_ten_days();
    let year = year_of(starts);
    let items = json!([
        { "title": "全省清洁生产审核培训", "scope": "PROVINCIAL", "audiences": ["ADMINISTRATIVE_STAFF"], "topics": ["LAW_AND_POLICY", "ORGANISATION_AND_MANAGEMENT"], "plannedMonth": 5 },
        { "title": "太原市咨询机构培训", "scope": "CITY", "cityCode": "140100", "audiences": ["CONSULTANCY_STAFF", "ENTERPRISE_STAFF"], "topics": ["STANDARDS", "METHODS", "TECHNOLOGY"], "plannedMonth": 9 },
    ]);
    let plan = app
        .ok(
            Some(&admin),
            SET_PLAN,
            json!({ "y": year, "items": items, "v": 0 }),
        )
        .await["setTrainingPlan"]
        .clone();
    assert_eq!(
        (
            &plan["version"],
            &plan["itemCount"],
            &plan["fulfilledCount"]
        ),
        (&json!(1), &json!(2), &json!(0))
    );
    let provincial_item = plan["items"][0]["id"].clone();
    let city_item = plan["items"][1]["id"].clone();
    assert_eq!(
        plan["items"][1]["topics"],
        json!(["STANDARDS", "METHODS", "TECHNOLOGY"])
    );

    let mut i = input("CITY", Some("140100"), starts, 3, "3");
    i["planItemId"] = city_item.clone();
    let session = create(&app, &taiyuan, i).await;
    assert_eq!(session["planItemId"], city_item);
    let before = app.count("training_sessions").await;
    // An item of another scope, city or year does not fit.
    let mut i = input("CITY", Some("140100"), starts, 3, "3");
    i["planItemId"] = provincial_item.clone();
    expect_field(
        &app,
        Some(&taiyuan),
        CREATE,
        json!({ "input": i }),
        "planItemId",
    )
    .await;
    let mut i = input("PROVINCIAL", None, starts + Duration::days(400), 3, "3");
    i["planItemId"] = provincial_item.clone();
    expect_field(
        &app,
        Some(&admin),
        CREATE,
        json!({ "input": i }),
        "planItemId",
    )
    .await;
    assert_eq!(app.count("training_sessions").await, before);

    let read = app.ok(Some(&taiyuan), PLAN, json!({ "y": year })).await["trainingPlan"].clone();
    assert_eq!(read["fulfilledCount"], 1);
    assert_eq!(read["items"][1]["fulfilled"], true);
    assert_eq!(read["items"][1]["city"]["name"], "太原市");
    assert_eq!(read["items"][1]["sessions"][0]["id"], session["id"]);
    assert_eq!(read["items"][0]["fulfilled"], false);
    let none = app.ok(Some(&admin), PLAN, json!({ "y": year + 1 })).await;
    assert_eq!(none["trainingPlan"], Value::Null);

    // A new version keeps the fulfilled item by id, changes it, adds one.
    let items2 = json!([
        { "id": city_item, "title": "太原市咨询机构与企业培训", "scope": "CITY", "cityCode": "140100", "audiences": ["CONSULTANCY_STAFF"], "topics": ["METHODS"], "plannedMonth": 10 },
        { "title": "大同市培训", "scope": "CITY", "cityCode": "140200", "audiences": ["ENTERPRISE_STAFF"], "topics": ["TECHNOLOGY"], "plannedMonth": 11 },
    ]);
    let plan2 = app
        .ok(
            Some(&admin),
            SET_PLAN,
            json!({ "y": year, "items": items2, "v": 1 }),
        )
        .await["setTrainingPlan"]
        .clone();
    assert_eq!(
        (
            &plan2["version"],
            &plan2["itemCount"],
            &plan2["fulfilledCount"]
        ),
        (&json!(2), &json!(2), &json!(1))
    );
    assert_eq!(plan2["items"][0]["id"], city_item);
    assert_eq!(plan2["items"][0]["plannedMonth"], 10);

    let expert = create_expert(&app, &admin, 1).await;
    let expert_user = app.user_token("EXPERT", None, expert["id"].as_str()).await;
    let before = (
        app.count("training_plan_items").await,
        app.count("audit_log").await,
    );
    let good_item = json!({ "title": "t", "scope": "PROVINCIAL", "audiences": ["EXPERT"], "topics": ["METHODS"], "plannedMonth": 1 });
    let with = |field: &str, value: Value| {
        let mut item = good_item.clone();
        item[field] = value;
        json!([item])
    };
    for (items, field) in [
        (with("plannedMonth", json!(13)), "items[0].plannedMonth"),
        (with("title", json!("")), "items[0].title"),
        (with("audiences", json!([])), "items[0].audiences"),
        (with("topics", json!([])), "items[0].topics"),
        (with("cityCode", json!("140100")), "items[0].cityCode"),
        (
            json!([{ "title": "t", "scope": "CITY", "audiences": ["EXPERT"], "topics": ["METHODS"], "plannedMonth": 1 }]),
            "items[0].cityCode",
        ),
        (
            json!([{ "title": "t", "scope": "CITY", "cityCode": "999999", "audiences": ["EXPERT"], "topics": ["METHODS"], "plannedMonth": 1 }]),
            "items[0].cityCode",
        ),
        (
            with("id", json!(uuid::Uuid::now_v7().to_string())),
            "items[0].id",
        ),
        (with("id", json!("x")), "items[0].id"),
        // Dropping the item a session carries out.
        (json!([good_item]), "items"),
        // Moving it to another city.
        (
            json!([{ "id": city_item, "title": "t", "scope": "CITY", "cityCode": "140200", "audiences": ["EXPERT"], "topics": ["METHODS"], "plannedMonth": 1 }]),
            "items[0].scope",
        ),
    ] {
        expect_field(
            &app,
            Some(&admin),
            SET_PLAN,
            json!({ "y": year, "items": items, "v": 2 }),
            field,
        )
        .await;
    }
    expect_field(
        &app,
        Some(&admin),
        SET_PLAN,
        json!({ "y": 1999, "items": [], "v": 0 }),
        "year",
    )
    .await;
    assert_eq!(
        app.code(
            Some(&admin),
            SET_PLAN,
            json!({ "y": year, "items": items2, "v": 1 })
        )
        .await,
        "CONFLICT"
    );
    for (token, want) in [
        (Some(&taiyuan), "FORBIDDEN"),
        (Some(&expert_user), "FORBIDDEN"),
        (None, "UNAUTHENTICATED"),
    ] {
        assert_eq!(
            app.code(
                token.map(String::as_str),
                SET_PLAN,
                json!({ "y": year, "items": [], "v": 2 })
            )
            .await,
            want
        );
    }
    // Administrators read the plan (a city's admins too: it is the province's plan for
    // every city); others may not.
    for (token, want) in [(Some(&expert_user), "FORBIDDEN"), (None, "UNAUTHENTICATED")] {
        assert_eq!(
            app.code(token.map(String::as_str), PLAN, json!({ "y": year }))
                .await,
            want
        );
    }
    assert_eq!(
        (
            app.count("training_plan_items").await,
            app.count("audit_log").await
        ),
        before
    );
    // The public does not see which item a session carries out, only its id.
    let public = app
        .ok(
            None,
            "query($id: ID!) { trainingSession(id: $id) { planItemId planItem { id } } }",
            json!({ "id": session["id"] }),
        )
        .await;
    assert_eq!(public["trainingSession"]["planItem"], Value::Null);
}
db_test!(plan_and_its_fulfilment);

async fn csv(app: &TestApp, token: Option<&str>, path: &str) -> (StatusCode, Vec<u8>) {
    let (status, _, body) = app.get(path, token).await;
    (status, body)
}

fn parse_csv(body: &[u8]) -> (csv::StringRecord, Vec<csv::StringRecord>) {
    assert!(body.starts_with(b"\xEF\xBB\xBF"), "a BOM first");
    let text = String::from_utf8(body[3..].to_vec()).expect("utf-8");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().expect("headers").clone();
    let rows = reader.records().map(|r| r.expect("row")).collect();
    (headers, rows)
}

fn column(headers: &csv::StringRecord, name: &str) -> usize {
    headers
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {headers:?}"))
}

async fn csv_exports(app: TestApp) {
    let HeldSessions {
        admin,
        taiyuan,
        datong,
        starts,
        year,
        provincial,
        city,
    } = held_sessions(&app).await;
    let expert = create_expert(&app, &admin, 1).await;
    let firm = create_consultancy(&app, &admin, 1).await;
    let staff = add_staff(&app, &admin, &firm["id"], staff_input(1, "2020-01-01")).await;

    let e1 = enroll(
        &app,
        &admin,
        &provincial,
        json!({ "expertId": expert["id"] }),
    )
    .await;
    let s1 = enroll(
        &app,
        &admin,
        &provincial,
        json!({ "consultancyStaffId": staff["id"] }),
    )
    .await;
    app.ok(
        Some(&admin),
        RECORD_ALL,
        json!({ "s": provincial["id"], "rows": [
            { "attendanceId": e1["id"], "status": "ATTENDED", "checkedInAt": rfc(starts), "checkedOutAt": rfc(starts + Duration::hours(8)), "examScore": "95", "certificateNo": "SX-001" },
            { "attendanceId": s1["id"], "status": "ABSENT" },
        ] }),
    )
    .await;
    let e2 = enroll(&app, &taiyuan, &city, json!({ "expertId": expert["id"] })).await;
    app.ok(
        Some(&taiyuan),
        RECORD,
        json!({ "id": e2["id"], "input": { "status": "ATTENDED" } }),
    )
    .await;

    let path = format!(
        "/reports/training/sessions/{}/attendance.csv",
        provincial["id"].as_str().expect("id")
    );
    let (status, body) = csv(&app, Some(&admin), &path).await;
    assert_eq!(status, StatusCode::OK);
    let text = String::from_utf8_lossy(&body).to_string();
    assert!(
        !text.contains(staff["idCardNumber"].as_str().expect("card")),
        "no ID numbers"
    );
    assert!(!text.contains(&id_card("19750615", 1)), "no ID numbers");
    let (headers, rows) = parse_csv(&body);
    assert_eq!(rows.len(), 2);
    assert_eq!(&rows[0][column(&headers, "序号")], "1");
    assert_eq!(
        &rows[0][column(&headers, "姓名")],
        expert["name"].as_str().expect("name")
    );
    assert_eq!(&rows[0][column(&headers, "人员类型")], "专家");
    assert_eq!(&rows[0][column(&headers, "出勤状态")], "已出席");
    assert_eq!(&rows[0][column(&headers, "学时")], "6");
    assert_eq!(&rows[0][column(&headers, "考试成绩")], "95");
    assert_eq!(&rows[0][column(&headers, "证书编号")], "SX-001");
    assert!(rows[0][column(&headers, "签到时间")].len() == 16);
    assert_eq!(
        &rows[1][column(&headers, "单位")],
        firm["name"].as_str().expect("name")
    );
    assert_eq!(&rows[1][column(&headers, "出勤状态")], "缺席");
    assert_eq!(&rows[1][column(&headers, "签名")], "");

    let city_path = format!(
        "/reports/training/sessions/{}/attendance.csv",
        city["id"].as_str().expect("id")
    );
    assert_eq!(
        csv(&app, Some(&taiyuan), &city_path).await.0,
        StatusCode::OK
    );
    let expert_user = app.user_token("EXPERT", None, expert["id"].as_str()).await;
    for (token, p, want) in [
        (Some(&taiyuan), path.as_str(), StatusCode::FORBIDDEN),
        (Some(&datong), city_path.as_str(), StatusCode::FORBIDDEN),
        (
            Some(&expert_user),
            city_path.as_str(),
            StatusCode::FORBIDDEN,
        ),
        (None, path.as_str(), StatusCode::UNAUTHORIZED),
        (
            Some(&admin),
            "/reports/training/sessions/nope/attendance.csv",
            StatusCode::BAD_REQUEST,
        ),
    ] {
        assert_eq!(csv(&app, token.map(String::as_str), p).await.0, want, "{p}");
    }
    let missing = format!(
        "/reports/training/sessions/{}/attendance.csv",
        uuid::Uuid::now_v7()
    );
    assert_eq!(
        csv(&app, Some(&admin), &missing).await.0,
        StatusCode::NOT_FOUND
    );

    // The year's records: the province all, each person's lines together with their total.
    let (status, body) = csv(&app, Some(&admin), &format!("/reports/training/{year}.csv")).await;
    assert_eq!(status, StatusCode::OK);
    let (headers, rows) = parse_csv(&body);
    assert_eq!(rows.len(), 3);
    let name = column(&headers, "姓名");
    let expert_rows: Vec<&csv::StringRecord> = rows
        .iter()
        .filter(|r| &r[name] == expert["name"].as_str().expect("name"))
        .collect();
    assert_eq!(expert_rows.len(), 2);
    for r in &expert_rows {
        assert_eq!(&r[column(&headers, "本表累计学时")], "9");
        assert_eq!(&r[column(&headers, "年度")], year.to_string());
    }
    let levels: Vec<&str> = expert_rows
        .iter()
        .map(|r| &r[column(&headers, "培训级别")])
        .collect();
    assert!(
        levels.contains(&"省级") && levels.contains(&"市级"),
        "{levels:?}"
    );
    let areas: Vec<&str> = expert_rows
        .iter()
        .map(|r| &r[column(&headers, "地区")])
        .collect();
    assert!(
        areas.contains(&"全省") && areas.contains(&"太原市"),
        "{areas:?}"
    );

    // A city admin gets their city's sessions.
    let (status, body) = csv(
        &app,
        Some(&taiyuan),
        &format!("/reports/training/{year}.csv"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (headers, rows) = parse_csv(&body);
    assert_eq!(rows.len(), 1);
    assert_eq!(&rows[0][column(&headers, "本表累计学时")], "3");
    let (status, body) = csv(
        &app,
        Some(&admin),
        &format!("/reports/training/{year}.csv?cityCode=140100"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(parse_csv(&body).1.len(), 1);
    let firm_user = app.consultancy_user(&firm["id"]).await;
    for (token, p, want) in [
        (
            Some(&taiyuan),
            format!("/reports/training/{year}.csv?cityCode=140200"),
            StatusCode::FORBIDDEN,
        ),
        (
            Some(&firm_user),
            format!("/reports/training/{year}.csv"),
            StatusCode::FORBIDDEN,
        ),
        (
            Some(&expert_user),
            format!("/reports/training/{year}.csv"),
            StatusCode::FORBIDDEN,
        ),
        (
            None,
            format!("/reports/training/{year}.csv"),
            StatusCode::UNAUTHORIZED,
        ),
        (
            Some(&admin),
            "/reports/training/twenty.csv".to_owned(),
            StatusCode::BAD_REQUEST,
        ),
        (
            Some(&admin),
            format!("/reports/training/{year}.csv?cityCode=999999"),
            StatusCode::BAD_REQUEST,
        ),
    ] {
        assert_eq!(
            csv(&app, token.map(String::as_str), &p).await.0,
            want,
            "{p}"
        );
    }
}
db_test!(csv_exports);
