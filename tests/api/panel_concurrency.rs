//! Many draws at once against a pool too small for all of them: from several app instances,
//! each with its own connection pool to one database (separate server processes, as the
//! database sees them), where draws race in the database; and from one instance, where they
//! queue and are drawn together in batches. Either way no expert sits twice on one day nor
//! past the yearly cap, every draw either succeeds or fails cleanly, every panel drawn
//! verifies (its record re-runs to the same seats) and the audit log's chain holds. The
//! invariants are checked in SQL afterwards.

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, NaiveDate};
use serde_json::json;

use crate::audits::setting;
use crate::panels::{DRAW, VERIFY, evaluation, expert, today};
use crate::support::{TestApp, fresh_pg_database};

const CAP: u32 = 2;

async fn instance(url: &str) -> TestApp {
    TestApp::build_with(url, |c| c.seat_cap = CAP).await
}

/// Sums a metric's samples whose line contains every one of `with`.
fn metric_sum(text: &str, with: &[&str]) -> f64 {
    text.lines()
        .filter(|l| !l.starts_with('#') && with.iter().all(|w| l.contains(w)))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

async fn many_draws_at_once(url: &str, instances: usize) {
    let setup = instance(url).await;
    let s = setting(&setup).await;
    // Six experts of every kind: with a cap of two, twelve seats in the year at most.
    let mut experts = Vec::new();
    for serial in 0..6 {
        experts.push(
            expert(
                &setup,
                &s.admin,
                100 + serial,
                &["STEEL"],
                &["INDUSTRY_PROCESS", "ENVIRONMENTAL", "ENERGY"],
                "140200",
            )
            .await,
        );
    }
    // Next year's March, well inside one calendar year: six reviews on one day, six on others.
    let year = today().year() + 1;
    let date = |d: u32| {
        NaiveDate::from_ymd_opt(year, 3, d)
            .expect("a March day")
            .to_string()
    };
    let mut reviews = Vec::new();
    for i in 0..12u32 {
        let on = if i < 6 { date(2) } else { date(3 + i) };
        let (_, review) = evaluation(&setup, &s, 10 + i, &on).await;
        reviews.push(review);
    }

    let mut apps = Vec::new();
    for _ in 0..instances {
        apps.push(instance(url).await);
    }
    let token = s.admin.clone();
    let draws = reviews.iter().enumerate().map(|(i, review)| {
        let app = &apps[i % instances];
        let token = token.clone();
        async move {
            app.post(
                Some(&token),
                DRAW,
                json!({ "input": { "reviewId": review, "composition": [], "witnessNonce": format!("race {i}") } }),
            )
            .await
        }
    });
    let results = futures_util::future::join_all(draws).await;
    let mut drawn = 0;
    let mut failures: HashMap<String, usize> = HashMap::new();
    for (_, body) in &results {
        match body["errors"][0]["extensions"]["code"].as_str() {
            None => drawn += 1,
            Some(code) => *failures.entry(code.to_owned()).or_default() += 1,
        }
    }
    // How often a draw lost a race and went again, and how many transactions wrote draws, as
    // the instances' metrics count them.
    let (mut retried, mut transactions, mut alone) = (0.0, 0.0, 0.0);
    for app in &apps {
        let (_, _, body) = app
            .send(actix_web::test::TestRequest::get().uri("/metrics"))
            .await;
        let text = String::from_utf8_lossy(&body).into_owned();
        retried += metric_sum(&text, &["panel_draws_total", "outcome=\"retried\""]);
        transactions += metric_sum(&text, &["panel_draw_batch_size_count"]);
        alone += metric_sum(&text, &["panel_draw_batch_size_bucket", "le=\"1.0\""]);
    }
    eprintln!(
        "concurrent draws on {instances} instance(s): {drawn} drawn in {transactions} \
         transaction(s), failures {failures:?}, {retried} retries"
    );
    assert!(drawn >= 1, "{results:?}");
    assert!(drawn <= 4, "twelve seats make at most four panels of three");
    for code in failures.keys() {
        assert!(
            code == "INSUFFICIENT_CANDIDATES" || code == "CONFLICT",
            "a draw failed uncleanly: {code} in {failures:?}"
        );
    }

    // The invariants, straight from the tables.
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let db = &setup.state.services.db;
    let seats = entity::panel_seat::Entity::find()
        .filter(entity::panel_seat::Column::Status.ne("DECLINED"))
        .all(db)
        .await
        .expect("seats");
    assert_eq!(seats.len(), drawn * 3);
    let mut days = HashSet::new();
    let mut per_expert: HashMap<uuid::Uuid, i32> = HashMap::new();
    for seat in &seats {
        assert!(
            days.insert((seat.expert_id, seat.review_date)),
            "expert {} seated twice on {}",
            seat.expert_id,
            seat.review_date
        );
        *per_expert.entry(seat.expert_id).or_default() += 1;
    }
    assert!(
        per_expert.values().all(|n| *n <= CAP as i32),
        "past the cap: {per_expert:?}"
    );
    let on_the_busy_day = seats.iter().filter(|s| s.review_date.day() == 2).count();
    assert!(on_the_busy_day <= 6, "six experts fill two panels a day");
    // The counters the cap is held by agree with the seats.
    let counters = entity::expert_seat_count::Entity::find()
        .filter(entity::expert_seat_count::Column::Year.eq(year))
        .all(db)
        .await
        .expect("counters");
    for c in &counters {
        assert_eq!(
            Some(&c.seats),
            per_expert.get(&c.expert_id).or(Some(&0)),
            "counter of {}",
            c.expert_id
        );
    }
    let panels = setup.count("panels").await;
    assert_eq!(panels as usize, drawn);
    assert_eq!(experts.len(), 6);
    // Nothing written for the draws that failed: one round and one log entry per panel.
    assert_eq!(setup.count("panel_draws").await as usize, drawn);

    // Each panel's record re-runs to its seats, whether it was drawn alone or in a batch.
    for (_, body) in &results {
        let Some(id) = body["data"]["drawPanel"]["id"].as_str() else {
            continue;
        };
        let verified =
            setup.ok(Some(&token), VERIFY, json!({ "id": id })).await["verifyPanel"].clone();
        assert_eq!(verified["reproduces"], true, "{verified}");
    }
    use cleanprod::services::audit_log::{ChainVerdict, verify_chain};
    assert!(
        matches!(
            verify_chain(db).await.expect("verify the audit log"),
            ChainVerdict::Intact { .. }
        ),
        "the audit log's chain broke"
    );
    if instances == 1 {
        // Draws that arrive together are written together.
        assert!(
            transactions - alone >= 1.0,
            "no transaction wrote more than one draw: {transactions} transactions, {alone} alone"
        );
    }
}

#[actix_web::test]
async fn sqlite() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("race.db").display());
    many_draws_at_once(&url, 4).await;
}

#[actix_web::test]
async fn postgres() {
    if let Some((url, _guard)) = fresh_pg_database().await {
        many_draws_at_once(&url, 4).await;
    }
}

#[actix_web::test]
async fn sqlite_one_instance_draws_in_batches() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("batch.db").display()
    );
    many_draws_at_once(&url, 1).await;
}

#[actix_web::test]
async fn postgres_one_instance_draws_in_batches() {
    if let Some((url, _guard)) = fresh_pg_database().await {
        many_draws_at_once(&url, 1).await;
    }
}
