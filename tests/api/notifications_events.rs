//! The events and dates people hear of, through the API as a front end sees them: each action
//! done over HTTP, then its recipients read `notifications` and find the kind and its title;
//! bystanders and disabled accounts hear nothing; and each reminder of the calendar job
//! (`notifications::calendar`) is written once however often the job runs.

use chrono::{Datelike, Duration, NaiveDate, Utc};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use cleanprod::services::notifications::calendar::send_calendar_reminders;

use crate::audits::{record_outcome, schedule, setting};
use crate::db_test;
use crate::panels::{
    RESPOND, day, draw, evaluation, evaluation_scheduled, pool, respond, seat_tokens, today,
};
use crate::reviews::{MEETING, meeting};
use crate::support::{
    TestApp, add_staff, create_consultancy, create_enterprise, create_expert, enterprise_input,
    staff_input,
};

const INBOX: &str =
    "{ notifications(first: 50) { edges { node { id kind title body subjectType subjectId } } } }";
const CREATE_LIST: &str =
    "mutation($input: CreateAnnualAuditListInput!) { createAnnualAuditList(input: $input) { id } }";
const ADD_TO_LIST: &str = "mutation($id: ID!, $ids: [ID!]!) { addEnterprisesToAnnualAuditList(listId: $id, enterpriseIds: $ids) { id } }";
const SUBMIT_LIST: &str = "mutation($id: ID!) { submitAnnualAuditList(listId: $id) { status } }";
const CHANGE_USER: &str = "mutation($id: ID!, $input: ChangeUserInput!) { changeUser(id: $id, input: $input) { disabled } }";
const ENROLL: &str = "mutation($s: ID!, $p: TrainingParticipantInput!) { enrollInTraining(sessionId: $s, participant: $p) { id } }";
const CANCEL: &str =
    "mutation($id: ID!, $r: String!) { cancelTrainingSession(id: $id, reason: $r) { status } }";

/// The reminder offsets the jobs are run with (the default setting).
const OFFSETS: [u32; 3] = [30, 7, 1];

/// The viewer's notifications, newest first.
async fn inbox(app: &TestApp, token: &str) -> Vec<Value> {
    app.ok(Some(token), INBOX, json!({})).await["notifications"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

/// The viewer's notifications of one kind, newest first.
async fn of_kind(app: &TestApp, token: &str, kind: &str) -> Vec<Value> {
    inbox(app, token)
        .await
        .into_iter()
        .filter(|n| n["kind"] == kind)
        .collect()
}

/// Notifications of a kind, whoever they are for.
async fn written(app: &TestApp, kind: &str) -> u64 {
    entity::notification::Entity::find()
        .filter(entity::notification::Column::Kind.eq(kind))
        .count(&app.state.services.db)
        .await
        .expect("count")
}

/// Notifications addressed to one account.
async fn written_to(app: &TestApp, user_id: &Value) -> u64 {
    let id: uuid::Uuid = user_id.as_str().expect("id").parse().expect("uuid");
    entity::notification::Entity::find()
        .filter(entity::notification::Column::UserId.eq(id))
        .count(&app.state.services.db)
        .await
        .expect("count")
}

async fn job(app: &TestApp, on: NaiveDate) -> u64 {
    send_calendar_reminders(&app.state.services.db, &OFFSETS, on)
        .await
        .expect("calendar job")
}

async fn my_id(app: &TestApp, token: &str) -> Value {
    app.ok(Some(token), "{ me { id } }", json!({})).await["me"]["id"].clone()
}

/// A city admin whose account is then disabled: returns their id.
async fn disabled_city_admin(app: &TestApp, admin: &str, city: &str) -> Value {
    let token = app.city_admin(city).await;
    let id = my_id(app, &token).await;
    app.ok(
        Some(admin),
        CHANGE_USER,
        json!({ "id": id, "input": { "disabled": true } }),
    )
    .await;
    id
}

fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).expect("date")
}

fn text(node: &Value, field: &str) -> String {
    node[field].as_str().unwrap_or_default().to_owned()
}

