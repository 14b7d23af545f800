//! The seats after the draw: answers and replacements, attendance and ratings, the
//! expert's year, and the roles that may not act on them.

use super::*;
use crate::db_test;

pub(crate) async fn replacement_is_a_new_verifiable_round(app: TestApp) {
    let (s, ids, _, review, panel) = drawn(&app, 2, 20, None).await;
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
    respond(&app, &s.city, &replacement["id"], false).await;
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
    let verified = verify(&app, &s.city, &panel["id"]).await;
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

    let attended = attend(&app, &s.city, &seats[0]["id"], true).await;
    assert_eq!(attended["status"], "ATTENDED");
    let no_show = attend(&app, &s.city, &seats[1]["id"], false).await;
    assert_eq!(no_show["status"], "NO_SHOW");
    attend(&app, &s.city, &seats[2]["id"], true).await;
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
    let by_year = json!({ "y": year });
    let review =
        app.ok(Some(&s.admin), ANNUAL_REVIEW, by_year.clone()).await["expertAnnualReview"].clone();
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

    let fairness = app.ok(Some(&s.admin), FAIRNESS, by_year).await["drawFairness"].clone();
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

async fn roles_that_may_not_act(app: TestApp) {
    let (s, ids, _, review, panel) = drawn(&app, 2, 0, None).await;
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

    // Each operation with those refused it: FORBIDDEN when signed in, else UNAUTHENTICATED.
    let (city, other_city, firm, expert, own) = (
        Some(s.city.as_str()),
        Some(other_city.as_str()),
        Some(firm.as_str()),
        Some(expert.as_str()),
        Some(own.as_str()),
    );
    let outsiders = vec![other_city, firm, own];
    let not_province = vec![city, firm, own];
    type Case<'a> = (&'a str, Value, Vec<Option<&'a str>>);
    let cases: Vec<Case> = vec![
        (
            DRAW,
            json!({ "input": { "reviewId": review2 } }),
            vec![other_city, firm, own, None],
        ),
        (
            RESPOND,
            json!({ "id": seat["id"], "accept": true }),
            vec![other_city, firm, expert, None],
        ),
        (REPLACE, json!({ "id": seat["id"] }), outsiders.clone()),
        (
            ATTEND,
            json!({ "id": seat["id"], "attended": true }),
            outsiders.clone(),
        ),
        (RATE, json!({ "id": seat["id"], "score": "80" }), outsiders),
        (
            "mutation($y: Int!) { openRecheckSample(year: $y) { id } }",
            json!({ "y": year }),
            not_province.clone(),
        ),
        (
            "mutation($y: Int!) { drawRecheckSample(input: { year: $y, rate: \"0.05\" }) { id } }",
            json!({ "y": year }),
            not_province.clone(),
        ),
        (
            "mutation($id: ID!) { recordRecheckFindings(reviewId: $id, findings: [{ kind: OMISSION, description: \"x\" }]) { id } }",
            json!({ "id": review }),
            not_province.clone(),
        ),
        (
            "query($y: Int!) { expertAnnualReview(year: $y) { totalCount } }",
            json!({ "y": year }),
            not_province,
        ),
        (
            "query($y: Int!) { drawFairness(year: $y) { gini } }",
            json!({ "y": year }),
            vec![city, firm],
        ),
        (
            "query($y: Int!) { recheckSample(year: $y) { year } }",
            json!({ "y": year }),
            vec![city],
        ),
        (
            "{ myPanelSeats { totalCount } }",
            json!({}),
            vec![city, firm],
        ),
        (
            "query($id: ID!) { panel(id: $id) { rounds { excludedExperts { totalCount } } } }",
            json!({ "id": panel["id"] }),
            vec![firm],
        ),
    ];
    let before = written(&app).await;
    for (query, vars, refused) in cases {
        for token in refused {
            let code = if token.is_some() {
                "FORBIDDEN"
            } else {
                "UNAUTHENTICATED"
            };
            let (got, _) = app.err(token, query, vars.clone()).await;
            assert_eq!(got, code, "{query} as {token:?}");
        }
    }
    assert_eq!(written(&app).await, before);
}
db_test!(roles_that_may_not_act);
