//! Pure domain rules: no I/O, no database; unit-tested here.

pub mod admission;
pub mod checksum;
pub mod expert_status;
pub mod mandatory;
pub mod masking;
pub mod scale;
pub mod appraisal;
pub mod audit_lifecycle;
pub mod deadlines;
pub mod ranking;
pub mod summary;
pub mod training;
pub mod draw;
pub mod eligibility;
pub mod expert_review;
