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
    // Panels (bounded by the yearly seat cap), training and five published years.
    assert!(count("panels").is_some_and(|n| n > 20_000), "{report:?}");
    assert!(
        count("panel seats").is_some_and(|n| n > 80_000),
        "{report:?}"
    );
    // 100 held over the five years, and 6 still to come.
    assert_eq!(count("training sessions"), Some(106));
    assert_eq!(count("training attendances"), Some(10_000));
    assert!(count("appraisals").is_some_and(|n| n > 900), "{report:?}");
    assert_eq!(count("published rankings"), Some(5));
    assert_eq!(
        app.count("panel_seats").await,
        count("panel seats").unwrap_or(0) as i64
    );

    // A demo panel is a genuine draw: its record reproduces like any other.
    let admin = app.admin().await;
    let data = app
        .ok(
            Some(&admin),
            "{ enterprises(first: 20) { edges { node { audits { reviews { panel { id seats { status } } } } } } } }",
            json!({}),
        )
        .await;
    let panel_ids: Vec<String> = reviews_of(&audits_on(&data))
        .iter()
        .filter_map(|r| r["panel"]["id"].as_str().map(str::to_owned))
        .collect();
    assert!(panel_ids.len() >= 10, "{data}");
    for id in panel_ids.iter().take(10) {
        let verified = app
            .ok(
                Some(&admin),
                "query($id: ID!) { verifyPanel(id: $id) { reproduces problems } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(verified["verifyPanel"]["reproduces"], true, "{verified}");
    }
    let ranking = app
        .ok(
            None,
            "{ consultancyRanking(year: 2023) { published entries { rank } } trainingSessions(first: 1) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        ranking["consultancyRanking"]["published"], true,
        "{ranking}"
    );
    assert!(
        ranking["consultancyRanking"]["entries"]
            .as_array()
            .is_some_and(|e| e.len() > 150)
    );

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

    // Three enterprise users, each seeing its own enterprise and its open round only.
    assert_eq!(count("enterprise users"), Some(3));
    let mut statuses = Vec::new();
    for n in 1..=3 {
        let own = app
            .login(&format!("enterprise-{n}"), "demo-password-1")
            .await;
        let data = app
            .ok(
                Some(&own),
                "{ enterprises { totalCount } audits { edges { node { status lastOutcome closed } } } }",
                json!({}),
            )
            .await;
        assert_eq!(data["enterprises"]["totalCount"], 1, "{data}");
        let open: Vec<serde_json::Value> = data["audits"]["edges"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| e["node"]["closed"] == false)
            .map(|e| json!({ "status": e["node"]["status"], "lastOutcome": e["node"]["lastOutcome"] }))
            .collect();
        assert_eq!(open.len(), 1, "{data}");
        statuses.extend(open);
    }
    assert_eq!(
        statuses,
        [
            json!({ "status": "NOTIFIED", "lastOutcome": null }),
            json!({ "status": "IN_PROGRESS", "lastOutcome": null }),
            json!({ "status": "EVALUATION_PASSED", "lastOutcome": "PASSED" }),
        ]
    );

    // The benchmark's workloads 1 and 2 cost the same SQL statements whatever the page size:
    // every relation down to the seated experts is batched.
    let workloads = [
        "query($n: Int) { experts(first: $n, filter: { status: ACTIVE, sector: STEEL }) { totalCount edges { node { id name title city { name } sectors expertiseKinds } } } }",
        "query($n: Int) { enterprises(first: $n) { edges { node { name audits { status year reviews { kind outcome date panel { seats { status expert { name title } } } } } } } } }",
    ];
    for query in workloads {
        let mut costs = Vec::new();
        for n in [2, 20] {
            let before = app.statements.load(std::sync::atomic::Ordering::SeqCst);
            let data = app.ok(Some(&admin), query, json!({ "n": n })).await;
            costs.push(app.statements.load(std::sync::atomic::Ordering::SeqCst) - before);
            let root = if query.contains("experts(") {
                "experts"
            } else {
                "enterprises"
            };
            assert_eq!(
                data[root]["edges"].as_array().map(Vec::len),
                Some(n),
                "{data}"
            );
        }
        assert_eq!(
            costs[0], costs[1],
            "statements for 2 vs 20: {costs:?} in {query}"
        );
        assert!(costs[1] <= 12, "{costs:?} statements for {query}");
    }

    // An enterprise page reads its audits down to the seats in one joined statement; each
    // audit read on its own (level by level, through the loaders) gives the same tree.
    const TREE: &str =
        "id reviews { id kind date panel { id seats { id status slotIndex expert { name } } } }";
    let enterprise_page =
        format!("{{ enterprises(first: 20) {{ edges {{ node {{ audits {{ {TREE} }} }} }} }} }}");
    let page = app.ok(Some(&admin), &enterprise_page, json!({})).await;
    let joined = audits_on(&page);
    let seats = |audits: &[serde_json::Value]| {
        reviews_of(audits)
            .iter()
            .filter_map(|r| r["panel"]["seats"].as_array().map(Vec::len))
            .sum::<usize>()
    };
    assert!(seats(&joined) > 0, "the page has seated panels: {page}");
    // In requests of 20 root fields (the most an operation may ask for).
    for chunk in joined.chunks(20) {
        let one_by_one = chunk
            .iter()
            .enumerate()
            .map(|(i, a)| {
                format!(
                    "a{i}: audit(id: \"{}\") {{ {TREE} }}",
                    a["id"].as_str().unwrap_or("")
                )
            })
            .collect::<Vec<_>>()
            .join(" ");
        let each = app
            .ok(Some(&admin), &format!("{{ {one_by_one} }}"), json!({}))
            .await;
        for (i, audit) in chunk.iter().enumerate() {
            assert_eq!(&each[format!("a{i}")], audit, "audit {i} read on its own");
        }
    }

    // The seats' experts come from the pool in memory at the revision read with the tree: a
    // change made behind this server's back (another instance) shows on the very next page.
    app.execute("UPDATE experts SET name = name || '（改）'")
        .await;
    let renamed = app.ok(Some(&admin), &enterprise_page, json!({})).await;
    let names: Vec<String> = reviews_of(&audits_on(&renamed))
        .iter()
        .flat_map(|r| r["panel"]["seats"].as_array().cloned().unwrap_or_default())
        .map(|s| s["expert"]["name"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(names.len(), seats(&joined), "{renamed}");
    assert!(
        names.iter().all(|n| n.ends_with("（改）")),
        "every seated expert under their new name: {names:?}"
    );

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

/// The audits under the nodes of an `enterprises` page, in order.
fn audits_on(page: &serde_json::Value) -> Vec<serde_json::Value> {
    page["enterprises"]["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|e| e["node"]["audits"].as_array().cloned().unwrap_or_default())
        .collect()
}

/// The reviews of some audits, in order.
fn reviews_of(audits: &[serde_json::Value]) -> Vec<serde_json::Value> {
    audits
        .iter()
        .flat_map(|a| a["reviews"].as_array().cloned().unwrap_or_default())
        .collect()
}

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