/// A city's calendar: its administrators are reminded of the year's list before the end of
/// February and once it is missed, of the notices and last year's summary before the end of
/// March; the province hears when a list is submitted. Disabled accounts hear nothing.
pub(crate) async fn a_citys_list_notices_and_summary(app: TestApp) {
    let admin = app.admin().await;
    let taiyuan = app.city_admin("140100").await;
    let datong = app.city_admin("140200").await;
    let away = disabled_city_admin(&app, &admin, "140100").await;
    let year = today().year();

    // A week before the end of February, neither city has submitted its list.
    assert_eq!(job(&app, date(year, 2, 22)).await, 2);
    assert_eq!(job(&app, date(year, 2, 22)).await, 0, "never twice");
    let due = of_kind(&app, &taiyuan, "ANNUAL_LIST_DUE").await;
    assert_eq!(due.len(), 1);
    assert_eq!(
        text(&due[0], "title"),
        format!("年度名单报送期限临近：太原市{year}年")
    );
    let body = text(&due[0], "body");
    assert!(body.contains("报送省生态环境厅"), "{body}");
    assert!(body.contains("本市尚未建立该年度名单"), "{body}");
    assert_eq!(due[0]["subjectType"], "Calendar");
    assert_eq!(
        text(&of_kind(&app, &datong, "ANNUAL_LIST_DUE").await[0], "title"),
        format!("年度名单报送期限临近：大同市{year}年")
    );

    // Taiyuan submits: the province hears, not the one who submitted.
    let mut input = enterprise_input(1);
    input["directorySinceYear"] = json!(2021);
    let member = create_enterprise(&app, &admin, input).await["id"].clone();
    let list = app
        .ok(
            Some(&taiyuan),
            CREATE_LIST,
            json!({ "input": { "cityCode": "140100", "year": year } }),
        )
        .await["createAnnualAuditList"]["id"]
        .clone();
    app.ok(
        Some(&taiyuan),
        ADD_TO_LIST,
        json!({ "id": list, "ids": [member] }),
    )
    .await;
    let before = written(&app, "ANNUAL_LIST_SUBMITTED").await;
    app.ok(Some(&taiyuan), SUBMIT_LIST, json!({ "id": list }))
        .await;
    assert_eq!(written(&app, "ANNUAL_LIST_SUBMITTED").await, before + 1);
    let submitted = of_kind(&app, &admin, "ANNUAL_LIST_SUBMITTED").await;
    assert_eq!(submitted.len(), 1);
    assert_eq!(
        text(&submitted[0], "title"),
        format!("年度名单已报送：太原市{year}年")
    );
    assert!(
        text(&submitted[0], "body").contains("共 1 家企业，请核定"),
        "{submitted:?}"
    );
    assert_eq!(submitted[0]["subjectType"], "AnnualAuditList");
    assert_eq!(submitted[0]["subjectId"], list);
    assert!(
        of_kind(&app, &taiyuan, "ANNUAL_LIST_SUBMITTED")
            .await
            .is_empty()
    );
    // Submitting twice is refused and tells nobody again.
    assert_eq!(
        app.code(Some(&taiyuan), SUBMIT_LIST, json!({ "id": list }))
            .await,
        "BAD_USER_INPUT"
    );
    assert_eq!(written(&app, "ANNUAL_LIST_SUBMITTED").await, before + 1);

    // The day before the end of March: Taiyuan's notices (its list awaits the province) and
    // last year's summary; Datong's list is overdue, its notices and summary due.
    assert_eq!(job(&app, date(year, 3, 30)).await, 5);
    assert_eq!(job(&app, date(year, 3, 30)).await, 0, "never twice");
    let mine = inbox(&app, &taiyuan).await;
    let kinds: Vec<&str> = mine.iter().filter_map(|n| n["kind"].as_str()).collect();
    assert_eq!(kinds, ["SUMMARY_DUE", "NOTICES_DUE", "ANNUAL_LIST_DUE"]);
    assert_eq!(
        text(&mine[1], "title"),
        format!("书面通知下达期限临近：太原市{year}年")
    );
    assert!(
        text(&mine[1], "body").contains("名单已报送，待省生态环境厅核定"),
        "{mine:?}"
    );
    assert_eq!(mine[1]["subjectId"], list);
    assert_eq!(
        text(&mine[0], "title"),
        format!("年度工作总结报送提醒：太原市{}年度", year - 1)
    );
    let theirs = of_kind(&app, &datong, "ANNUAL_LIST_DUE").await;
    assert_eq!(theirs.len(), 2);
    assert_eq!(
        text(&theirs[0], "title"),
        format!("年度名单报送已逾期：大同市{year}年")
    );
    assert_eq!(of_kind(&app, &datong, "NOTICES_DUE").await.len(), 1);
    assert_eq!(of_kind(&app, &datong, "SUMMARY_DUE").await.len(), 1);
    // The disabled account heard nothing.
    assert_eq!(written_to(&app, &away).await, 0);
}
db_test!(a_citys_list_notices_and_summary);

