//! E-mail and SMS delivery against a real SMTP server and a real HTTP SMS gateway on
//! loopback (`delivery_servers`): an invitation reaches the expert with the review's time
//! and venue; its link answers the seat once, and is refused after expiry and when altered;
//! a stopped worker's claims are never sent twice; two instances send each message once;
//! an SMTP server that is down leads to retries, FAILED and a working resend; a reminder job
//! run twice mails once; channel choices and contact addresses.

use chrono::{Datelike, Duration, Utc};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use cleanprod::config::Config;
use cleanprod::services::notifications::deliveries::{DeliveryWorker, Tally};

use crate::audits::setting;
use crate::delivery_servers::{SmsGateway, SmtpServer, free_port};
use crate::notifications::{VENUE, drawn_with_meeting};
use crate::panels::{PANEL, day, pool};
use crate::support::TestApp;

const DELIVERIES: &str = "query($filter: NotificationDeliveryFilter) { notificationDeliveries(first: 50, filter: $filter) { totalCount edges { node { id channel status attempts lastError recipient address sentAt notification { kind } } } } }";
const RESEND: &str =
    "mutation($id: ID!) { resendNotificationDelivery(id: $id) { id status attempts } }";
const BY_LINK: &str = "mutation($token: String!, $accept: Boolean!, $reason: String) { respondToPanelSeatByLink(token: $token, accept: $accept, reason: $reason) { seatId status respondedAt } }";
const LINK: &str = "query($token: String!) { seatLink(token: $token) { seatId status reviewDate title body expiresAt } }";
const CHANNELS: &str = "{ myNotificationChannels { kind allowed chosen } }";
const CHOOSE: &str = "mutation($kind: NotificationKind!, $channels: [NotificationChannel!]!) { chooseNotificationChannels(kind: $kind, channels: $channels) { kind allowed chosen } }";
const POLICY: &str = "mutation($kind: NotificationKind!, $channels: [NotificationChannel!]!) { setNotificationChannelPolicy(kind: $kind, channels: $channels) { kind channels set } }";
const CONTACT: &str = "mutation($email: String, $phone: String) { updateMyContact(email: $email, phone: $phone) { id email phone } }";

#[derive(Clone, Copy)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// Runs a delivery test on SQLite and on PostgreSQL.
macro_rules! delivery_test {
    ($name:ident) => {
        mod $name {
            #[actix_web::test]
            async fn sqlite() {
                super::$name(super::Db::Sqlite).await;
            }

            #[actix_web::test]
            async fn postgres() {
                super::$name(super::Db::Postgres).await;
            }
        }
    };
}

/// An app whose notifications go to these servers; `None` where PostgreSQL is skipped.
async fn app_with(
    db: Db,
    smtp: Option<String>,
    sms: Option<&SmsGateway>,
    tune: impl FnOnce(&mut Config),
) -> Option<TestApp> {
    let sms = sms.map(|g| (g.url.clone(), g.secret.clone()));
    let configure = move |c: &mut Config| {
        c.delivery.smtp_url = smtp;
        c.delivery.smtp_from = "山西省清洁生产审核 <noreply@example.gov.cn>".to_owned();
        if let Some((url, secret)) = sms {
            c.delivery.sms_url = Some(url);
            c.delivery.sms_secret = Some(secret);
        }
        c.delivery.public_url = "https://qjsc.example.gov.cn".to_owned();
        tune(c);
    };
    match db {
        Db::Sqlite => Some(TestApp::sqlite_with(configure).await),
        Db::Postgres => TestApp::postgres_with(configure).await,
    }
}

fn worker(app: &TestApp, name: &str) -> DeliveryWorker {
    DeliveryWorker::new(app.state.services.clone(), name).expect("a delivery worker")
}

async fn deliver(app: &TestApp) -> Tally {
    worker(app, "test")
        .run_once(Utc::now())
        .await
        .expect("a delivery run")
}

