//! Attendance: recorded one by one with hours, and by sign-in sheet, all or nothing.

use super::*;
use crate::db_test;

/// A session of 8 hours crediting 6: attended (6), left early (2.5), absent, excused.
async fn attendance_is_recorded_with_hours(app: TestApp) {
    let admin = app.admin().await;
    let taiyuan = app.city_admin("140100").await;
    let starts = two_days_ago();
    let session = create(
        &app,
        &taiyuan,
        input("CITY", Some("140100"), starts, 8, "6"),
    )
    .await;
    let mut rows = Vec::new();
    for n in 0..5 {
        rows.push(enroll(&app, &taiyuan, &session, outside(&format!("学员{n}"))).await);
    }
    let record = |n: usize, input: Value| json!({ "id": rows[n]["id"], "input": input });
    let full = app
        .ok(Some(&taiyuan), RECORD, record(0, json!({ "status": "ATTENDED", "examScore": "92.5", "certificateNo": "SX-2025-001" })))
        .await["recordAttendance"]
        .clone();
    assert_eq!(
        (full["hours"].as_str(), full["examScore"].as_str()),
        (Some("6"), Some("92.5"))
    );
    let early = app
        .ok(
            Some(&taiyuan),
            RECORD,
            record(1, json!({ "status": "ATTENDED", "checkedInAt": rfc(starts), "checkedOutAt": rfc(starts + Duration::minutes(160)) })),
        )
        .await["recordAttendance"]
        .clone();
    assert_eq!(early["hours"], "2.5");
    // Staying late earns nothing extra.
    let late = app
        .ok(
            Some(&taiyuan),
            RECORD,
            record(2, json!({ "status": "ATTENDED", "checkedInAt": rfc(starts - Duration::minutes(30)), "checkedOutAt": rfc(starts + Duration::hours(9)) })),
        )
        .await["recordAttendance"]
        .clone();
    assert_eq!(late["hours"], "6");
    let absent = app
        .ok(
            Some(&taiyuan),
            RECORD,
            record(3, json!({ "status": "ABSENT" })),
        )
        .await["recordAttendance"]
        .clone();
    assert_eq!(absent["hours"], "0");
    app.ok(
        Some(&taiyuan),
        RECORD,
        record(4, json!({ "status": "EXCUSED" })),
    )
    .await;
    // A correction: absent after all, and back to attended.
    let corrected = app
        .ok(
            Some(&taiyuan),
            RECORD,
            record(2, json!({ "status": "ABSENT" })),
        )
        .await["recordAttendance"]
        .clone();
    assert_eq!(
        (
            corrected["hours"].as_str(),
            corrected["checkedInAt"].as_str()
        ),
        (Some("0"), None)
    );
    app.ok(
        Some(&taiyuan),
        RECORD,
        record(2, json!({ "status": "ATTENDED" })),
    )
    .await;

    let datong = app.city_admin("140200").await;
    let expert = create_expert(&app, &admin, 1).await;
    let expert_user = app.user_token("EXPERT", None, expert["id"].as_str()).await;
    let firm = create_consultancy(&app, &admin, 1).await;
    let firm_user = app.consultancy_user(&firm["id"]).await;
    let before = written(&app).await;
    for (input, field) in [
        (json!({ "status": "REGISTERED" }), "status"),
        (
            json!({ "status": "ABSENT", "checkedInAt": rfc(starts) }),
            "checkedInAt",
        ),
        (
            json!({ "status": "EXCUSED", "certificateNo": "X-1" }),
            "certificateNo",
        ),
        (
            json!({ "status": "ABSENT", "examScore": "80" }),
            "examScore",
        ),
        (
            json!({ "status": "ATTENDED", "examScore": "100.5" }),
            "examScore",
        ),
        (
            json!({ "status": "ATTENDED", "examScore": "80.125" }),
            "examScore",
        ),
        (
            json!({ "status": "ATTENDED", "checkedInAt": rfc(starts + Duration::hours(2)), "checkedOutAt": rfc(starts + Duration::hours(1)) }),
            "checkedOutAt",
        ),
        (
            json!({ "status": "ATTENDED", "checkedInAt": rfc(starts - Duration::hours(3)) }),
            "checkedInAt",
        ),
        (
            json!({ "status": "ATTENDED", "checkedOutAt": rfc(Utc::now() + Duration::hours(1)) }),
            "checkedOutAt",
        ),
        (
            json!({ "status": "ATTENDED", "certificateNo": "SX-2025-001" }),
            "certificateNo",
        ),
        (
            json!({ "status": "ATTENDED", "certificateNo": "证".repeat(101) }),
            "certificateNo",
        ),
    ] {
        expect_field(&app, Some(&taiyuan), RECORD, record(3, input), field).await;
    }
    expect_field(
        &app,
        Some(&taiyuan),
        RECORD,
        json!({ "id": "nope", "input": { "status": "ABSENT" } }),
        "attendanceId",
    )
    .await;

    // Only the organiser records.
    for (token, want) in [
        (Some(&datong), "FORBIDDEN"),
        (Some(&expert_user), "FORBIDDEN"),
        (Some(&firm_user), "FORBIDDEN"),
        (None, "UNAUTHENTICATED"),
    ] {
        assert_eq!(
            app.code(
                token.map(String::as_str),
                RECORD,
                record(3, json!({ "status": "ATTENDED" }))
            )
            .await,
            want
        );
    }
    assert_eq!(written(&app).await, before);
    let unchanged = session_attendances(&app, &admin, &session["id"]).await;
    assert_eq!(
        unchanged["trainingSession"]["attendances"][3]["status"],
        "ABSENT"
    );
    // The province organises everything.
    app.ok(
        Some(&admin),
        RECORD,
        record(3, json!({ "status": "EXCUSED" })),
    )
    .await;

    // Before the start only a leave of absence.
    let upcoming = create(
        &app,
        &taiyuan,
        input("CITY", Some("140100"), in_ten_days(), 8, "6"),
    )
    .await;
    let row = enroll(&app, &taiyuan, &upcoming, outside("学员")).await;
    expect_field(
        &app,
        Some(&taiyuan),
        RECORD,
        json!({ "id": row["id"], "input": { "status": "ATTENDED" } }),
        "status",
    )
    .await;
    let excused = app
        .ok(
            Some(&taiyuan),
            RECORD,
            json!({ "id": row["id"], "input": { "status": "EXCUSED" } }),
        )
        .await;
    assert_eq!(excused["recordAttendance"]["status"], "EXCUSED");
}
db_test!(attendance_is_recorded_with_hours);

