//! Every mutation writes its audit-log entry, mechanically: the mutation names come from
//! the schema itself, a scenario made of the suite's own flows runs them all (each on a
//! fresh database), and every name must then appear as an entry's `operation`. A new
//! mutation fails this test until a flow below runs it and it writes its entry; a mutation
//! that forgets the audit log fails it for good. No entry's summary may carry a password,
//! a token or a clear ID-card or phone number.

use std::collections::BTreeSet;
use std::future::Future;
use std::pin::Pin;

use entity::audit_log;
use sea_orm::{DbBackend, EntityTrait};
use serde_json::{Value, json};

use crate::db_test;
use crate::support::{ADMIN_PASSWORD, TestApp, USER_PASSWORD, fresh_pg_database};

/// Mutations that write no audit entry, and why. `login` changes no registry data; sign-ins
/// and lock-outs go to the service log (`tracing`), and failures to `login_failures`.
/// `markNotificationsRead` changes only the reader's own read marks.
const NOT_AUDITED: &[&str] = &["login", "markNotificationsRead"];

type Flow = fn(TestApp) -> Pin<Box<dyn Future<Output = ()>>>;

/// The suite's flows that, between them, run every mutation successfully.
macro_rules! flows {
    ($($module:ident :: $name:ident),* $(,)?) => {
        vec![$((
            concat!(stringify!($module), "::", stringify!($name)),
            (|app| Box::pin(crate::$module::$name(app))) as Flow,
        )),*]
    };
}

fn scenario() -> Vec<(&'static str, Flow)> {
    flows![
        access::change_password_revokes_old_tokens,
        hardening::role_changes_and_disabling_revoke_tokens,
        experts::update_with_versions_and_roles,
        experts::conflicts_and_unavailability,
        enterprises::update_with_versions_scale_and_cities,
        enterprises::directory_membership_and_cycle,
        directory_applications::apply_decide_and_the_history,
        directory_applications::the_province_acts_directly,
        city_summaries::submit_return_resubmit_receive,
        assessment::set_score_and_finalise,
        enterprises::import_all_or_nothing_and_good_rows_only,
        annual_lists::draft_submit_return_approve_publish,
        annual_lists::simplified_audits_follow_the_lists_path,
        county::a_list_is_delegated_where_the_plan_allows,
        consultancies::update_by_province_and_own_firm,
        consultancies::status_moves_with_history,
        consultancies::staff_move_between_firms,
        audits::the_machine_with_deadlines_and_history,
        audits::improvement_options_exact_and_checked,
        enterprise_users::the_enterprise_discloses_starts_and_reports_on_its_own,
        enterprise_users::extensions_are_applied_for_and_decided,
        training::update_and_cancel,
        training::bulk_records_are_all_or_nothing,
        training::plan_and_its_fulfilment,
        appraisal::a_year_from_scheme_to_published_reports,
        violations::recorded_published_and_public,
        violations::withdrawn_and_expired_leave_public_view,
        panels::replacement_is_a_new_verifiable_round,
        panels::attendance_ratings_and_the_experts_year,
        rechecks::the_yearly_sample_and_a_recheck_panel,
        rechecks::findings_trace_back_and_are_seen_by_those_concerned,
        documents::uploaded_published_and_withdrawn,
        reviews::the_review_is_a_meeting,
        panels::sealed_until_the_review,
        opinion_sheets::check_in_at_the_venue_and_no_shows,
        notifications::experts_hear_of_invitations_and_changes,
        notification_delivery::every_delivery_operation,
        publications::results_and_findings_are_published_and_frozen,
        finding_confirmation::recorded_answered_confirmed_or_withdrawn_then_published,
    ]
}

/// Runs `flow` on a fresh database of `backend` and returns the audit log it left.
async fn audit_log_after(backend: DbBackend, flow: Flow) -> Vec<audit_log::Model> {
    // The guard keeps the flow's database after the flow has dropped its app.
    let (url, guard): (String, Box<dyn std::any::Any>) = match backend {
        DbBackend::Postgres => {
            let (url, guard) = fresh_pg_database().await.expect("a PostgreSQL database");
            (url, Box::new(guard))
        }
        _ => {
            let dir = tempfile::tempdir().expect("temporary folder");
            let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
            (url, Box::new(dir))
        }
    };
    flow(TestApp::at_url(&url).await).await;
    let db = cleanprod::db::connect(&url).await.expect("reopen");
    let entries = audit_log::Entity::find()
        .all(&db)
        .await
        .expect("the audit log");
    let _ = db.close().await;
    drop(guard);
    entries
}

