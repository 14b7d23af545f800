//! Delegating an audit's evaluation and acceptance to a county (委托县级开展).
//!
//! The plan: those of energy, steel, coking and coal chemicals, building materials,
//! nonferrous, chemicals and industrial coating enterprises are the city's (原则上由市生态环境局
//! 负责); the others the city may run itself or delegate to the county. The reference data
//! marks the first kind (`sectors.reviews_stay_with_city`); an enterprise outside the
//! catalogue's sectors stays with the city too, since nothing says it may go.

/// What an audit offered for delegation looks like to the rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DelegableAudit<'a> {
    /// Whether the enterprise's sector keeps its reviews with the city (`None`: no sector).
    pub stays_with_city: Option<bool>,
    pub closed: bool,
    /// The enterprise's county as the directory names it.
    pub county: &'a str,
    /// The county it is delegated to already, if any.
    pub delegated_to: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DelegationError {
    #[error("the plan keeps this sector's evaluation and acceptance with the city")]
    KeySector,
    #[error("the enterprise has no sector of the catalogue, so its reviews stay with the city")]
    NoSector,
    #[error("the audit is closed")]
    Closed,
    #[error("the enterprise has no county in the directory")]
    NoCounty,
    #[error("already delegated to its county")]
    AlreadyDelegated,
}

impl DelegationError {
    /// Whether a list-wide delegation passes the audit over rather than failing: audits that
    /// stay with the city, or are delegated already, are simply not delegated again.
    pub fn skipped_by_list(&self) -> bool {
        matches!(
            self,
            DelegationError::KeySector
                | DelegationError::NoSector
                | DelegationError::Closed
                | DelegationError::AlreadyDelegated
        )
    }
}

/// The county an audit's reviews may be delegated to, or why not.
pub fn delegable_to<'a>(facts: &DelegableAudit<'a>) -> Result<&'a str, DelegationError> {
    match facts.stays_with_city {
        None => return Err(DelegationError::NoSector),
        Some(true) => return Err(DelegationError::KeySector),
        Some(false) => {}
    }
    if facts.closed {
        return Err(DelegationError::Closed);
    }
    let county = facts.county.trim();
    if county.is_empty() {
        return Err(DelegationError::NoCounty);
    }
    if facts.delegated_to == Some(county) {
        return Err(DelegationError::AlreadyDelegated);
    }
    Ok(county)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(stays: Option<bool>) -> DelegableAudit<'static> {
        DelegableAudit {
            stays_with_city: stays,
            closed: false,
            county: " 清徐县 ",
            delegated_to: None,
        }
    }

    #[test]
    fn other_sectors_go_to_the_enterprises_county() {
        assert_eq!(delegable_to(&facts(Some(false))), Ok("清徐县"));
    }

    #[test]
    fn key_sectors_and_sectorless_enterprises_stay_with_the_city() {
        assert_eq!(
            delegable_to(&facts(Some(true))),
            Err(DelegationError::KeySector)
        );
        assert_eq!(delegable_to(&facts(None)), Err(DelegationError::NoSector));
    }

    #[test]
    fn closed_countyless_and_delegated_audits_are_refused() {
        let closed = DelegableAudit {
            closed: true,
            ..facts(Some(false))
        };
        assert_eq!(delegable_to(&closed), Err(DelegationError::Closed));
        let countyless = DelegableAudit {
            county: "  ",
            ..facts(Some(false))
        };
        assert_eq!(delegable_to(&countyless), Err(DelegationError::NoCounty));
        let again = DelegableAudit {
            delegated_to: Some("清徐县"),
            ..facts(Some(false))
        };
        assert_eq!(delegable_to(&again), Err(DelegationError::AlreadyDelegated));
        // Delegated elsewhere (the enterprise moved county): it may follow the enterprise.
        let moved = DelegableAudit {
            delegated_to: Some("阳曲县"),
            ..facts(Some(false))
        };
        assert_eq!(delegable_to(&moved), Ok("清徐县"));
    }

    #[test]
    fn a_list_passes_over_what_stays_with_the_city_but_not_a_missing_county() {
        assert!(DelegationError::KeySector.skipped_by_list());
        assert!(DelegationError::AlreadyDelegated.skipped_by_list());
        assert!(!DelegationError::NoCounty.skipped_by_list());
    }
}