/// A drawn evaluation panel with its meeting set; answers (panel, seats, the seated
/// experts' e-mail addresses in seat order).
async fn drawn(app: &TestApp) -> (Value, Vec<Value>, Vec<String>) {
    let s = setting(app).await;
    pool(app, &s.admin, 100, 2).await;
    let (_, panel) = drawn_with_meeting(app, &s, 10, &day(5)).await;
    let seats = panel["seats"].as_array().expect("seats").clone();
    let mut emails = Vec::new();
    for seat in &seats {
        let expert = app
            .ok(
                Some(&s.admin),
                "query($id: ID!) { expert(id: $id) { email } }",
                json!({ "id": seat["expertId"] }),
            )
            .await;
        emails.push(
            expert["expert"]["email"]
                .as_str()
                .expect("email")
                .to_owned(),
        );
    }
    (panel, seats, emails)
}

fn deliveries(listed: &Value) -> Vec<Value> {
    listed["notificationDeliveries"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

/// The token in a message's link.
fn token_in(text: &str) -> String {
    let start = text.find("token=").expect("a link") + "token=".len();
    text[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect()
}

async fn metrics(app: &TestApp) -> String {
    let (_, _, body) = app
        .send(actix_web::test::TestRequest::get().uri("/metrics"))
        .await;
    String::from_utf8(body).expect("text")
}

async fn invitations_reach_experts_by_email_and_sms(db: Db) {
    let smtp = SmtpServer::start();
    let sms = SmsGateway::start();
    let Some(app) = app_with(db, Some(smtp.url()), Some(&sms), |_| {}).await else {
        return;
    };
    let (_, seats, emails) = drawn(&app).await;
    let n = seats.len() as u64;
    let tally = deliver(&app).await;
    assert_eq!(tally.dispatched, 2 * n, "{tally:?}");
    assert_eq!(tally.sent, 2 * n, "{tally:?}");
    for email in &emails {
        let mails = smtp.mails_to(email);
        assert_eq!(mails.len(), 1, "{email}: {mails:?}");
        let body = &mails[0].body;
        for part in [
            "09:30（北京时间）",
            VENUE,
            "https://qjsc.example.gov.cn/seat-link?token=",
        ] {
            assert!(body.contains(part), "{part} in {body}");
        }
        assert!(
            mails[0].subject.starts_with("=?utf-8?"),
            "{:?}",
            mails[0].subject
        );
    }
    let texts = sms.received();
    assert_eq!(texts.len(), seats.len());
    assert_eq!(sms.refused(), 0);
    for text in &texts {
        let body = text["text"].as_str().expect("text");
        assert!(body.starts_with("【山西省清洁生产审核】"), "{body}");
        assert!(body.contains(VENUE) && body.contains("09:30"), "{body}");
        assert_eq!(text["kind"], "PANEL_INVITATION");
        assert_eq!(text["to"], "13812345678");
    }

    // Nothing is sent twice.
    assert_eq!(deliver(&app).await, Tally::default());
    assert_eq!(smtp.mails().len(), seats.len());
    assert_eq!(sms.received().len(), seats.len());

    // The administrators' view: all SENT, addresses masked; the province's only.
    let admin = app.admin().await;
    let listed = deliveries(&app.ok(Some(&admin), DELIVERIES, json!({})).await);
    assert_eq!(listed.len(), 2 * seats.len());
    assert!(
        listed
            .iter()
            .all(|d| d["status"] == "SENT" && d["attempts"] == 1)
    );
    assert!(
        listed
            .iter()
            .any(|d| d["channel"] == "SMS" && d["address"] == "138****5678"),
        "{listed:?}"
    );
    let failed = app
        .ok(
            Some(&admin),
            DELIVERIES,
            json!({ "filter": { "status": "FAILED" } }),
        )
        .await;
    assert_eq!(failed["notificationDeliveries"]["totalCount"], 0);
    let city = app.city_admin("140100").await;
    assert_eq!(
        app.code(Some(&city), DELIVERIES, json!({})).await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.code(None, DELIVERIES, json!({})).await,
        "UNAUTHENTICATED"
    );

    let counted = metrics(&app).await;
    for line in [
        format!(
            "cleanprod_notification_deliveries_total{{channel=\"EMAIL\",outcome=\"sent\"}} {n}"
        ),
        format!("cleanprod_notification_deliveries_total{{channel=\"SMS\",outcome=\"sent\"}} {n}"),
    ] {
        assert!(counted.contains(&line), "{line} in {counted}");
    }
}
delivery_test!(invitations_reach_experts_by_email_and_sms);

async fn the_link_answers_the_seat_once(db: Db) {
    let smtp = SmtpServer::start();
    let Some(app) = app_with(db, Some(smtp.url()), None, |_| {}).await else {
        return;
    };
    let (panel, seats, emails) = drawn(&app).await;
    deliver(&app).await;
    let token = token_in(&smtp.mails_to(&emails[0])[0].body);

    // Opening the link shows the invitation and answers nothing.
    let (status, _, page) = app
        .send(actix_web::test::TestRequest::get().uri(&format!("/seat-link?token={token}")))
        .await;
    let page = String::from_utf8(page).expect("html");
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("确认参加") && page.contains(VENUE), "{page}");
    let shown = app.ok(None, LINK, json!({ "token": token })).await["seatLink"].clone();
    assert_eq!(shown["seatId"], seats[0]["id"]);
    assert_eq!(shown["status"], "INVITED");

    // Bad input uses nothing up.
    assert_eq!(
        app.code(
            None,
            BY_LINK,
            json!({ "token": token, "accept": true, "reason": "x" })
        )
        .await,
        "BAD_USER_INPUT"
    );
    // Altered: another expiry, another signature, another link.
    let parts: Vec<&str> = token.split('.').collect();
    let later = format!(
        "{}.{}.{}",
        parts[0],
        parts[1].parse::<i64>().expect("expiry") + 86_400,
        parts[2]
    );
    let mut signature = parts[2].to_owned();
    let last = if signature.ends_with('0') { "1" } else { "0" };
    signature.replace_range(signature.len() - 1.., last);
    let resigned = format!("{}.{}.{signature}", parts[0], parts[1]);
    for altered in [later.as_str(), resigned.as_str(), "not-a-token"] {
        let (code, error) = app
            .err(None, BY_LINK, json!({ "token": altered, "accept": true }))
            .await;
        assert_eq!(code, "FORBIDDEN", "{altered}: {error}");
    }

    let answered = app
        .ok(None, BY_LINK, json!({ "token": token, "accept": true }))
        .await["respondToPanelSeatByLink"]
        .clone();
    assert_eq!(answered["seatId"], seats[0]["id"]);
    assert_eq!(answered["status"], "CONFIRMED");
    assert_eq!(
        app.code(
            None,
            BY_LINK,
            json!({ "token": token, "accept": false, "reason": "改主意" })
        )
        .await,
        "CONFLICT",
        "once only"
    );
    assert_eq!(
        app.code(None, LINK, json!({ "token": token })).await,
        "CONFLICT"
    );

    // The page's decline button.
    let second = token_in(&smtp.mails_to(&emails[1])[0].body);
    let (status, _, page) = app
        .send(
            actix_web::test::TestRequest::post()
                .uri("/seat-link")
                .set_form([
                    ("token", second.as_str()),
                    ("answer", "decline"),
                    ("reason", "出差"),
                ]),
        )
        .await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&page));
    let (status, _, _) = app
        .send(
            actix_web::test::TestRequest::post()
                .uri("/seat-link")
                .set_form([("token", second.as_str()), ("answer", "accept")]),
        )
        .await;
    assert_eq!(status, 409, "used");
    let city = app.city_admin("140100").await;
    let seen = app
        .ok(Some(&city), PANEL, json!({ "id": panel["id"] }))
        .await;
    let status_of = |id: &Value| {
        seen["panel"]["seats"]
            .as_array()
            .expect("seats")
            .iter()
            .find(|s| s["id"] == *id)
            .map(|s| s["status"].clone())
    };
    assert_eq!(status_of(&seats[0]["id"]), Some(json!("CONFIRMED")));
    assert_eq!(status_of(&seats[1]["id"]), Some(json!("DECLINED")));
}
delivery_test!(the_link_answers_the_seat_once);

