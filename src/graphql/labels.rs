//! The Chinese labels of every domain enum, in one uniform shape, for front ends to show
//! (reference data: anyone may read it). Generated from `domain::ENUM_LABELS`, the registry
//! the enums are declared into, so a new enum or value needs nothing here.

use async_graphql::{Object, Result, SimpleObject};

use crate::domain::{ENUM_LABELS, EnumLabelSet};
use crate::error::AppError;

/// One value of an enum with its label.
#[derive(SimpleObject)]
pub struct EnumValueLabel {
    /// The GraphQL enum value, e.g. `NOTIFIED`.
    pub value: &'static str,
    /// Its Chinese label, e.g. 已通知.
    pub label: &'static str,
}

/// An enum of the schema with the labels of all its values, in declaration order.
pub struct EnumLabels(&'static EnumLabelSet);

#[Object]
impl EnumLabels {
    /// The GraphQL enum's name, e.g. `AuditStatus`.
    async fn name(&self) -> &'static str {
        self.0.name
    }
    async fn values(&self) -> Vec<EnumValueLabel> {
        self.0
            .values
            .iter()
            .map(|&(value, label)| EnumValueLabel { value, label })
            .collect()
    }
}

/// The enums asked for, in the order asked (repeats once), or all of them; an unknown name is
/// the client's mistake.
fn select(names: Option<Vec<String>>) -> Result<Vec<&'static EnumLabelSet>, AppError> {
    let Some(names) = names else {
        return Ok(ENUM_LABELS.iter().collect());
    };
    let mut chosen: Vec<&'static EnumLabelSet> = Vec::with_capacity(names.len());
    for name in &names {
        let set = ENUM_LABELS
            .iter()
            .find(|set| set.name == name.trim())
            .ok_or_else(|| AppError::bad_input("enums", format!("unknown enum {name}")))?;
        if !chosen.iter().any(|c| c.name == set.name) {
            chosen.push(set);
        }
    }
    Ok(chosen)
}

#[derive(Default)]
pub struct LabelQuery;

#[Object]
impl LabelQuery {
    /// The Chinese labels of the domain enums (`enums`: their names, e.g. `["AuditStatus"]`;
    /// all when absent). Public reference data.
    async fn enum_labels(&self, enums: Option<Vec<String>>) -> Result<Vec<EnumLabels>> {
        Ok(select(enums)?.into_iter().map(EnumLabels).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_has_a_label() {
        for set in ENUM_LABELS {
            assert!(!set.values.is_empty(), "{}", set.name);
            for (value, label) in set.values {
                assert!(!label.trim().is_empty(), "{}.{value}", set.name);
            }
        }
    }

    #[test]
    fn names_are_unique_and_selected_in_order() {
        let mut names: Vec<&str> = ENUM_LABELS.iter().map(|s| s.name).collect();
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), count);
        let chosen = select(Some(vec![
            "SeatStatus".into(),
            "AuditStatus".into(),
            "SeatStatus".into(),
        ]))
        .expect("known enums");
        let chosen: Vec<&str> = chosen.iter().map(|s| s.name).collect();
        assert_eq!(chosen, ["SeatStatus", "AuditStatus"]);
        assert!(select(Some(vec!["NoSuchEnum".into()])).is_err());
    }
}