async fn mutation_names(app: &TestApp) -> BTreeSet<String> {
    let schema = app
        .ok(
            None,
            "{ __schema { mutationType { fields { name } } } }",
            json!({}),
        )
        .await;
    schema["__schema"]["mutationType"]["fields"]
        .as_array()
        .expect("mutation fields")
        .iter()
        .map(|f| f["name"].as_str().expect("name").to_owned())
        .collect()
}

/// Runs of ASCII digits (an `X` may end one), as they stand in `text`.
/// Words made of digits (and an ID card's X) alone: digits inside a longer word (a generated
/// username's hex, an id) are not a number someone could read off.
fn digit_runs(text: &str) -> Vec<&str> {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| {
            !word.is_empty()
                && word
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == 'X' || c == 'x')
        })
        .collect()
}

/// Why `summary` leaks a secret, if it does: a value under a key naming one (a flag such as
/// `tokensRevoked` is fine), a test password, or a clear ID-card number (18 characters, 17
/// digits and a check digit or X) or mobile number (11 digits from 1).
fn leak(summary: &str) -> Option<String> {
    let value: Value = serde_json::from_str(summary).ok()?;
    let mut fields = Vec::new();
    collect_fields(&value, &mut fields);
    for (key, value) in fields {
        let lower = key.to_lowercase();
        let secret_key = ["password", "token", "secret", "idcard", "phone", "hmac"]
            .iter()
            .any(|s| lower.contains(s));
        if secret_key && (value.is_string() || value.is_number()) {
            return Some(format!("a value under {key}"));
        }
    }
    for password in [ADMIN_PASSWORD, USER_PASSWORD] {
        if summary.contains(password) {
            return Some("a password".into());
        }
    }
    for run in digit_runs(summary) {
        let digits = run.chars().filter(char::is_ascii_digit).count();
        let id_card = run.len() == 18 && digits >= 17;
        let mobile = run.len() == 11 && digits == 11 && run.starts_with('1');
        if id_card || mobile {
            return Some(format!("the number {run}"));
        }
    }
    None
}

fn collect_fields<'a>(value: &'a Value, fields: &mut Vec<(&'a str, &'a Value)>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                fields.push((k, v));
                collect_fields(v, fields);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_fields(v, fields)),
        _ => {}
    }
}

async fn every_mutation_writes_its_audit_entry(app: TestApp) {
    let backend = app.state.services.db.get_database_backend();
    let mutations = mutation_names(&app).await;
    drop(app);
    let mut audited = BTreeSet::new();
    for (name, flow) in scenario() {
        for entry in audit_log_after(backend, flow).await {
            if let Some(what) = leak(&entry.summary) {
                panic!(
                    "{name}: the audit entry of {} carries {what}: {}",
                    entry.operation, entry.summary
                );
            }
            audited.insert(entry.operation);
        }
    }
    for name in NOT_AUDITED {
        assert!(
            mutations.contains(*name),
            "{name} is no longer a mutation: drop it from NOT_AUDITED"
        );
        assert!(!audited.contains(*name), "{name} is audited after all");
    }
    let missing: Vec<&String> = mutations
        .iter()
        .filter(|m| !audited.contains(*m) && !NOT_AUDITED.contains(&m.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "mutations without an audit entry after the scenario (end the mutation with \
         services::audit_log::commit, which writes the entry in its transaction, and add a \
         flow that runs it to scenario()): {missing:?}"
    );
}
db_test!(every_mutation_writes_its_audit_entry);

#[test]
fn leaks_are_recognised() {
    assert!(leak(r#"{"name":"专家1","cityCode":"140100"}"#).is_none());
    assert!(leak(r#"{"reviewId":"0190a3b2-7c1d-7e00-8000-123456789012"}"#).is_none());
    assert!(leak(r#"{"creditCode":"91140100MA00000016"}"#).is_none());
    assert!(leak(r#"{"tokensRevoked":true}"#).is_none());
    assert!(leak(r#"{"username":"city-admin-01a2ff15596162062a"}"#).is_none());
    assert!(leak(r#"{"newPassword":"x"}"#).is_some());
    assert!(leak(r#"{"id":"14010519750615123X"}"#).is_some());
    assert!(leak(r#"{"contact":"13812345678"}"#).is_some());
    assert!(leak(&format!(r#"{{"note":"{ADMIN_PASSWORD}"}}"#)).is_some());
}
