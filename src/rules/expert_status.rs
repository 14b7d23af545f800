//! The life of an expert in the provincial pool (dynamic management, 动态管理): a candidate
//! is admitted or not, an active expert may be suspended and reinstated, and anyone not yet
//! removed may be removed. Removal is final so that a removed expert's history stays closed;
//! a returning person is admitted again as a new candidate.

use crate::domain::ExpertStatus;

/// A status change the pool's rules do not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("an expert cannot move from {from} to {to}")]
pub struct StatusTransitionError {
    pub from: ExpertStatus,
    pub to: ExpertStatus,
}

/// The statuses an expert in `from` may move to, e.g. to offer only valid actions.
pub fn allowed_transitions(from: ExpertStatus) -> &'static [ExpertStatus] {
    use ExpertStatus::*;
    match from {
        Candidate => &[Active, Removed],
        Active => &[Suspended, Removed],
        Suspended => &[Active, Removed],
        Removed => &[],
    }
}

/// Accepts a move between two statuses or names both in the error. Staying in the same
/// status is not a move: recording it would leave a change with no effect in the history.
pub fn check_status_transition(
    from: ExpertStatus,
    to: ExpertStatus,
) -> Result<(), StatusTransitionError> {
    if allowed_transitions(from).contains(&to) {
        Ok(())
    } else {
        Err(StatusTransitionError { from, to })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ExpertStatus::*;

    #[test]
    fn every_pair_is_decided() {
        let allowed = [
            (Candidate, Active),
            (Candidate, Removed),
            (Active, Suspended),
            (Active, Removed),
            (Suspended, Active),
            (Suspended, Removed),
        ];
        let mut checked = 0;
        for &from in ExpertStatus::ALL {
            for &to in ExpertStatus::ALL {
                let result = check_status_transition(from, to);
                if allowed.contains(&(from, to)) {
                    assert_eq!(result, Ok(()), "{from} -> {to}");
                } else {
                    assert_eq!(
                        result,
                        Err(StatusTransitionError { from, to }),
                        "{from} -> {to}"
                    );
                }
                checked += 1;
            }
        }
        assert_eq!(checked, 16);
    }

    #[test]
    fn removal_is_final_and_staying_is_no_move() {
        for &to in ExpertStatus::ALL {
            assert!(check_status_transition(Removed, to).is_err());
        }
        for &s in ExpertStatus::ALL {
            assert!(check_status_transition(s, s).is_err());
        }
        assert!(check_status_transition(Candidate, Suspended).is_err());
        assert!(check_status_transition(Suspended, Candidate).is_err());
    }

    #[test]
    fn error_names_both_statuses() {
        let err = check_status_transition(Removed, Active).unwrap_err();
        assert_eq!(
            err.to_string(),
            "an expert cannot move from REMOVED to ACTIVE"
        );
    }
}