async fn an_expired_link_is_refused(db: Db) {
    let smtp = SmtpServer::start();
    let Some(app) = app_with(db, Some(smtp.url()), None, |_| {}).await else {
        return;
    };
    let (_, _, emails) = drawn(&app).await;
    // Sent by a run 100 hours ago: its links (72 hours) have expired.
    let long_ago = Utc::now() - Duration::hours(100);
    assert!(
        worker(&app, "then")
            .run_once(long_ago)
            .await
            .expect("run")
            .sent
            > 0
    );
    let token = token_in(&smtp.mails_to(&emails[0])[0].body);
    let (code, error) = app
        .err(None, BY_LINK, json!({ "token": token, "accept": true }))
        .await;
    assert_eq!(code, "FORBIDDEN");
    assert!(
        error["message"].as_str().unwrap_or("").contains("expired"),
        "{error}"
    );
    let (status, _, _) = app
        .send(actix_web::test::TestRequest::get().uri(&format!("/seat-link?token={token}")))
        .await;
    assert_eq!(status, 403);
}
delivery_test!(an_expired_link_is_refused);

async fn a_stopped_worker_sends_nothing_twice(db: Db) {
    let smtp = SmtpServer::start();
    let Some(app) = app_with(db, Some(smtp.url()), None, |_| {}).await else {
        return;
    };
    let (_, seats, emails) = drawn(&app).await;
    let now = Utc::now();
    // A worker claims everything and stops before sending.
    let stopped = worker(&app, "stopped");
    stopped.dispatch_new(now).await.expect("dispatch");
    let claimed = stopped.claim_due(now, 100).await.expect("claim");
    assert_eq!(claimed.len(), seats.len());

    // Another worker sends none of them.
    assert_eq!(
        worker(&app, "live").run_once(now).await.expect("run"),
        Tally::default()
    );
    assert!(smtp.mails().is_empty());
    // Once the lease is over they are FAILED, outcome unknown, and still not sent.
    let later = now + Duration::seconds(301);
    let tally = worker(&app, "live").run_once(later).await.expect("run");
    assert_eq!(tally.interrupted, seats.len() as u64, "{tally:?}");
    assert_eq!(tally.sent, 0);
    assert!(smtp.mails().is_empty());
    let admin = app.admin().await;
    let failed = deliveries(
        &app.ok(
            Some(&admin),
            DELIVERIES,
            json!({ "filter": { "status": "FAILED", "channel": "EMAIL" } }),
        )
        .await,
    );
    assert_eq!(failed.len(), seats.len());
    assert!(
        failed[0]["lastError"]
            .as_str()
            .unwrap_or("")
            .starts_with("interrupted")
    );

    // An administrator resends one: it goes, once.
    app.ok(Some(&admin), RESEND, json!({ "id": failed[0]["id"] }))
        .await;
    assert_eq!(deliver(&app).await.sent, 1);
    assert_eq!(deliver(&app).await.sent, 0);
    assert_eq!(smtp.mails().len(), 1);
    assert!(emails.iter().any(|e| smtp.mails_to(e).len() == 1));
}
delivery_test!(a_stopped_worker_sends_nothing_twice);

