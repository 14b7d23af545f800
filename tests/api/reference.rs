//! Public reference data, and the seeded catalogue against the provincial plan's CSV.

use serde_json::{Value, json};

use crate::db_test;
use crate::support::TestApp;

/// The plan's table as shipped in shared/reference, and the project's own copy.
fn reference_csv() -> String {
    let project = include_str!("../../migration/data/industry-catalog.csv").to_owned();
    let shared = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/reference/industry-catalog.csv"
    );
    match std::fs::read_to_string(shared) {
        Ok(text) => {
            assert_eq!(
                text, project,
                "migration/data differs from shared/reference"
            );
            text
        }
        Err(_) => {
            assert!(
                std::env::var("CI").is_err(),
                "shared/reference is missing in CI"
            );
            project
        }
    }
}

async fn seeded_catalogue_matches_the_plan(app: TestApp) {
    let data = app
        .ok(None, "{ industries { code name sector scaleRule scaleRuleLabel condition } sectors { sector label } }", json!({}))
        .await;
    let rows = data["industries"].as_array().expect("list");
    let csv = reference_csv();
    let expected: Vec<Vec<&str>> = csv
        .lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(rows.len(), 118);
    assert_eq!(expected.len(), 118);
    let sectors = data["sectors"].as_array().expect("sectors");
    assert_eq!(sectors.len(), 13);
    for (row, fields) in rows.iter().zip(&expected) {
        let sector_label = sectors
            .iter()
            .find(|s| s["sector"] == row["sector"])
            .map(|s| s["label"].as_str().unwrap_or(""))
            .unwrap_or("");
        assert_eq!(sector_label, fields[0], "sector of {}", fields[1]);
        assert_eq!(row["code"], fields[1]);
        assert_eq!(row["name"], fields[2]);
        assert_eq!(row["scaleRule"], fields[3]);
        assert_eq!(row["scaleRuleLabel"], fields[4]);
        let condition = match fields[5] {
            "" => Value::Null,
            "excludes_enterprises_without_mining_operation" => {
                json!("EXCLUDES_WITHOUT_MINING_OPERATION")
            }
            "only_enterprises_with_industrial_coating_process" => {
                json!("ONLY_WITH_COATING_PROCESS")
            }
            other => panic!("unknown condition {other}"),
        };
        assert_eq!(row["condition"], condition, "condition of {}", fields[1]);
    }
}
db_test!(seeded_catalogue_matches_the_plan);

async fn cities_and_sector_filter(app: TestApp) {
    let data = app
        .ok(
            None,
            "{ cities { code name } industries(sector: STEEL) { code sector } }",
            json!({}),
        )
        .await;
    let cities = data["cities"].as_array().expect("cities");
    assert_eq!(cities.len(), 11);
    assert_eq!(cities[0], json!({ "code": "140100", "name": "太原市" }));
    let steel = data["industries"].as_array().expect("industries");
    assert_eq!(steel.len(), 6);
    assert!(steel.iter().all(|r| r["sector"] == "STEEL"));
}
db_test!(cities_and_sector_filter);

const RULE: &str = "query($code: String!, $scale: EnterpriseScale!, $mining: Boolean, $coating: Boolean) {
  mandatoryAuditRule(industryCode: $code, scale: $scale, hasMiningOperation: $mining, hasCoatingProcess: $coating) {
    mandatory industryCode reason explanation } }";

async fn mandatory_rule_through_the_api(app: TestApp) {
    let verdict = |code: &str, scale: &str, mining: bool, coating: bool| {
        let vars = json!({ "code": code, "scale": scale, "mining": mining, "coating": coating });
        let app = &app;
        async move { app.ok(None, RULE, vars).await["mandatoryAuditRule"].clone() }
    };
    let v = verdict("0610", "SMALL", true, false).await;
    assert_eq!(
        (v["mandatory"].clone(), v["reason"].clone()),
        (json!(true), json!("MANDATORY"))
    );
    assert_eq!(v["industryCode"], "0610");
    let v = verdict("0610", "LARGE", false, false).await;
    assert_eq!(
        (v["mandatory"].clone(), v["reason"].clone()),
        (json!(false), json!("NO_MINING_OPERATION"))
    );
    let v = verdict("3670", "MEDIUM", false, true).await;
    assert_eq!(v["mandatory"], true, "division 36 with coating: {v}");
    assert_eq!(v["industryCode"], "33-43");
    let v = verdict("3670", "MEDIUM", false, false).await;
    assert_eq!(v["mandatory"], false);
    let v = verdict("9999", "LARGE", false, false).await;
    assert_eq!(
        (v["mandatory"].clone(), v["reason"].clone()),
        (json!(false), json!("NOT_IN_CATALOGUE"))
    );
    assert!(v["explanation"].as_str().is_some_and(|e| !e.is_empty()));

    let (code, error) = app
        .err(
            None,
            RULE,
            json!({ "code": "31a", "scale": "LARGE", "mining": false, "coating": false }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(error["extensions"]["field"], "industryCode");
    assert_eq!(
        app.code(None, RULE, json!({ "code": "3110", "scale": "HUGE" }))
            .await,
        "BAD_USER_INPUT",
        "a bad enum is the client's fault too"
    );
}
db_test!(mandatory_rule_through_the_api);
