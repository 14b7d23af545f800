//! Admission checks for the provincial expert pool: enough professional standing and not
//! too old on the day of appointment. The thresholds are a policy (defaults from common
//! provincial practice) so the province can change them without a code change.

use chrono::{Datelike, NaiveDate};

use crate::domain::ProfessionalTitle;

/// The admission thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdmissionPolicy {
    /// Years in the field an intermediate title needs (a senior title needs none).
    pub min_years_with_intermediate_title: u32,
    /// The age on the appointment day must be below this.
    pub max_age_exclusive: u32,
}

impl Default for AdmissionPolicy {
    fn default() -> Self {
        Self {
            min_years_with_intermediate_title: 8,
            max_age_exclusive: 70,
        }
    }
}

/// One admission requirement the applicant does not meet.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdmissionFailure {
    #[error(
        "professional title {title} is too low: a senior title, or an intermediate title with enough years in the field, is required"
    )]
    TitleTooLow { title: ProfessionalTitle },
    #[error(
        "an intermediate title needs at least {required} years in the field, the applicant has {years}"
    )]
    TooFewYears { years: u32, required: u32 },
    #[error(
        "the applicant is {age} on the appointment date {appointment_date}, experts must be under {limit}"
    )]
    TooOld {
        age: u32,
        limit: u32,
        appointment_date: NaiveDate,
    },
    #[error("the birth date {birth_date} is not before the appointment date {appointment_date}")]
    BirthNotBeforeAppointment {
        birth_date: NaiveDate,
        appointment_date: NaiveDate,
    },
}

impl AdmissionFailure {
    /// A stable name of the failed requirement, for clients that act on it.
    pub fn code(&self) -> &'static str {
        match self {
            Self::TitleTooLow { .. } => "TITLE_TOO_LOW",
            Self::TooFewYears { .. } => "TOO_FEW_YEARS",
            Self::TooOld { .. } => "TOO_OLD",
            Self::BirthNotBeforeAppointment { .. } => "BIRTH_NOT_BEFORE_APPOINTMENT",
        }
    }
}