async fn two_instances_send_each_message_once(db: Db) {
    let smtp = SmtpServer::start();
    let sms = SmsGateway::start();
    let smtp_url = smtp.url();
    let Some(app) = app_with(db, Some(smtp_url.clone()), Some(&sms), |_| {}).await else {
        return;
    };
    let (_, seats, emails) = drawn(&app).await;
    // The second instance: its own pool and services on the same database.
    let config = app.state.services.config.clone();
    let other = TestApp::build_with(&config.database_url, |c| {
        c.delivery = config.delivery.clone()
    })
    .await;
    let now = Utc::now();
    let (a, b) = (worker(&app, "instance-a"), worker(&other, "instance-b"));
    let (x, y) = tokio::join!(a.run_once(now), b.run_once(now));
    let (x, y) = (x.expect("run a"), y.expect("run b"));
    assert_eq!(
        x.dispatched + y.dispatched,
        2 * seats.len() as u64,
        "{x:?} {y:?}"
    );
    // Whatever one dispatched and the other had not claimed yet goes on the next runs.
    let (z, w) = tokio::join!(a.run_once(Utc::now()), b.run_once(Utc::now()));
    let sent = x.sent + y.sent + z.expect("run").sent + w.expect("run").sent;
    assert_eq!(sent, 2 * seats.len() as u64);
    for email in &emails {
        assert_eq!(smtp.mails_to(email).len(), 1, "{email}");
    }
    let ids: std::collections::BTreeSet<String> = sms
        .received()
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_owned())
        .collect();
    assert_eq!(ids.len(), seats.len());
    assert_eq!(sms.received().len(), seats.len());
}
delivery_test!(two_instances_send_each_message_once);

