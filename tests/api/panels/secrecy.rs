//! Who may see a panel and when: secrecy and the seal before the review, verification
//! online and offline, the public record after the review, and the sign-in sheet.

use super::*;
use crate::db_test;

async fn secrecy_before_the_review_date(app: TestApp) {
    let (s, _, audit, _, panel) = drawn(&app, 2, 20, None).await;
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
            PANEL_ID,
            "query($id: ID!) { verifyPanel(id: $id) { reproduces } }",
            DRAW_RECORD,
        ] {
            let (got, _) = app
                .err(Some(&token), query, json!({ "id": panel["id"] }))
                .await;
            assert_eq!(got, code, "{query}");
        }
    }
    assert_eq!(panel_code(&app, None, &panel).await, "UNAUTHENTICATED");
    let export = format!(
        "/panels/{}/draw-record.json",
        panel["id"].as_str().expect("id")
    );
    let (status, _, _) = app.get(&export, Some(&firm)).await;
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
    app.ok(Some(&firm), PANEL_ID, json!({ "id": panel["id"] }))
        .await;
    // Another firm sees nothing of it.
    let other_firm = crate::support::create_consultancy(&app, &s.admin, 2).await;
    let other = app.consultancy_user(&other_firm["id"]).await;
    assert_eq!(panel_code(&app, Some(&other), &panel).await, "FORBIDDEN");
}
db_test!(secrecy_before_the_review_date);

async fn verification_catches_tampering_online_and_offline(app: TestApp) {
    let (s, ids, _, review, panel) = drawn(&app, 2, 20, Some("witness")).await;
    let seat = panel["seats"].as_array().expect("seats")[0].clone();
    respond(&app, &s.city, &seat["id"], false).await;
    open_draw(&app, &s.city, &review).await;
    app.ok(Some(&s.city), REPLACE, json!({ "id": seat["id"] }))
        .await;
    let id = panel["id"].as_str().expect("id");

    // The export through the route and through GraphQL agree.
    let (status, headers, body) = app
        .get(&format!("/panels/{id}/draw-record.json"), Some(&s.city))
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
        .ok(Some(&s.city), DRAW_RECORD, json!({ "id": id }))
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
    let verified = verify(&app, &s.admin, &panel["id"]).await;
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
    let verified = verify(&app, &s.admin, &panel["id"]).await;
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
    // Beyond the test harness's reveal window too (it reveals a month ahead).
    let (s, _, _, review, panel) = drawn(&app, 2, 40, Some("w")).await;
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
            .err(Some(token), DRAW_RECORD, json!({ "id": panel_id }))
            .await;
        assert_eq!(code, "FORBIDDEN");
        assert!(leaks(&error.to_string()).is_empty());
        // The export and the sign-in sheet name who sits: both refused, naming nobody.
        for file in ["draw-record.json", "sign-in.xlsx"] {
            let path = format!("/panels/{}/{file}", panel_id.as_str().expect("id"));
            let (status, _, body) = app.get(&path, Some(token)).await;
            assert_eq!(status, actix_web::http::StatusCode::FORBIDDEN, "{file}");
            assert!(leaks(&String::from_utf8_lossy(&body)).is_empty());
        }
    }
    let verified = app
        .ok(Some(&s.city), verify, json!({ "id": panel_id }))
        .await;
    let reproduces = &verified["verifyPanel"]["reproduces"];
    assert_eq!(reproduces, true, "reproduces, sealed");
    // The audit log (the province reads it) keeps the draw without saying who sits: the
    // entries about the panel name no seated expert (their creation, long before, does).
    let about_the_panel: Vec<String> = audit_log(&app, &s.admin)
        .await
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
    let reveal_code = |token: &str, reason: &str| {
        let (app, token) = (&app, token.to_owned());
        let vars = json!({ "id": panel_id, "reason": reason });
        async move { app.code(Some(&token), reveal, vars).await }
    };
    let before = app.count("audit_log").await;
    assert_eq!(reveal_code(&s.city, "x").await, "FORBIDDEN");
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
    assert_eq!(reveal_code(&s.admin, "again").await, "CONFLICT");
    // Now the organiser sees who sits, and the record can be exported.
    let seen = app
        .ok(Some(&s.city), PANEL, json!({ "id": panel_id }))
        .await;
    assert!(seen["panel"]["seats"][1]["expertName"].is_string());
    app.ok(Some(&s.city), DRAW_RECORD, json!({ "id": panel_id }))
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
    let (s, pool_ids, _, _, panel) = drawn(&app, 2, 20, Some("公开")).await;
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
    let path = format!(
        "/public/panels/{}/draw-record.json",
        panel["id"].as_str().expect("id")
    );
    let (status, _, body) = app.get(&path, None).await;
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
        let (app, uri) = (&app, uri.clone());
        async move { app.get(&uri, token.as_deref()).await }
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
