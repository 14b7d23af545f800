//! Notifications through the API as their readers see them: an expert's invitation with the
//! review's time and venue, a meeting change, a replacement's invitation, nobody else's, the
//! read marks, and nothing written for a draw that fails.

use chrono::Datelike;
use serde_json::{Value, json};

use crate::audits::setting;
use crate::db_test;
use crate::panels::{DRAW, OPEN, REPLACE, RESPOND, day, draw, evaluation, pool};
use crate::reviews::{MEETING, meeting};
use crate::support::TestApp;

const INBOX: &str = "query($unread: Boolean! = false) { notifications(first: 10, unreadOnly: $unread) { totalCount edges { node { id kind title body subjectType subjectId reviewId readAt } } } unreadNotificationCount }";
const MARK: &str =
    "mutation($ids: [ID!], $all: Boolean! = false) { markNotificationsRead(ids: $ids, all: $all) }";

async fn inbox(app: &TestApp, token: &str) -> Value {
    app.ok(Some(token), INBOX, json!({})).await
}

fn nodes(inbox: &Value) -> Vec<Value> {
    inbox["notifications"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

pub const VENUE: &str = "太原市生态环境局301会议室";

/// An evaluation of enterprise `serial` on `date`, its meeting at 09:30 in [`VENUE`], its
/// panel drawn: (review id, panel).
pub(crate) async fn drawn_with_meeting(
    app: &TestApp,
    s: &crate::audits::Setting,
    serial: u32,
    date: &str,
) -> (Value, Value) {
    let (_, review) = evaluation(app, s, serial, date).await;
    app.ok(
        Some(&s.city),
        MEETING,
        json!({ "id": review, "input": meeting("09:30", VENUE) }),
    )
    .await;
    let panel = crate::panels::draw_opened(app, &s.city, &review).await;
    (review, panel)
}

pub(crate) async fn experts_hear_of_invitations_and_changes(app: TestApp) {
    let s = setting(&app).await;
    let pool_ids = pool(&app, &s.admin, 100, 2).await;
    let (review, panel) = drawn_with_meeting(&app, &s, 10, &day(5)).await;
    let seats = panel["seats"].as_array().expect("seats").clone();
    let seated: Vec<&str> = seats
        .iter()
        .map(|seat| seat["expertId"].as_str().expect("expert"))
        .collect();
    let first = app.user_token("EXPERT", None, Some(seated[0])).await;
    let bystander_id = pool_ids
        .iter()
        .find(|id| !seated.contains(&id.as_str()))
        .expect("an expert not drawn");
    let bystander = app.user_token("EXPERT", None, Some(bystander_id)).await;

    // The invitation: the review, its time, venue and contact, about the seat.
    let mine = inbox(&app, &first).await;
    assert_eq!(mine["unreadNotificationCount"], 1);
    let invitation = nodes(&mine)[0].clone();
    assert_eq!(invitation["kind"], "PANEL_INVITATION");
    assert_eq!(invitation["subjectType"], "PanelSeat");
    assert_eq!(invitation["subjectId"], seats[0]["id"]);
    assert_eq!(invitation["reviewId"], review);
    assert_eq!(invitation["title"], "评审专家邀请：企业10清洁生产审核评估");
    let body = invitation["body"].as_str().expect("body");
    for part in [
        format!("{} 09:30（北京时间）", day(5)),
        "太原市生态环境局301会议室".to_owned(),
        "李工 0351-4000000".to_owned(),
    ] {
        assert!(body.contains(&part), "{body}");
    }
    // Nobody else's: another expert, the organiser.
    assert_eq!(inbox(&app, &bystander).await["unreadNotificationCount"], 0);
    assert_eq!(inbox(&app, &s.city).await["notifications"]["totalCount"], 0);
    assert_eq!(app.code(None, INBOX, json!({})).await, "UNAUTHENTICATED");

    // The meeting moves: every seated expert hears what changed; newest first.
    app.ok(
        Some(&s.city),
        MEETING,
        json!({ "id": review, "input": meeting("14:00", "太原市生态环境局302会议室") }),
    )
    .await;
    assert_eq!(app.count("notifications").await, 6);
    let mine = inbox(&app, &first).await;
    let listed = nodes(&mine);
    assert_eq!(listed[0]["kind"], "REVIEW_MEETING_CHANGED");
    let body = listed[0]["body"].as_str().expect("body");
    assert!(body.contains("开始时间、地点已变更"), "{body}");
    assert!(body.contains("14:00（北京时间）"), "{body}");
    assert!(body.contains("302会议室"), "{body}");
    assert_eq!(listed[1]["id"], invitation["id"]);

    // Read marks: bad input and others' ids mark nothing.
    for vars in [
        json!({}),
        json!({ "ids": [invitation["id"]], "all": true }),
        json!({ "ids": [] }),
    ] {
        assert_eq!(
            app.code(Some(&first), MARK, vars.clone()).await,
            "BAD_USER_INPUT",
            "{vars}"
        );
    }
    assert_eq!(
        app.code(Some(&bystander), MARK, json!({ "ids": [invitation["id"]] }))
            .await,
        "NOT_FOUND"
    );
    assert_eq!(
        app.code(None, MARK, json!({ "all": true })).await,
        "UNAUTHENTICATED"
    );
    assert_eq!(inbox(&app, &first).await["unreadNotificationCount"], 2);
    assert_eq!(
        app.ok(Some(&first), MARK, json!({ "ids": [invitation["id"]] }))
            .await["markNotificationsRead"],
        1
    );
    let unread = app.ok(Some(&first), INBOX, json!({ "unread": true })).await;
    assert_eq!(nodes(&unread).len(), 1);
    assert_eq!(
        unread["notifications"]["edges"][0]["node"]["kind"],
        "REVIEW_MEETING_CHANGED"
    );
    assert_eq!(
        app.ok(Some(&first), MARK, json!({ "all": true })).await["markNotificationsRead"],
        1
    );
    assert_eq!(inbox(&app, &first).await["unreadNotificationCount"], 0);

    // A replacement's expert is invited too; the one who declined hears nothing more.
    app.ok(
        Some(&first),
        RESPOND,
        json!({ "id": seats[0]["id"], "accept": false, "reason": "出差" }),
    )
    .await;
    app.ok(Some(&s.city), OPEN, json!({ "id": review })).await;
    let replacement = app
        .ok(Some(&s.city), REPLACE, json!({ "id": seats[0]["id"] }))
        .await["replaceDeclinedSeat"]
        .clone();
    let newcomer = app
        .user_token("EXPERT", None, replacement["expertId"].as_str())
        .await;
    let theirs = nodes(&inbox(&app, &newcomer).await);
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0]["subjectId"], replacement["id"]);
    assert_eq!(inbox(&app, &first).await["unreadNotificationCount"], 0);
}
db_test!(experts_hear_of_invitations_and_changes);

