//! Who changes the mandatory directory (名录总库), and when a change makes sense.
//!
//! The plan: the province keeps the directory; each city may apply every year to update it.
//! A city applies to add an enterprise or to remove one (closed, moved, changed industry,
//! merged, other — with a reason in words); the province approves or refuses, and may still
//! add or remove an enterprise itself.

use crate::domain::{DirectoryAction, DirectoryApplicationStatus, DirectoryReasonKind};

/// Why a directory change or decision is refused; each names the input field at fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DirectoryRuleError {
    #[error("the enterprise is in the directory already")]
    AlreadyIn,
    #[error("the enterprise is not in the directory")]
    NotIn,
    #[error("a removal needs a reason kind")]
    ReasonKindRequired,
    #[error("{0} is not a reason to add an enterprise")]
    NotAReasonToAdd(DirectoryReasonKind),
    #[error("a removal takes no sinceYear")]
    SinceYearOnRemoval,
    #[error("a refusal needs a reason")]
    RefusalWithoutReason,
    #[error("the application is {0} already")]
    AlreadyDecided(DirectoryApplicationStatus),
}

impl DirectoryRuleError {
    /// The input field the error is about (BAD_USER_INPUT's `field`).
    pub fn field(self) -> &'static str {
        match self {
            DirectoryRuleError::AlreadyIn | DirectoryRuleError::NotIn => "enterpriseId",
            DirectoryRuleError::ReasonKindRequired | DirectoryRuleError::NotAReasonToAdd(_) => {
                "reasonKind"
            }
            DirectoryRuleError::SinceYearOnRemoval => "sinceYear",
            DirectoryRuleError::RefusalWithoutReason => "reason",
            DirectoryRuleError::AlreadyDecided(_) => "id",
        }
    }
}

/// Whether `action` fits an enterprise that is (or is not) `in_directory`, with the reason
/// kind and year given. Closing down is never a reason to join; moving in, a change of
/// industry or a merger may be.
pub fn check_change(
    action: DirectoryAction,
    in_directory: bool,
    reason_kind: Option<DirectoryReasonKind>,
    since_year_given: bool,
) -> Result<(), DirectoryRuleError> {
    match action {
        DirectoryAction::Add => {
            if in_directory {
                return Err(DirectoryRuleError::AlreadyIn);
            }
            if reason_kind == Some(DirectoryReasonKind::Closed) {
                return Err(DirectoryRuleError::NotAReasonToAdd(
                    DirectoryReasonKind::Closed,
                ));
            }
        }
        DirectoryAction::Remove => {
            if !in_directory {
                return Err(DirectoryRuleError::NotIn);
            }
            if reason_kind.is_none() {
                return Err(DirectoryRuleError::ReasonKindRequired);
            }
            if since_year_given {
                return Err(DirectoryRuleError::SinceYearOnRemoval);
            }
        }
    }
    Ok(())
}

/// Whether an application in `status` may be decided now: once only, and a refusal says why.
pub fn check_decision(
    status: DirectoryApplicationStatus,
    approve: bool,
    reason_given: bool,
) -> Result<(), DirectoryRuleError> {
    if status != DirectoryApplicationStatus::Pending {
        return Err(DirectoryRuleError::AlreadyDecided(status));
    }
    if !approve && !reason_given {
        return Err(DirectoryRuleError::RefusalWithoutReason);
    }
    Ok(())
}

/// The status a decision gives.
pub fn decided_status(approve: bool) -> DirectoryApplicationStatus {
    if approve {
        DirectoryApplicationStatus::Approved
    } else {
        DirectoryApplicationStatus::Refused
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use DirectoryAction::*;
    use DirectoryReasonKind::*;

    #[test]
    fn adding_needs_an_enterprise_outside_and_a_reason_to_join() {
        assert_eq!(check_change(Add, false, None, true), Ok(()));
        assert_eq!(check_change(Add, false, Some(Moved), false), Ok(()));
        assert_eq!(
            check_change(Add, true, None, true),
            Err(DirectoryRuleError::AlreadyIn)
        );
        let closed = check_change(Add, false, Some(Closed), true);
        assert_eq!(closed, Err(DirectoryRuleError::NotAReasonToAdd(Closed)));
        assert_eq!(closed.map_err(|e| e.field()), Err("reasonKind"));
    }

    #[test]
    fn removing_needs_a_member_and_a_reason_kind() {
        for kind in DirectoryReasonKind::ALL {
            assert_eq!(check_change(Remove, true, Some(*kind), false), Ok(()));
        }
        assert_eq!(
            check_change(Remove, false, Some(Closed), false),
            Err(DirectoryRuleError::NotIn)
        );
        assert_eq!(
            check_change(Remove, true, None, false),
            Err(DirectoryRuleError::ReasonKindRequired)
        );
        assert_eq!(
            check_change(Remove, true, Some(Merged), true),
            Err(DirectoryRuleError::SinceYearOnRemoval)
        );
    }

    #[test]
    fn a_decision_is_made_once_and_a_refusal_says_why() {
        use DirectoryApplicationStatus::*;
        assert_eq!(check_decision(Pending, true, false), Ok(()));
        assert_eq!(check_decision(Pending, false, true), Ok(()));
        assert_eq!(
            check_decision(Pending, false, false),
            Err(DirectoryRuleError::RefusalWithoutReason)
        );
        assert_eq!(
            check_decision(Approved, true, true),
            Err(DirectoryRuleError::AlreadyDecided(Approved))
        );
        assert_eq!(
            check_decision(Refused, false, true).map_err(|e| e.field()),
            Err("id")
        );
        assert_eq!(decided_status(true), Approved);
        assert_eq!(decided_status(false), Refused);
    }
}