/// Age in whole years on `day`: it goes up on the birthday; someone born on 29 February
/// turns a year older on 1 March in non-leap years. A `day` before the birth gives 0.
pub fn age_on(birth: NaiveDate, day: NaiveDate) -> u32 {
    if day <= birth {
        return 0;
    }
    let mut years = day.year() - birth.year();
    // Comparing (month, day) pairs puts 29 Feb after 28 Feb and before 1 Mar, which is
    // exactly the non-leap-year convention.
    if (day.month(), day.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    u32::try_from(years).unwrap_or(0)
}

/// Checks every admission requirement and reports all that fail, so that one answer tells
/// the admin everything to fix.
pub fn check_admission(
    policy: &AdmissionPolicy,
    title: ProfessionalTitle,
    years_in_field: u32,
    birth_date: NaiveDate,
    appointment_date: NaiveDate,
) -> Result<(), Vec<AdmissionFailure>> {
    let mut failures = Vec::new();

    match title {
        ProfessionalTitle::FullSenior | ProfessionalTitle::Senior => {}
        ProfessionalTitle::Intermediate => {
            if years_in_field < policy.min_years_with_intermediate_title {
                failures.push(AdmissionFailure::TooFewYears {
                    years: years_in_field,
                    required: policy.min_years_with_intermediate_title,
                });
            }
        }
        ProfessionalTitle::Junior | ProfessionalTitle::None => {
            failures.push(AdmissionFailure::TitleTooLow { title });
        }
    }

    if birth_date >= appointment_date {
        failures.push(AdmissionFailure::BirthNotBeforeAppointment {
            birth_date,
            appointment_date,
        });
    } else {
        let age = age_on(birth_date, appointment_date);
        if age >= policy.max_age_exclusive {
            failures.push(AdmissionFailure::TooOld {
                age,
                limit: policy.max_age_exclusive,
                appointment_date,
            });
        }
    }

    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ProfessionalTitle::{FullSenior, Intermediate, Junior, Senior};

    use crate::rules::test_date as date;

    fn check(
        title: ProfessionalTitle,
        years: u32,
        birth: NaiveDate,
        appointed: NaiveDate,
    ) -> Result<(), Vec<AdmissionFailure>> {
        check_admission(&AdmissionPolicy::default(), title, years, birth, appointed)
    }

    #[test]
    fn default_policy() {
        let policy = AdmissionPolicy::default();
        assert_eq!(policy.min_years_with_intermediate_title, 8);
        assert_eq!(policy.max_age_exclusive, 70);
    }

    #[test]
    fn age_goes_up_on_the_birthday() {
        let birth = date(1955, 6, 15);
        assert_eq!(age_on(birth, date(2025, 6, 14)), 69);
        assert_eq!(age_on(birth, date(2025, 6, 15)), 70);
        assert_eq!(age_on(birth, date(2025, 12, 31)), 70);
        assert_eq!(age_on(birth, date(2026, 1, 1)), 70);
        assert_eq!(age_on(birth, birth), 0);
        assert_eq!(age_on(birth, date(1900, 1, 1)), 0);
    }

    #[test]
    fn leap_day_birthday_counts_on_first_of_march() {
        let birth = date(2000, 2, 29);
        assert_eq!(age_on(birth, date(2001, 2, 28)), 0);
        assert_eq!(age_on(birth, date(2001, 3, 1)), 1);
        assert_eq!(age_on(birth, date(2004, 2, 28)), 3);
        assert_eq!(age_on(birth, date(2004, 2, 29)), 4);
        assert_eq!(age_on(birth, date(2070, 2, 28)), 69);
        assert_eq!(age_on(birth, date(2070, 3, 1)), 70);
    }

    #[test]
    fn senior_titles_pass_without_years() {
        let birth = date(1970, 1, 1);
        assert_eq!(check(FullSenior, 0, birth, date(2025, 1, 1)), Ok(()));
        assert_eq!(check(Senior, 0, birth, date(2025, 1, 1)), Ok(()));
    }

    #[test]
    fn intermediate_title_needs_eight_years() {
        let birth = date(1980, 5, 5);
        let day = date(2025, 3, 1);
        assert_eq!(check(Intermediate, 8, birth, day), Ok(()));
        assert_eq!(check(Intermediate, 30, birth, day), Ok(()));
        assert_eq!(
            check(Intermediate, 7, birth, day),
            Err(vec![AdmissionFailure::TooFewYears {
                years: 7,
                required: 8
            }])
        );
    }

    #[test]
    fn lower_titles_fail_whatever_the_years() {
        let birth = date(1980, 5, 5);
        let day = date(2025, 3, 1);
        for title in [Junior, ProfessionalTitle::None] {
            assert_eq!(
                check(title, 40, birth, day),
                Err(vec![AdmissionFailure::TitleTooLow { title }])
            );
        }
    }

    #[test]
    fn must_be_under_seventy_on_appointment_day() {
        let birth = date(1955, 6, 15);
        assert_eq!(check(Senior, 30, birth, date(2025, 6, 14)), Ok(()));
        let on_birthday = date(2025, 6, 15);
        assert_eq!(
            check(Senior, 30, birth, on_birthday),
            Err(vec![AdmissionFailure::TooOld {
                age: 70,
                limit: 70,
                appointment_date: on_birthday
            }])
        );
    }

    #[test]
    fn reports_every_failure() {
        let failures = check(Intermediate, 3, date(1950, 1, 1), date(2025, 1, 1)).unwrap_err();
        let codes: Vec<&str> = failures.iter().map(AdmissionFailure::code).collect();
        assert_eq!(codes, ["TOO_FEW_YEARS", "TOO_OLD"]);
        assert_eq!(
            failures[0].to_string(),
            "an intermediate title needs at least 8 years in the field, the applicant has 3"
        );
    }

    #[test]
    fn birth_after_appointment_is_rejected() {
        let failures = check(Senior, 10, date(2030, 1, 1), date(2025, 1, 1)).unwrap_err();
        assert_eq!(failures[0].code(), "BIRTH_NOT_BEFORE_APPOINTMENT");
    }

    #[test]
    fn policy_is_configurable() {
        let policy = AdmissionPolicy {
            min_years_with_intermediate_title: 5,
            max_age_exclusive: 65,
        };
        let birth = date(1960, 1, 1);
        assert_eq!(
            check_admission(&policy, Intermediate, 5, birth, date(2024, 12, 31)),
            Ok(())
        );
        assert!(check_admission(&policy, Intermediate, 5, birth, date(2025, 1, 1)).is_err());
    }
}
