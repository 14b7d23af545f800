//! Pure domain rules: no I/O, no database; unit-tested here.

pub mod admission;
pub mod appraisal;
pub mod appraisal_signs;
pub mod audit_lifecycle;
pub mod checksum;
pub mod consultancy;
pub mod deadlines;
pub mod delivery;
pub mod directory;
pub mod documents;
pub mod draw;
pub mod draw_record;
pub mod eligibility;
pub mod expert_review;
pub mod expert_status;
pub mod mandatory;
pub mod masking;
pub mod meetings;
pub mod opinions;
pub mod ranking;
pub mod reminders;
pub mod scale;
pub mod seats;
pub mod summary;
pub mod training;
pub mod violation_publication;