async fn smtp_down_retries_then_fails_and_resend_works(db: Db) {
    let port = free_port();
    let Some(app) = app_with(db, Some(format!("smtp://127.0.0.1:{port}")), None, |c| {
        c.delivery.max_attempts = 2;
        c.delivery.backoff = std::time::Duration::ZERO;
    })
    .await
    else {
        return;
    };
    let (_, seats, emails) = drawn(&app).await;
    let n = seats.len() as u64;
    let first = deliver(&app).await;
    assert_eq!((first.retried, first.failed), (n, 0), "{first:?}");
    let second = deliver(&app).await;
    assert_eq!((second.retried, second.failed), (0, n), "{second:?}");
    assert_eq!(deliver(&app).await, Tally::default(), "given up");

    let admin = app.admin().await;
    let failed = deliveries(
        &app.ok(
            Some(&admin),
            DELIVERIES,
            json!({ "filter": { "status": "FAILED" } }),
        )
        .await,
    );
    assert_eq!(failed.len(), seats.len());
    assert_eq!(failed[0]["attempts"], 2);
    assert!(
        failed[0]["lastError"]
            .as_str()
            .unwrap_or("")
            .starts_with("SMTP"),
        "{failed:?}"
    );
    let counted = metrics(&app).await;
    assert!(
        counted.contains(&format!("channel=\"EMAIL\",outcome=\"failed\"}} {n}")),
        "{counted}"
    );
    assert!(
        counted.contains(&format!("channel=\"EMAIL\",outcome=\"retry\"}} {n}")),
        "{counted}"
    );

    // Who may not resend, and what cannot be.
    let city = app.city_admin("140100").await;
    assert_eq!(
        app.code(Some(&city), RESEND, json!({ "id": failed[0]["id"] }))
            .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.code(
            Some(&admin),
            RESEND,
            json!({ "id": "0190a4b2-0000-7000-8000-000000000000" })
        )
        .await,
        "NOT_FOUND"
    );
    assert_eq!(
        app.code(Some(&admin), RESEND, json!({ "id": "nope" }))
            .await,
        "BAD_USER_INPUT"
    );

    // The server is back: a resend goes.
    let smtp = SmtpServer::start_on(port);
    let resent = app
        .ok(Some(&admin), RESEND, json!({ "id": failed[0]["id"] }))
        .await;
    assert_eq!(resent["resendNotificationDelivery"]["status"], "PENDING");
    assert_eq!(resent["resendNotificationDelivery"]["attempts"], 0);
    assert_eq!(deliver(&app).await.sent, 1);
    assert_eq!(smtp.mails().len(), 1);
    assert!(emails.iter().any(|e| smtp.mails_to(e).len() == 1));
    assert_eq!(
        app.code(Some(&admin), RESEND, json!({ "id": failed[0]["id"] }))
            .await,
        "BAD_USER_INPUT",
        "sent, not failed"
    );
}
delivery_test!(smtp_down_retries_then_fails_and_resend_works);