/// A sign-in sheet with one bad row writes nothing, and the error names the row.
pub(crate) async fn bulk_records_are_all_or_nothing(app: TestApp) {
    let admin = app.admin().await;
    let starts = two_days_ago();
    let session = create(&app, &admin, input("PROVINCIAL", None, starts, 8, "6")).await;
    let other = create(&app, &admin, input("PROVINCIAL", None, starts, 8, "6")).await;
    let mut ids = Vec::new();
    for n in 0..4 {
        ids.push(enroll(&app, &admin, &session, outside(&format!("学员{n}"))).await["id"].clone());
    }
    let stranger = enroll(&app, &admin, &other, outside("外人")).await["id"].clone();
    let good = |id: &Value, cert: &str| json!({ "attendanceId": id, "status": "ATTENDED", "certificateNo": cert });

    let taiyuan = app.city_admin("140100").await;
    let before = written(&app).await;
    let bad_rows: Vec<(Vec<Value>, &str)> = vec![
        (
            vec![good(&ids[0], "C-1"), good(&ids[1], &"证".repeat(101))],
            "rows[1].certificateNo",
        ),
        (
            vec![json!({ "attendanceId": ids[0], "status": "ATTENDED", "examScore": "100.5" })],
            "rows[0].examScore",
        ),
        (
            vec![
                good(&ids[0], "C-1"),
                good(&ids[1], "C-2"),
                json!({ "attendanceId": ids[2], "status": "ATTENDED", "checkedInAt": rfc(starts + Duration::hours(2)), "checkedOutAt": rfc(starts) }),
                good(&ids[3], "C-4"),
            ],
            "rows[2].checkedOutAt",
        ),
        (
            vec![good(&ids[0], "C-1"), good(&ids[0], "C-2")],
            "rows[1].attendanceId",
        ),
        (
            vec![good(&ids[0], "C-1"), good(&stranger, "C-2")],
            "rows[1].attendanceId",
        ),
        (
            vec![good(&ids[0], "C-1"), good(&ids[1], "C-1")],
            "rows[1].certificateNo",
        ),
        (
            vec![
                good(&ids[0], "C-1"),
                json!({ "attendanceId": ids[1], "status": "REGISTERED" }),
            ],
            "rows[1].status",
        ),
        (
            vec![json!({ "attendanceId": "x", "status": "ABSENT" })],
            "rows[0].attendanceId",
        ),
        (vec![], "rows"),
    ];
    for (rows, field) in bad_rows {
        let (code, error) = app
            .err(
                Some(&admin),
                RECORD_ALL,
                json!({ "s": session["id"], "rows": rows }),
            )
            .await;
        assert_eq!(code, "BAD_USER_INPUT", "{error}");
        assert_eq!(error["extensions"]["field"], field, "{error}");
        let message = error["message"].as_str().unwrap_or("");
        assert!(message.starts_with(&format!("{field}: ")), "{error}");
        assert!(!message.contains("certificateNo: certificateNo"), "{error}");
    }
    let rows = vec![good(&ids[0], "C-1"), good(&ids[1], "C-2")];
    for (token, want) in [(Some(&taiyuan), "FORBIDDEN"), (None, "UNAUTHENTICATED")] {
        assert_eq!(
            app.code(
                token.map(String::as_str),
                RECORD_ALL,
                json!({ "s": session["id"], "rows": rows })
            )
            .await,
            want
        );
    }
    assert_eq!(written(&app).await, before);
    let untouched = session_attendances(&app, &admin, &session["id"]).await;
    for row in untouched["trainingSession"]["attendances"]
        .as_array()
        .expect("rows")
    {
        assert_eq!(row["status"], "REGISTERED");
    }

    let written = app
        .ok(
            Some(&admin),
            RECORD_ALL,
            json!({ "s": session["id"], "rows": [
                good(&ids[0], "C-1"),
                good(&ids[1], "C-2"),
                { "attendanceId": ids[2], "status": "ATTENDED", "checkedInAt": rfc(starts), "checkedOutAt": rfc(starts + Duration::minutes(95)) },
                { "attendanceId": ids[3], "status": "ABSENT" },
            ] }),
        )
        .await["recordAttendances"]
        .clone();
    let hours: Vec<&str> = written
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["hours"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(hours, vec!["6", "6", "1.5", "0"]);
    assert_eq!(app.count("audit_log").await, before.0 + 1);
    // A number already given in the session cannot be given again by another sheet.
    expect_field(
        &app,
        Some(&admin),
        RECORD_ALL,
        json!({ "s": session["id"], "rows": [good(&ids[2], "C-1")] }),
        "rows[0].certificateNo",
    )
    .await;
}
db_test!(bulk_records_are_all_or_nothing);