/// A draw that fails writes no notification: they are written in the draw's transaction.
pub(crate) async fn a_failed_draw_tells_nobody(app: TestApp) {
    let s = setting(&app).await;
    pool(&app, &s.admin, 100, 1).await;
    let (_, review) = evaluation(&app, &s, 11, &day(5)).await;
    let (code, _) = app
        .err(
            Some(&s.city),
            DRAW,
            json!({ "input": { "reviewId": review, "size": 7 } }),
        )
        .await;
    assert_eq!(code, "INSUFFICIENT_CANDIDATES");
    assert_eq!(app.count("notifications").await, 0);
    draw(&app, &s.city, json!({ "reviewId": review })).await;
    assert_eq!(app.count("notifications").await, 3);
}
db_test!(a_failed_draw_tells_nobody);

/// Deadline reminders: the tightest offset reached, once per deadline, recipient and offset,
/// however often the job runs and however many run at once; once more when the deadline has
/// passed.
pub(crate) async fn deadline_reminders_are_sent_once(app: TestApp) {
    use cleanprod::services::notifications::reminders::send_deadline_reminders;
    let s = setting(&app).await;
    let enterprise =
        crate::support::create_enterprise(&app, &s.admin, crate::support::enterprise_input(20))
            .await;
    let audit = app
        .ok(
            Some(&s.city),
            crate::audits::CREATE_AUDIT,
            json!({ "input": { "enterpriseId": enterprise["id"], "year": crate::panels::today().year(), "noticeDate": day(-25) } }),
        )
        .await["createAudit"]["id"]
        .clone();
    let own = crate::enterprise_users::enterprise_user(&app, &enterprise).await;
    let deadline = app
        .ok(
            Some(&s.city),
            "query($id: ID!) { audit(id: $id) { deadline { kind due } } }",
            json!({ "id": audit }),
        )
        .await["audit"]["deadline"]
        .clone();
    assert_eq!(deadline["kind"], "DISCLOSURE");
    let due: chrono::NaiveDate = deadline["due"]
        .as_str()
        .expect("due")
        .parse()
        .expect("date");
    let db = &app.state.services.db;
    let today = crate::panels::today();
    assert!((due - today).num_days() <= 7, "{due}");

    assert_eq!(
        send_deadline_reminders(db, &[30, 7, 1], today)
            .await
            .expect("job"),
        1
    );
    assert_eq!(
        send_deadline_reminders(db, &[30, 7, 1], today)
            .await
            .expect("job"),
        0,
        "never twice"
    );
    let listed = nodes(&inbox(&app, &own).await);
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["kind"], "DEADLINE_APPROACHING");
    assert_eq!(listed[0]["title"], "期限临近：企业20：公布审核信息");
    assert!(
        listed[0]["body"]
            .as_str()
            .unwrap_or("")
            .contains(&due.to_string()),
        "{listed:?}"
    );
    assert_eq!(listed[0]["subjectId"], audit);

    // The day after the deadline, two runs at once: one reminder that it passed.
    let after = due + chrono::Duration::days(1);
    let (a, b) = tokio::join!(
        send_deadline_reminders(db, &[30, 7, 1], after),
        send_deadline_reminders(db, &[30, 7, 1], after)
    );
    assert_eq!(a.expect("job") + b.expect("job"), 1);
    let listed = nodes(&inbox(&app, &own).await);
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["kind"], "DEADLINE_MISSED");
    assert_eq!(listed[0]["title"], "期限已过：企业20：公布审核信息");
}
db_test!(deadline_reminders_are_sent_once);
