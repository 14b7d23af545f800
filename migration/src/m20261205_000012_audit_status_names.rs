//! Audit statuses that say what happened: EVALUATED and ACCEPTED no longer carry a pass or a
//! fail beside them. EVALUATED becomes EVALUATION_PASSED or EVALUATION_FAILED, a failed
//! ACCEPTED becomes ACCEPTANCE_FAILED (ACCEPTED now means passed), on the audits and in their
//! histories. CLOSED_ON_EVALUATION (精简验收内容) is new and needs no rows changed.
//!
//! In a history row the outcome is the event's: a transition *to* a status carries that
//! status's outcome, and one that leaves the status unchanged (an extension, a disclosure)
//! carries the current outcome. A row *from* EVALUATED is a corrected report (so the
//! evaluation had failed), an acceptance (so it had passed), or an unchanged status; a row
//! from ACCEPTED was a failed acceptance (a passed one was final).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const STATEMENTS: &[&str] = &[
    "UPDATE audits SET status = CASE WHEN last_outcome = 'FAILED' THEN 'EVALUATION_FAILED' \
     ELSE 'EVALUATION_PASSED' END WHERE status = 'EVALUATED'",
    "UPDATE audits SET status = 'ACCEPTANCE_FAILED' WHERE status = 'ACCEPTED' \
     AND last_outcome = 'FAILED'",
    "UPDATE audit_transitions SET from_status = CASE \
     WHEN event = 'SUBMIT_REPORT' THEN 'EVALUATION_FAILED' \
     WHEN event = 'RECORD_ACCEPTANCE' THEN 'EVALUATION_PASSED' \
     WHEN outcome = 'FAILED' THEN 'EVALUATION_FAILED' \
     ELSE 'EVALUATION_PASSED' END WHERE from_status = 'EVALUATED'",
    "UPDATE audit_transitions SET from_status = 'ACCEPTANCE_FAILED' WHERE from_status = 'ACCEPTED'",
    "UPDATE audit_transitions SET to_status = CASE WHEN outcome = 'FAILED' \
     THEN 'EVALUATION_FAILED' ELSE 'EVALUATION_PASSED' END WHERE to_status = 'EVALUATED'",
    "UPDATE audit_transitions SET to_status = 'ACCEPTANCE_FAILED' WHERE to_status = 'ACCEPTED' \
     AND outcome = 'FAILED'",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for statement in STATEMENTS {
            db.execute_unprepared(statement).await?;
        }
        Ok(())
    }
}