/// A declined seat is told to the organiser's administrators (not to the one who declined
/// it for the expert), and to the expert when the organiser declined for them. Bad input
/// tells nobody.
pub(crate) async fn a_decline_reaches_the_organiser(app: TestApp) {
    let s = setting(&app).await;
    let colleague = app.city_admin("140100").await;
    let elsewhere = app.city_admin("140200").await;
    pool(&app, &s.admin, 100, 2).await;
    let (_, review) = evaluation(&app, &s, 10, &day(5)).await;
    let panel = crate::panels::draw_opened(&app, &s.city, &review).await;
    let seats = panel["seats"].as_array().expect("seats").clone();
    let expert = |i: usize| seats[i]["expertId"].as_str().map(str::to_owned);
    let first = app.user_token("EXPERT", None, expert(0).as_deref()).await;
    let second = app.user_token("EXPERT", None, expert(1).as_deref()).await;

    // Bad input: nothing declined, nobody told.
    let before = app.count("notifications").await;
    assert_eq!(
        app.code(
            Some(&first),
            RESPOND,
            json!({ "id": seats[0]["id"], "accept": true, "reason": "出差" })
        )
        .await,
        "BAD_USER_INPUT"
    );
    assert_eq!(app.count("notifications").await, before);

    // The expert declines: the organiser's admins hear, without the expert's name.
    app.ok(
        Some(&first),
        RESPOND,
        json!({ "id": seats[0]["id"], "accept": false, "reason": "出差" }),
    )
    .await;
    for token in [&s.city, &colleague] {
        let told = of_kind(&app, token, "SEAT_DECLINED").await;
        assert_eq!(told.len(), 1);
        assert_eq!(
            text(&told[0], "title"),
            "专家谢绝，待补抽：企业10清洁生产审核评估"
        );
        let body = text(&told[0], "body");
        assert!(body.contains("理由：出差"), "{body}");
        assert!(body.contains("请在评审日前补抽"), "{body}");
        assert_eq!(told[0]["subjectType"], "PanelSeat");
        assert_eq!(told[0]["subjectId"], seats[0]["id"]);
    }
    assert!(inbox(&app, &elsewhere).await.is_empty());
    // Who declined knows it.
    assert!(of_kind(&app, &first, "SEAT_RELEASED").await.is_empty());

    // The organiser declines for another expert: that expert hears the seat is released;
    // the colleague hears of the decline, the one who made it does not.
    app.ok(
        Some(&s.city),
        RESPOND,
        json!({ "id": seats[1]["id"], "accept": false, "reason": "专家告知住院" }),
    )
    .await;
    let released = of_kind(&app, &second, "SEAT_RELEASED").await;
    assert_eq!(released.len(), 1);
    assert_eq!(
        text(&released[0], "title"),
        "评审席位已释放：企业10清洁生产审核评估"
    );
    let body = text(&released[0], "body");
    assert!(body.contains("代为谢绝，理由：专家告知住院"), "{body}");
    assert!(body.contains("您无需出席"), "{body}");
    assert_eq!(released[0]["subjectId"], seats[1]["id"]);
    assert_eq!(of_kind(&app, &s.city, "SEAT_DECLINED").await.len(), 1);
    assert_eq!(of_kind(&app, &colleague, "SEAT_DECLINED").await.len(), 2);

    // Accepting tells nobody.
    let before = app.count("notifications").await;
    let third = app.user_token("EXPERT", None, expert(2).as_deref()).await;
    respond(&app, &third, &seats[2]["id"], true).await;
    assert_eq!(app.count("notifications").await, before);
}
db_test!(a_decline_reaches_the_organiser);

