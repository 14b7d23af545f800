//! Pure domain rules: no I/O, no database; unit-tested here.

pub mod admission;
pub mod appraisal;
pub mod appraisal_signs;
pub mod assessment;
pub mod audit_lifecycle;
pub mod checksum;
pub mod city_summary;
pub mod consultancy;
pub mod deadlines;
pub mod delegation;
pub mod delivery;
pub mod directory;
pub mod documents;
pub mod draw;
pub mod draw_record;
pub mod eligibility;
pub mod expert_review;
pub mod expert_status;
pub mod figures;
pub mod finding_confirmation;
pub mod mandatory;
pub mod masking;
pub mod meetings;
pub mod notices;
pub mod opinions;
pub mod ranking;
pub mod reminders;
pub mod result_publication;
pub mod scale;
pub mod seats;
pub mod slot_matching;
pub mod summary;
pub mod training;
pub mod violation_publication;

/// A calendar date, for the rules' tests.
#[cfg(test)]
pub(crate) fn test_date(year: i32, month: u32, day: u32) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(year, month, day).expect("valid test date")
}
