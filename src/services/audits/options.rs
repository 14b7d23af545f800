//! Improvement options (清洁生产方案) of an audit: added and edited until the round ends, with the
//! amounts exact and whether each needs acceptance.
//!
//! Part of the audit service: it shares the audit's types, storage and step helpers of
//! `audits` (hence the glob import of the parent module).

use super::*;

pub async fn find_option(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> AppResult<improvement_option::Model> {
    crate::services::find_or_not_found::<improvement_option::Entity>(db, "ImprovementOption", id)
        .await
}

/// Options are kept by the audit's city and province, and by the consultancy that holds it;
/// an accepted audit's options are final.
fn require_edit_options(viewer: &Viewer, audit: &audit::Model) -> AppResult<()> {
    let holds = audit
        .consultancy_id
        .is_some_and(|id| viewer.is_consultancy(id))
        || viewer.is_enterprise(audit.enterprise_id);
    if !holds {
        viewer.require_city(&audit.city_code)?;
    }
    if audit.closed {
        return Err(AppError::bad_input(
            "auditId",
            "the audit is accepted; its options are final",
        ));
    }
    Ok(())
}

/// What the API calls each amount, in the order of [`OptionAmounts::into_array`].
const AMOUNT_FIELDS: [&str; 11] = [
    "investment",
    "economicBenefit",
    "energyTce",
    "waterT",
    "codT",
    "ammoniaNitrogenT",
    "so2T",
    "noxT",
    "particulatesT",
    "vocsT",
    "co2T",
];

impl<T> OptionAmounts<T> {
    /// The amounts in one order, that of [`set_amounts`] and [`stored_of`].
    fn into_array(self) -> [T; 11] {
        [
            self.investment,
            self.economic_benefit,
            self.energy_tce,
            self.water_t,
            self.cod_t,
            self.ammonia_nitrogen_t,
            self.so2_t,
            self.nox_t,
            self.particulates_t,
            self.vocs_t,
            self.co2_t,
        ]
    }
}

/// The stored form of an option's amounts, checked field by field.
fn stored_amounts(amounts: [Decimal; 11]) -> AppResult<[i64; 11]> {
    let mut stored = [0; 11];
    for ((slot, field), amount) in stored.iter_mut().zip(AMOUNT_FIELDS).zip(amounts) {
        *slot = to_stored(field, amount)?;
    }
    Ok(stored)
}

/// The stored amounts of an option, in the order of `OptionTotals::amounts`.
pub(crate) fn stored_of(o: &improvement_option::Model) -> [i64; 11] {
    [
        o.investment,
        o.economic_benefit,
        o.energy_tce,
        o.water_t,
        o.cod_t,
        o.ammonia_nitrogen_t,
        o.so2_t,
        o.nox_t,
        o.particulates_t,
        o.vocs_t,
        o.co2_t,
    ]
}

/// The acceptance fields of an option, checked together: another department's acceptance
/// counts only for a technical retrofit, and then its department and conclusion are recorded.
fn check_acceptance_fields(
    technical_retrofit: bool,
    accepted_by_other_department: bool,
    other_department: Option<String>,
    conclusion: Option<String>,
) -> AppResult<(Option<String>, Option<String>)> {
    let department = optional_text("otherDepartment", other_department, 200)?;
    let conclusion = optional_text("otherDepartmentConclusion", conclusion, 2000)?;
    if !accepted_by_other_department {
        if department.is_some() || conclusion.is_some() {
            return Err(AppError::bad_input(
                "acceptedByOtherDepartment",
                "a department's conclusion is recorded only when it accepted the retrofit",
            ));
        }
        return Ok((None, None));
    }
    if !technical_retrofit {
        return Err(AppError::bad_input(
            "acceptedByOtherDepartment",
            "only a technical retrofit can have another department's acceptance",
        ));
    }
    let department = department.ok_or_else(|| {
        AppError::bad_input(
            "otherDepartment",
            "name the department that accepted the retrofit",
        )
    })?;
    let conclusion = conclusion.ok_or_else(|| {
        AppError::bad_input(
            "otherDepartmentConclusion",
            "record that department's acceptance conclusion",
        )
    })?;
    Ok((Some(department), Some(conclusion)))
}

fn set_amounts(active: &mut improvement_option::ActiveModel, a: [i64; 11]) {
    active.investment = Set(a[0]);
    active.economic_benefit = Set(a[1]);
    active.energy_tce = Set(a[2]);
    active.water_t = Set(a[3]);
    active.cod_t = Set(a[4]);
    active.ammonia_nitrogen_t = Set(a[5]);
    active.so2_t = Set(a[6]);
    active.nox_t = Set(a[7]);
    active.particulates_t = Set(a[8]);
    active.vocs_t = Set(a[9]);
    active.co2_t = Set(a[10]);
}

pub async fn add_option(
    db: &DatabaseConnection,
    viewer: &Viewer,
    audit_id: Uuid,
    input: NewOption,
) -> AppResult<improvement_option::Model> {
    viewer.require_user()?;
    let audit = find(db, audit_id).await?;
    require_edit_options(viewer, &audit)?;
    let title = required_text("title", &input.title, 200)?;
    let amounts = stored_amounts(input.amounts.into_array())?;
    let (department, conclusion) = check_acceptance_fields(
        input.technical_retrofit,
        input.accepted_by_other_department,
        input.other_department,
        input.other_department_conclusion,
    )?;
    let needs = option_needs_acceptance(
        input.kind,
        input.technical_retrofit,
        input.accepted_by_other_department,
    );
    let now = Utc::now();
    let mut active = improvement_option::ActiveModel {
        id: Set(Uuid::now_v7()),
        audit_id: Set(audit_id),
        kind: Set(input.kind),
        title: Set(title),
        implemented: Set(input.implemented),
        technical_retrofit: Set(input.technical_retrofit),
        accepted_by_other_department: Set(input.accepted_by_other_department),
        other_department: Set(department),
        other_department_conclusion: Set(conclusion),
        needs_acceptance: Set(needs.as_str().to_owned()),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    set_amounts(&mut active, amounts);
    let txn = begin_write(db).await?;
    let operation = ("addImprovementOption", "ImprovementOption");
    audit_log::commit_insert(
        txn,
        viewer,
        operation,
        active,
        |created| json!({ "auditId": audit_id, "kind": created.kind, "title": created.title }),
    )
    .await
}

pub async fn update_option(
    db: &DatabaseConnection,
    viewer: &Viewer,
    option_id: Uuid,
    patch: OptionPatch,
    expected_version: i32,
) -> AppResult<improvement_option::Model> {
    viewer.require_user()?;
    let current = find_option(db, option_id).await?;
    let audit = find(db, current.audit_id).await?;
    require_edit_options(viewer, &audit)?;
    versioned::expect_version::<improvement_option::Entity>(current.version, expected_version)?;
    let kind: OptionKind = match patch.kind {
        Some(k) => k,
        None => current.kind,
    };
    let title = match &patch.title {
        Some(t) => required_text("title", t, 200)?,
        None => current.title.clone(),
    };
    // An amount left out keeps its stored value, checked again with the others.
    let (given, kept) = (patch.amounts.into_array(), stored_of(&current));
    let amounts = stored_amounts(std::array::from_fn(|i| {
        given[i].unwrap_or_else(|| crate::services::amounts::from_stored(kept[i]))
    }))?;
    let retrofit = patch
        .technical_retrofit
        .unwrap_or(current.technical_retrofit);
    let other = patch
        .accepted_by_other_department
        .unwrap_or(current.accepted_by_other_department);
    // Turning the other department's acceptance off drops its record unless given again.
    let keep = |new: &Option<String>, old: &Option<String>| {
        if other {
            new.clone().or_else(|| old.clone())
        } else {
            new.clone()
        }
    };
    let (department, conclusion) = check_acceptance_fields(
        retrofit,
        other,
        keep(&patch.other_department, &current.other_department),
        keep(
            &patch.other_department_conclusion,
            &current.other_department_conclusion,
        ),
    )?;
    let needs = option_needs_acceptance(kind, retrofit, other);
    let mut active: improvement_option::ActiveModel = current.clone().into();
    active.kind = Set(kind);
    active.title = Set(title);
    set_amounts(&mut active, amounts);
    active.implemented = Set(patch.implemented.unwrap_or(current.implemented));
    active.technical_retrofit = Set(retrofit);
    active.accepted_by_other_department = Set(other);
    active.other_department = Set(department);
    active.other_department_conclusion = Set(conclusion);
    active.needs_acceptance = Set(needs.as_str().to_owned());
    active.version = Set(expected_version + 1);
    active.updated_at = Set(Utc::now());
    let txn = begin_write(db).await?;
    versioned::commit_update::<improvement_option::Entity>(
        txn,
        viewer,
        ("updateImprovementOption", "ImprovementOption"),
        active,
        (option_id, expected_version),
        |updated| json!({ "auditId": updated.audit_id, "version": updated.version }),
    )
    .await
}