/// The day before a review, each expert still seated hears of it once: confirmed ones to
/// come, invited ones to answer; one who declined hears nothing.
pub(crate) async fn experts_hear_the_day_before(app: TestApp) {
    let s = setting(&app).await;
    pool(&app, &s.admin, 100, 2).await;
    let (_, panel) = crate::notifications::drawn_with_meeting(&app, &s, 10, &day(1)).await;
    let seats = panel["seats"].as_array().expect("seats").clone();
    let experts = seat_tokens(&app, &seats).await;
    respond(&app, &experts[0], &seats[0]["id"], true).await;
    app.ok(
        Some(&experts[2]),
        RESPOND,
        json!({ "id": seats[2]["id"], "accept": false, "reason": "出差" }),
    )
    .await;

    // Two days before: not yet.
    job(&app, today() - Duration::days(1)).await;
    assert_eq!(written(&app, "REVIEW_REMINDER").await, 0);
    assert!(job(&app, today()).await >= 2);
    assert_eq!(job(&app, today()).await, 0, "never twice");
    assert_eq!(written(&app, "REVIEW_REMINDER").await, 2);

    let confirmed = of_kind(&app, &experts[0], "REVIEW_REMINDER").await;
    assert_eq!(confirmed.len(), 1);
    assert_eq!(
        text(&confirmed[0], "title"),
        "明日评审：企业10清洁生产审核评估"
    );
    let body = text(&confirmed[0], "body");
    assert!(
        body.contains(&format!("将于 {} 09:30（北京时间）举行", day(1))),
        "{body}"
    );
    assert!(body.contains("太原市生态环境局301会议室"), "{body}");
    assert!(body.ends_with("请准时出席并签到。"), "{body}");
    assert_eq!(confirmed[0]["subjectId"], seats[0]["id"]);
    let invited = of_kind(&app, &experts[1], "REVIEW_REMINDER").await;
    assert!(
        text(&invited[0], "body").ends_with("请尽快确认或谢绝。"),
        "{invited:?}"
    );
    assert!(
        of_kind(&app, &experts[2], "REVIEW_REMINDER")
            .await
            .is_empty()
    );
}
db_test!(experts_hear_the_day_before);

/// An evaluation a week ahead without its panel or meeting time is reminded to its
/// organiser a week and a day before; one fully arranged is not.
pub(crate) async fn organisers_hear_of_reviews_unarranged(app: TestApp) {
    let s = setting(&app).await;
    let elsewhere = app.city_admin("140200").await;
    pool(&app, &s.admin, 100, 2).await;
    let (_, bare) = evaluation_scheduled(&app, &s, 10, &day(7)).await;
    let (_, arranged) = evaluation_scheduled(&app, &s, 11, &day(7)).await;
    let (_, later) = evaluation_scheduled(&app, &s, 12, &day(9)).await;
    app.ok(
        Some(&s.city),
        MEETING,
        json!({ "id": arranged, "input": meeting("09:30", "太原市生态环境局301会议室") }),
    )
    .await;
    draw(&app, &s.city, json!({ "reviewId": arranged })).await;

    job(&app, today()).await;
    assert_eq!(job(&app, today()).await, 0, "never twice");
    let told = of_kind(&app, &s.city, "REVIEW_ARRANGEMENT_DUE").await;
    assert_eq!(told.len(), 1);
    assert_eq!(
        text(&told[0], "title"),
        "评审待安排：企业10清洁生产审核评估"
    );
    let body = text(&told[0], "body");
    assert!(
        body.contains("（还剩 7 天），尚未抽取评审专家、确定开始时间、确定会议地点"),
        "{body}"
    );
    assert_eq!(told[0]["subjectType"], "Review");
    assert_eq!(told[0]["subjectId"], bare);
    assert!(
        of_kind(&app, &elsewhere, "REVIEW_ARRANGEMENT_DUE")
            .await
            .is_empty()
    );

    // The day before the first: it again, and the later one now a week ahead.
    job(&app, today() + Duration::days(6)).await;
    let told = of_kind(&app, &s.city, "REVIEW_ARRANGEMENT_DUE").await;
    assert_eq!(told.len(), 3);
    let about: Vec<&Value> = told.iter().map(|n| &n["subjectId"]).collect();
    assert_eq!(about.iter().filter(|id| **id == &bare).count(), 2);
    assert_eq!(about.iter().filter(|id| **id == &later).count(), 1);
    assert!(about.iter().all(|id| *id != &arranged));
}
db_test!(organisers_hear_of_reviews_unarranged);

