//! Answers to queries that read only a published ranking are kept and served again, the same
//! for every viewer; nothing provisional and nothing beyond the frozen lines is kept.

use actix_web::test::TestRequest;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::appraisal::{PUBLISH, appraisal, record};
use crate::db_test;
use crate::support::{TestApp, create_consultancy};

/// The public ranking page: only what the frozen lines hold.
const PAGE: &str = "query Page($y: Int!, $first: Int, $offset: Int!) { consultancyRanking(year: $y) { year published entryCount entries(first: $first, offset: $offset) { position rank total grade consultancy { name creditCode } } } }";

/// How many answers the instance served as kept.
async fn served_kept(app: &TestApp) -> u64 {
    let (_, _, body) = app.send(TestRequest::get().uri("/metrics")).await;
    let text = String::from_utf8_lossy(&body).into_owned();
    text.lines()
        .find_map(|l| l.strip_prefix("cleanprod_graphql_frozen_answers_total "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no frozen-answer counter in {text}"))
}

fn names(data: &Value) -> Vec<String> {
    data["consultancyRanking"]["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["consultancy"]["name"].as_str().unwrap_or("").to_owned())
        .collect()
}

async fn published_rankings_are_answered_as_kept(app: TestApp) {
    let admin = app.admin().await;
    let mut firms = Vec::new();
    for serial in 1..=3 {
        firms.push(create_consultancy(&app, &admin, serial).await);
    }
    for (firm, score) in [(&firms[0], "70"), (&firms[1], "90")] {
        record(&app, &admin, appraisal(firm, 2025, [score; 5], json!([]))).await;
    }
    let whole = json!({ "y": 2025, "first": null, "offset": 0 });

    // Provisional: the administrator's answers are never kept, so a new appraisal shows.
    let provisional = app.ok(Some(&admin), PAGE, whole.clone()).await;
    assert_eq!(provisional["consultancyRanking"]["published"], false);
    app.ok(Some(&admin), PAGE, whole.clone()).await;
    record(
        &app,
        &admin,
        appraisal(&firms[2], 2025, ["80"; 5], json!([])),
    )
    .await;
    let provisional = app.ok(Some(&admin), PAGE, whole.clone()).await;
    assert_eq!(names(&provisional), ["咨询机构2", "咨询机构3", "咨询机构1"]);
    let (code, _) = app.err(None, PAGE, whole.clone()).await;
    assert_eq!(code, "NOT_FOUND");
    assert_eq!(served_kept(&app).await, 0);

    app.ok(Some(&admin), PUBLISH, json!({ "y": 2025 })).await;
    let first = app.ok(None, PAGE, whole.clone()).await;
    assert_eq!(first["consultancyRanking"]["published"], true);
    assert_eq!(names(&first), ["咨询机构2", "咨询机构3", "咨询机构1"]);
    // The first read loaded the published ranking into the instance; the second is kept.
    assert_eq!(app.ok(None, PAGE, whole.clone()).await, first);
    let before = served_kept(&app).await;
    assert_eq!(before, 0);
    // The same answer again, for anyone: anonymous, the administrator, a firm.
    let firm = app.consultancy_user(&firms[0]["id"]).await;
    for token in [None, Some(admin.as_str()), Some(firm.as_str())] {
        assert_eq!(app.ok(token, PAGE, whole.clone()).await, first, "{token:?}");
    }
    assert_eq!(served_kept(&app).await, before + 3);

    // Variables are part of what is kept: each page is its own answer.
    let page = |offset: i64| json!({ "y": 2025, "first": 1, "offset": offset });
    for _ in 0..2 {
        assert_eq!(names(&app.ok(None, PAGE, page(0)).await), ["咨询机构2"]);
        assert_eq!(names(&app.ok(None, PAGE, page(1)).await), ["咨询机构3"]);
    }
    assert_eq!(served_kept(&app).await, before + 5);

    // A persisted query sent by its hash alone is served the same.
    let hash = hex::encode(Sha256::digest(PAGE.as_bytes()));
    let body = json!({
        "extensions": { "persistedQuery": { "version": 1, "sha256Hash": hash } },
        "variables": whole,
    });
    let (_, _, answer) = app
        .send(
            TestRequest::post()
                .uri("/graphql")
                .insert_header(("content-type", "application/json"))
                .set_payload(body.to_string()),
        )
        .await;
    let answer: Value = serde_json::from_slice(&answer).expect("JSON");
    assert_eq!(answer["data"], first);
    assert_eq!(served_kept(&app).await, before + 6);

    // Anything the frozen lines do not hold is executed each time: the scheme, the city.
    let with_scheme = "query($y: Int!) { consultancyRanking(year: $y) { year scheme { year } } }";
    let with_city = "query($y: Int!) { consultancyRanking(year: $y) { entries { consultancy { city { name } } } } }";
    for query in [with_scheme, with_city] {
        for _ in 0..2 {
            app.ok(None, query, json!({ "y": 2025 })).await;
        }
    }
    // Errors are not kept either (a page larger than the maximum).
    for _ in 0..2 {
        let (code, _) = app
            .err(None, PAGE, json!({ "y": 2025, "first": 101, "offset": 0 }))
            .await;
        assert_eq!(code, "BAD_USER_INPUT");
    }
    assert_eq!(served_kept(&app).await, before + 6);
}
db_test!(published_rankings_are_answered_as_kept);

/// The whole ranking eight times over (aliases), long enough to be worth compressing.
const LONG: &str = "{ consultancyRanking(year: 2025) { year e1: entries { ...L } e2: entries { ...L } e3: entries { ...L } e4: entries { ...L } e5: entries { ...L } e6: entries { ...L } e7: entries { ...L } e8: entries { ...L } } } fragment L on RankingEntry { position rank total grade rankChange consultancy { name creditCode } }";

fn post(query: &str, accept_encoding: Option<&str>) -> TestRequest {
    let request = TestRequest::post()
        .uri("/graphql")
        .insert_header(("content-type", "application/json"))
        .set_payload(json!({ "query": query }).to_string());
    match accept_encoding {
        Some(value) => request.insert_header(("accept-encoding", value)),
        None => request,
    }
}

fn header<'a>(headers: &'a actix_web::http::header::HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// `Vary` names `Accept-Encoding` (among what the CORS layer adds).
fn varies_by_encoding(headers: &actix_web::http::header::HeaderMap) -> bool {
    header(headers, "vary").is_some_and(|v| v.split(',').any(|n| n.trim() == "Accept-Encoding"))
}

fn gunzip(body: &[u8]) -> Value {
    let mut json = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(body), &mut json)
        .expect("a gzip body");
    serde_json::from_slice(&json).expect("JSON inside")
}

async fn kept_answers_go_compressed_to_clients_that_take_gzip(app: TestApp) {
    let admin = app.admin().await;
    for serial in 1..=3 {
        let firm = create_consultancy(&app, &admin, serial).await;
        record(&app, &admin, appraisal(&firm, 2025, ["75"; 5], json!([]))).await;
    }
    // Before publication nothing is kept, and nothing is compressed.
    let (_, headers, body) = app.send(post(LONG, Some("gzip"))).await;
    assert_eq!(header(&headers, "content-encoding"), None);
    assert!(serde_json::from_slice::<Value>(&body).is_ok());
    app.ok(Some(&admin), PUBLISH, json!({ "y": 2025 })).await;
    // The first read after publication loads the year; from the second the answer is kept.
    let plain: Value = {
        let (_, _, body) = app.send(post(LONG, None)).await;
        serde_json::from_slice(&body).expect("JSON")
    };
    let lines = plain["data"]["consultancyRanking"]["e8"]
        .as_array()
        .map(Vec::len);
    assert_eq!(lines, Some(3));

    // Kept and asked for gzip: compressed, the same answer inside, and not cached by others
    // as plain (Vary).
    let (status, headers, body) = app.send(post(LONG, Some("deflate, gzip;q=0.8"))).await;
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "content-encoding"), Some("gzip"));
    assert!(varies_by_encoding(&headers));
    assert_eq!(
        header(&headers, "cache-control"),
        None,
        "a POST is not for caches"
    );
    assert!(
        body.len() * 2 < plain.to_string().len(),
        "{} bytes",
        body.len()
    );
    assert_eq!(gunzip(&body), plain);
    // Served kept again, as the client asks.
    let (_, headers, body) = app.send(post(LONG, Some("gzip;q=0"))).await;
    assert_eq!(header(&headers, "content-encoding"), None);
    assert!(varies_by_encoding(&headers));
    assert_eq!(serde_json::from_slice::<Value>(&body).expect("JSON"), plain);

    // By GET, for shared caches too: the answer is the same for everyone.
    let encoded: String = LONG
        .bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    let (status, headers, body) = app
        .send(
            TestRequest::get()
                .uri(&format!("/graphql?query={encoded}"))
                .insert_header(("accept-encoding", "gzip"))
                .insert_header(("accept", "application/json")),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        header(&headers, "cache-control"),
        Some("public, max-age=600")
    );
    assert_eq!(gunzip(&body), plain);

    // An answer executed per request is sent as it is, whatever the client takes.
    let with_scheme = "{ consultancyRanking(year: 2025) { year scheme { year } } }";
    for _ in 0..2 {
        let (_, headers, body) = app.send(post(with_scheme, Some("gzip"))).await;
        assert_eq!(header(&headers, "content-encoding"), None);
        assert_eq!(header(&headers, "cache-control"), None);
        let answer: Value = serde_json::from_slice(&body).expect("JSON");
        assert_eq!(answer["data"]["consultancyRanking"]["year"], 2025);
    }
}
db_test!(kept_answers_go_compressed_to_clients_that_take_gzip);