async fn a_reminder_run_twice_is_mailed_once(db: Db) {
    use cleanprod::services::notifications::reminders::send_deadline_reminders;
    let smtp = SmtpServer::start();
    let sms = SmsGateway::start();
    let Some(app) = app_with(db, Some(smtp.url()), Some(&sms), |_| {}).await else {
        return;
    };
    let s = setting(&app).await;
    let enterprise =
        crate::support::create_enterprise(&app, &s.admin, crate::support::enterprise_input(20))
            .await;
    app.ok(
        Some(&s.city),
        crate::audits::CREATE_AUDIT,
        json!({ "input": { "enterpriseId": enterprise["id"], "year": crate::panels::today().year(), "noticeDate": day(-25) } }),
    )
    .await;
    let own = crate::enterprise_users::enterprise_user(&app, &enterprise).await;
    app.ok(
        Some(&own),
        CONTACT,
        json!({ "email": "boss@enterprise20.cn", "phone": "13900001111" }),
    )
    .await;
    let db = &app.state.services.db;
    let today = crate::panels::today();
    for _ in 0..2 {
        send_deadline_reminders(db, &[30, 7, 1], today)
            .await
            .expect("job");
        deliver(&app).await;
    }
    let mails = smtp.mails_to("boss@enterprise20.cn");
    assert_eq!(mails.len(), 1);
    assert!(mails[0].body.contains("公布审核信息"), "{}", mails[0].body);
    assert_eq!(sms.sent_to("13900001111").len(), 1);
}
delivery_test!(a_reminder_run_twice_is_mailed_once);

async fn channels_are_chosen_within_the_allowance(db: Db) {
    let smtp = SmtpServer::start();
    let sms = SmsGateway::start();
    let Some(app) = app_with(db, Some(smtp.url()), Some(&sms), |_| {}).await else {
        return;
    };
    let s = setting(&app).await;
    let own = app
        .user_with(json!({ "role": "ENTERPRISE", "enterpriseId": s.enterprise["id"] }))
        .await;
    let choice_of = |listed: &Value, kind: &str| {
        listed["myNotificationChannels"]
            .as_array()
            .expect("kinds")
            .iter()
            .find(|c| c["kind"] == kind)
            .cloned()
            .expect("the kind")
    };
    let listed = app.ok(Some(&own), CHANNELS, json!({})).await;
    assert_eq!(
        choice_of(&listed, "REVIEW_OUTCOME_RECORDED"),
        json!({ "kind": "REVIEW_OUTCOME_RECORDED", "allowed": ["EMAIL", "SMS"], "chosen": ["EMAIL", "SMS"] })
    );
    let chosen = app
        .ok(
            Some(&own),
            CHOOSE,
            json!({ "kind": "REVIEW_OUTCOME_RECORDED", "channels": ["SMS"] }),
        )
        .await;
    assert_eq!(
        chosen["chooseNotificationChannels"]["chosen"],
        json!(["SMS"])
    );

    // The province narrows the kind to e-mail: the SMS choice no longer applies.
    assert_eq!(
        app.code(
            Some(&s.city),
            POLICY,
            json!({ "kind": "REVIEW_OUTCOME_RECORDED", "channels": ["EMAIL"] })
        )
        .await,
        "FORBIDDEN"
    );
    let set = app
        .ok(
            Some(&s.admin),
            POLICY,
            json!({ "kind": "REVIEW_OUTCOME_RECORDED", "channels": ["EMAIL"] }),
        )
        .await;
    assert_eq!(
        set["setNotificationChannelPolicy"],
        json!({ "kind": "REVIEW_OUTCOME_RECORDED", "channels": ["EMAIL"], "set": true })
    );
    let listed = app.ok(Some(&own), CHANNELS, json!({})).await;
    assert_eq!(
        choice_of(&listed, "REVIEW_OUTCOME_RECORDED"),
        json!({ "kind": "REVIEW_OUTCOME_RECORDED", "allowed": ["EMAIL"], "chosen": [] })
    );
    let before = app.count("notification_preferences").await;
    assert_eq!(
        app.code(
            Some(&own),
            CHOOSE,
            json!({ "kind": "REVIEW_OUTCOME_RECORDED", "channels": ["SMS"] })
        )
        .await,
        "BAD_USER_INPUT"
    );
    assert_eq!(
        app.code(
            None,
            CHOOSE,
            json!({ "kind": "REVIEW_OUTCOME_RECORDED", "channels": [] })
        )
        .await,
        "UNAUTHENTICATED"
    );
    assert_eq!(
        app.count("notification_preferences").await,
        before,
        "nothing written"
    );

    // Contact addresses: checked, own only.
    for bad in [
        json!({ "email": "not-an-address" }),
        json!({ "phone": "12" }),
        json!({}),
    ] {
        assert_eq!(
            app.code(Some(&own), CONTACT, bad.clone()).await,
            "BAD_USER_INPUT",
            "{bad}"
        );
    }
    assert_eq!(
        app.code(None, CONTACT, json!({ "email": "a@b.cn" })).await,
        "UNAUTHENTICATED"
    );
    let me = app
        .ok(Some(&own), "{ me { email phone } }", json!({}))
        .await;
    assert_eq!(
        me["me"],
        json!({ "email": null, "phone": null }),
        "nothing written"
    );
    let saved = app
        .ok(
            Some(&own),
            CONTACT,
            json!({ "email": "boss@enterprise1.cn", "phone": "13900002222" }),
        )
        .await;
    assert_eq!(saved["updateMyContact"]["email"], "boss@enterprise1.cn");
    assert_eq!(saved["updateMyContact"]["phone"], "13900002222");
    let cleared = app.ok(Some(&own), CONTACT, json!({ "phone": "" })).await;
    assert_eq!(cleared["updateMyContact"]["phone"], Value::Null);
    assert_eq!(cleared["updateMyContact"]["email"], "boss@enterprise1.cn");
    let stored: Vec<String> = app
        .state
        .services
        .db
        .query_all_raw(sea_orm::Statement::from_string(
            app.state.services.db.get_database_backend(),
            "SELECT phone FROM users WHERE phone IS NOT NULL".to_owned(),
        ))
        .await
        .expect("query")
        .iter()
        .filter_map(|r| r.try_get::<String>("", "phone").ok())
        .collect();
    assert!(
        stored.iter().all(|p| !p.contains("1390000")),
        "phones encrypted at rest"
    );
}
delivery_test!(channels_are_chosen_within_the_allowance);

