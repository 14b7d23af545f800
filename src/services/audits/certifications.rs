//! Certifications: a voluntary clean-production certification that meets the audit requirements
//! counts as a completed audit.
//!
//! Part of the audit service: it shares the audit's types, storage and step helpers of
//! `audits` (hence the glob import of the parent module).

use super::*;

pub async fn record_certification(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: NewCertification,
) -> AppResult<certification::Model> {
    viewer.require_admin()?;
    let certified_on = past_or_today("certifiedOn", input.certified_on.unwrap_or_else(today))?;
    if input.valid_until < certified_on {
        return Err(AppError::bad_input(
            "validUntil",
            "must not be before the certification date",
        ));
    }
    let enterprise = enterprises::find(db, input.enterprise_id).await?;
    viewer.require_city(&enterprise.city_code)?;
    let txn = begin_write(db).await?;
    let created = certification::ActiveModel {
        id: Set(Uuid::now_v7()),
        enterprise_id: Set(enterprise.id),
        level: Set(input.level),
        certified_on: Set(certified_on),
        valid_until: Set(input.valid_until),
        meets_audit_requirements: Set(input.meets_audit_requirements),
        actor_id: Set(viewer.user_id()),
        created_at: Set(Utc::now()),
    }
    .insert(&txn)
    .await?;
    // 视同开展清洁生产审核: it completes the cycle as an accepted audit would.
    if input.meets_audit_requirements {
        enterprises::record_completion(&txn, enterprise.id, certified_on).await?;
    }
    audit_log::commit(
        txn,
        viewer,
        "recordCertification",
        "Certification",
        Some(created.id.to_string()),
        json!({ "enterpriseId": enterprise.id, "level": created.level, "meetsAuditRequirements": created.meets_audit_requirements }),
        )
    .await?;
    Ok(created)
}
