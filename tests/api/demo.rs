//! `seed-demo`: the demo data is complete, valid and the same on every run.

use serde_json::json;

use crate::db_test;
use crate::support::TestApp;

struct Quiet;
impl cleanprod::services::demo::Progress for Quiet {
    fn update(&self, _: &str, _: u64, _: u64) {}
}

async fn seed_demo_fills_the_registry(app: TestApp) {
    let report =
        cleanprod::services::demo::seed_demo(&app.state.services, 1, "demo-password-1", &Quiet)
            .await
            .expect("seeded");
    let count = |name: &str| {
        report
            .counts
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| *v)
    };
    assert_eq!(count("experts"), Some(2_000));
    assert_eq!(count("consultancies"), Some(200));
    assert_eq!(count("consultancy staff"), Some(1_500));
    assert_eq!(count("enterprises"), Some(5_000));
    assert_eq!(count("audits"), Some(15_000));
    assert_eq!(app.count("experts").await, 2_000);

    // What it made reads back through the API like any data, for every role.
    let city = app.login("city-140100", "demo-password-1").await;
    let data = app
        .ok(
            Some(&city),
            "{ enterprises(first: 5) { totalCount edges { node { creditCode mandatoryAudit { mandatory } } } } experts(first: 3, filter: { status: ACTIVE }) { totalCount edges { node { idCardNumber sectors } } } }",
            json!({}),
        )
        .await;
    assert!(
        data["enterprises"]["totalCount"]
            .as_i64()
            .is_some_and(|n| n > 100)
    );
    assert!(
        data["experts"]["totalCount"]
            .as_i64()
            .is_some_and(|n| n > 1_000)
    );
    let masked = data["experts"]["edges"][0]["node"]["idCardNumber"]
        .as_str()
        .unwrap_or("");
    assert!(masked.contains("***"), "{masked}");

    // A second run refuses to mix demo rows into a filled registry.
    let again =
        cleanprod::services::demo::seed_demo(&app.state.services, 1, "demo-password-1", &Quiet)
            .await;
    assert!(matches!(
        again,
        Err(cleanprod::error::AppError::Conflict(_))
    ));
}
db_test!(seed_demo_fills_the_registry);

#[actix_web::test]
async fn seed_demo_is_deterministic() {
    let mut digests = Vec::new();
    for _ in 0..2 {
        let app = TestApp::sqlite().await;
        cleanprod::services::demo::seed_demo(&app.state.services, 1, "demo-password-1", &Quiet)
            .await
            .expect("seeded");
        let data = app
            .ok(
                Some(&app.admin().await),
                "{ experts(first: 50) { edges { node { id name birthDate idCardNumber } } } }",
                json!({}),
            )
            .await;
        digests.push(data.to_string());
    }
    assert_eq!(digests[0], digests[1]);
}