/// A recheck is reminded to the province before its date, and once when it has passed
/// without an outcome.
pub(crate) async fn the_province_hears_of_rechecks_due(app: TestApp) {
    let s = setting(&app).await;
    let (audit, review) = evaluation(&app, &s, 11, &day(0)).await;
    record_outcome(&app, &s.city, &review, ["PASSED", "90", "通过"]).await;
    let recheck = schedule(&app, &s.admin, &audit, "RECHECK", &day(5)).await;

    job(&app, today()).await;
    assert_eq!(job(&app, today()).await, 0, "never twice");
    let due = of_kind(&app, &s.admin, "RECHECK_DUE").await;
    assert_eq!(due.len(), 1);
    assert_eq!(
        text(&due[0], "title"),
        "复核临近：企业11清洁生产审核抽查复核"
    );
    assert!(text(&due[0], "body").contains("还剩 5 天"), "{due:?}");
    assert_eq!(due[0]["subjectId"], recheck);
    // The city does not run it.
    assert!(of_kind(&app, &s.city, "RECHECK_DUE").await.is_empty());

    job(&app, today() + Duration::days(6)).await;
    job(&app, today() + Duration::days(7)).await;
    let due = of_kind(&app, &s.admin, "RECHECK_DUE").await;
    assert_eq!(due.len(), 2);
    assert_eq!(
        text(&due[0], "title"),
        "复核逾期：企业11清洁生产审核抽查复核"
    );
}
db_test!(the_province_hears_of_rechecks_due);

