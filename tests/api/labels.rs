//! Enum labels through the API: every domain enum the schema exposes answers its values'
//! Chinese labels in one shape, for anyone; an unknown enum name is bad input.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use crate::db_test;
use crate::support::TestApp;

const SCHEMA: &str = include_str!("../../schema.graphql");
const DOMAIN: &str = include_str!("../../entity/src/domain.rs");
const LABELS: &str =
    "query($enums: [String!]) { enumLabels(enums: $enums) { name values { value label } } }";

/// The enums of the SDL with their values (descriptions skipped).
fn schema_enums() -> BTreeMap<String, BTreeSet<String>> {
    let mut enums = BTreeMap::new();
    let mut lines = SCHEMA.lines();
    while let Some(line) = lines.next() {
        let Some(name) = line
            .strip_prefix("enum ")
            .and_then(|rest| rest.strip_suffix(" {"))
        else {
            continue;
        };
        let mut values = BTreeSet::new();
        let mut in_description = false;
        for line in lines.by_ref() {
            let line = line.trim();
            if line == "}" && !in_description {
                break;
            }
            if line.starts_with("\"\"\"") {
                // A one-line description opens and closes on the same line.
                if !(line.len() > 3 && line.ends_with("\"\"\"")) {
                    in_description = !in_description;
                }
                continue;
            }
            if !in_description && !line.is_empty() {
                let value = line.split_whitespace().next().unwrap_or_default();
                values.insert(value.to_owned());
            }
        }
        enums.insert(name.to_owned(), values);
    }
    enums
}

/// The names declared with `domain_enum!` (the type name follows the doc comments).
fn domain_enum_names() -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut lines = DOMAIN.lines();
    while let Some(line) = lines.next() {
        if line.trim() != "domain_enum! {" {
            continue;
        }
        if let Some(name) = lines
            .by_ref()
            .map(str::trim)
            .find(|l| !l.starts_with("///") && !l.starts_with("#["))
            .and_then(|l| l.strip_suffix(" {"))
        {
            names.insert(name.to_owned());
        }
    }
    names
}

fn by_name(answer: &Value) -> BTreeMap<String, Vec<(String, String)>> {
    answer["enumLabels"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|set| {
            let values = set["values"]
                .as_array()
                .expect("values")
                .iter()
                .map(|v| {
                    (
                        v["value"].as_str().expect("value").to_owned(),
                        v["label"].as_str().expect("label").to_owned(),
                    )
                })
                .collect();
            (set["name"].as_str().expect("name").to_owned(), values)
        })
        .collect()
}

async fn every_domain_enum_has_its_labels(app: TestApp) {
    let schema = schema_enums();
    let domain = domain_enum_names();
    assert!(domain.len() > 40, "the parser found the domain enums");
    // Anyone may read the labels: reference data.
    let all = by_name(&app.ok(None, LABELS, json!({})).await);
    let exposed: Vec<&String> = domain.iter().filter(|n| schema.contains_key(*n)).collect();
    assert!(exposed.len() > 40, "the schema's enums were found");
    for name in exposed {
        let values = all
            .get(name)
            .unwrap_or_else(|| panic!("{name} is a domain enum of the schema without labels"));
        let answered: BTreeSet<String> = values.iter().map(|(v, _)| v.clone()).collect();
        assert_eq!(&answered, &schema[name], "{name}: the values of the schema");
        for (value, label) in values {
            assert!(!label.trim().is_empty(), "{name}.{value} has no label");
        }
    }
    for name in all.keys() {
        assert!(
            schema.contains_key(name),
            "{name} is answered but not in the schema"
        );
    }

    // The enums that had no `label` field, now labelled.
    let asked = app
        .ok(
            None,
            LABELS,
            json!({ "enums": ["SeatStatus", "AuditStatus", "ReviewKind", "SeatStatus"] }),
        )
        .await;
    let names: Vec<&str> = asked["enumLabels"]
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(names, ["SeatStatus", "AuditStatus", "ReviewKind"]);
    let asked = by_name(&asked);
    assert!(asked["AuditStatus"].contains(&("NOTIFIED".into(), "已通知".into())));
    assert!(asked["SeatStatus"].contains(&("DECLINED".into(), "已谢绝".into())));
    assert_eq!(asked["ReviewKind"][0], ("EVALUATION".into(), "评估".into()));
    for name in [
        "ExpertStatus",
        "ConsultancyStatus",
        "EnterpriseScale",
        "ViolationSeverity",
        "ViolationPublicationState",
    ] {
        assert!(all.contains_key(name), "{name}");
    }
    let admin = app.admin().await;
    let none = app.ok(Some(&admin), LABELS, json!({ "enums": [] })).await;
    assert_eq!(none["enumLabels"], json!([]));

    for enums in [json!(["NoSuchEnum"]), json!(["AuditStatus", "auditStatus"])] {
        let (code, error) = app.err(None, LABELS, json!({ "enums": enums })).await;
        assert_eq!(
            (code.as_str(), error["extensions"]["field"].as_str()),
            ("BAD_USER_INPUT", Some("enums")),
            "{error}"
        );
    }
}
db_test!(every_domain_enum_has_its_labels);