/// Every delivery mutation once, for the audit-log coverage (`audit_coverage`): a resend of
/// an interrupted delivery, an answer through its link, a contact, a choice and a rule.
pub(crate) async fn every_delivery_operation(app: TestApp) {
    let smtp = SmtpServer::start();
    let url = app.state.services.config.database_url.clone();
    let smtp_url = smtp.url();
    let app = TestApp::build_with(&url, move |c| c.delivery.smtp_url = Some(smtp_url)).await;
    let (_, _, emails) = drawn(&app).await;
    let now = Utc::now();
    let stopped = worker(&app, "stopped");
    stopped.dispatch_new(now).await.expect("dispatch");
    stopped.claim_due(now, 100).await.expect("claim");
    let reaped = worker(&app, "live")
        .run_once(now + Duration::seconds(301))
        .await;
    assert!(reaped.expect("run").interrupted > 0);
    let admin = app.admin().await;
    let failed = deliveries(&app.ok(Some(&admin), DELIVERIES, json!({})).await);
    for d in &failed {
        app.ok(Some(&admin), RESEND, json!({ "id": d["id"] })).await;
    }
    deliver(&app).await;
    let token = token_in(&smtp.mails_to(&emails[0])[0].body);
    app.ok(None, BY_LINK, json!({ "token": token, "accept": true }))
        .await;
    let city = app.city_admin("140100").await;
    app.ok(
        Some(&city),
        CONTACT,
        json!({ "email": "city@example.gov.cn" }),
    )
    .await;
    app.ok(
        Some(&city),
        CHOOSE,
        json!({ "kind": "SEAT_DECLINED", "channels": ["EMAIL"] }),
    )
    .await;
    app.ok(
        Some(&admin),
        POLICY,
        json!({ "kind": "SEAT_DECLINED", "channels": [] }),
    )
    .await;
}