/// Training participants hear their enrolment confirmed, the day before the session, and
/// its cancellation: an expert, an official, a staff member's firm (not its disabled
/// account); an outside person has no account and nobody hears for them.
pub(crate) async fn training_participants_hear(app: TestApp) {
    let admin = app.admin().await;
    let taiyuan = app.city_admin("140100").await;
    let in_three_days = Utc::now() + Duration::days(3);
    let starts = in_three_days - Duration::seconds(in_three_days.timestamp() % 3600);
    let session = crate::training::create(
        &app,
        &admin,
        crate::training::input("PROVINCIAL", None, starts, 8, "6"),
    )
    .await;
    let title = "清洁生产审核培训（PROVINCIAL）";
    let expert = create_expert(&app, &admin, 1).await;
    let expert_user = app.user_token("EXPERT", None, expert["id"].as_str()).await;
    let firm = create_consultancy(&app, &admin, 1).await;
    let firm_user = app.consultancy_user(&firm["id"]).await;
    let firm_away = my_id(&app, &app.consultancy_user(&firm["id"]).await).await;
    app.ok(
        Some(&admin),
        CHANGE_USER,
        json!({ "id": firm_away, "input": { "disabled": true } }),
    )
    .await;
    let staff = add_staff(&app, &admin, &firm["id"], staff_input(1, "2020-01-01")).await;
    let me = my_id(&app, &taiyuan).await;

    for (token, participant) in [
        (&expert_user, json!({ "expertId": expert["id"] })),
        (&firm_user, json!({ "consultancyStaffId": staff["id"] })),
        (&taiyuan, json!({ "userId": me })),
        (
            &admin,
            json!({ "outside": { "name": "李四", "organisation": "太原某钢铁有限公司", "audience": "ADMINISTRATIVE_STAFF" } }),
        ),
    ] {
        app.ok(
            Some(token),
            ENROLL,
            json!({ "s": session["id"], "p": participant }),
        )
        .await;
    }
    // Enrolled twice: refused, nobody told again.
    assert_eq!(
        app.code(
            Some(&expert_user),
            ENROLL,
            json!({ "s": session["id"], "p": { "expertId": expert["id"] } })
        )
        .await,
        "CONFLICT"
    );
    assert_eq!(written(&app, "TRAINING_ENROLLED").await, 3);
    let confirmed = of_kind(&app, &expert_user, "TRAINING_ENROLLED").await;
    assert_eq!(confirmed.len(), 1);
    assert_eq!(
        text(&confirmed[0], "title"),
        format!("培训报名成功：{title}")
    );
    let body = text(&confirmed[0], "body");
    assert!(
        body.starts_with(&format!("{}已报名参加", text(&expert, "name"))),
        "{body}"
    );
    assert!(body.contains("太原市迎泽大街1号"), "{body}");
    assert_eq!(confirmed[0]["subjectType"], "TrainingSession");
    assert_eq!(confirmed[0]["subjectId"], session["id"]);
    let firms = of_kind(&app, &firm_user, "TRAINING_ENROLLED").await;
    assert_eq!(firms.len(), 1);
    assert!(
        text(&firms[0], "body").starts_with(&format!("{}已报名参加", text(&staff, "name"))),
        "{firms:?}"
    );
    assert_eq!(of_kind(&app, &taiyuan, "TRAINING_ENROLLED").await.len(), 1);
    assert!(of_kind(&app, &admin, "TRAINING_ENROLLED").await.is_empty());

    // The day before it starts (China time), once.
    let first_day = cleanprod::rules::deadlines::today_in_china(starts);
    let eve = first_day - Duration::days(1);
    job(&app, eve - Duration::days(1)).await;
    assert_eq!(written(&app, "TRAINING_REMINDER").await, 0);
    job(&app, eve).await;
    assert_eq!(job(&app, eve).await, 0, "never twice");
    assert_eq!(written(&app, "TRAINING_REMINDER").await, 3);
    for token in [&expert_user, &firm_user, &taiyuan] {
        let reminded = of_kind(&app, token, "TRAINING_REMINDER").await;
        assert_eq!(reminded.len(), 1);
        assert_eq!(text(&reminded[0], "title"), format!("明日培训：{title}"));
        assert!(
            text(&reminded[0], "body").contains(&format!("将于 {first_day} ")),
            "{reminded:?}"
        );
    }

    // Cancelled: everyone enrolled hears why.
    app.ok(
        Some(&admin),
        CANCEL,
        json!({ "id": session["id"], "r": "场地调整" }),
    )
    .await;
    for token in [&expert_user, &firm_user, &taiyuan] {
        let cancelled = of_kind(&app, token, "TRAINING_CANCELLED").await;
        assert_eq!(cancelled.len(), 1);
        assert_eq!(text(&cancelled[0], "title"), format!("培训取消：{title}"));
        assert!(
            text(&cancelled[0], "body").contains("已取消，原因：场地调整。"),
            "{cancelled:?}"
        );
    }
    // Cancelling again is refused and tells nobody.
    assert_eq!(
        app.code(
            Some(&admin),
            CANCEL,
            json!({ "id": session["id"], "r": "再次取消" })
        )
        .await,
        "BAD_USER_INPUT"
    );
    assert_eq!(written(&app, "TRAINING_CANCELLED").await, 3);
    assert_eq!(written_to(&app, &firm_away).await, 0);
}
db_test!(training_participants_hear);
