//! Check characters of the two national identifiers the registry stores: the citizen ID
//! number (GB 11643-1999) of experts and the unified social credit code (GB 32100-2015) of
//! enterprises, consultancies and employers.
//!
//! Uniqueness and conflict-of-interest checks compare these strings exactly, so they are
//! validated and normalised once, here, before anything is written.

use chrono::NaiveDate;

use crate::domain::Gender;

/// Length of a GB 11643 citizen ID number.
const ID_CARD_LEN: usize = 18;

/// ISO 7064 MOD 11-2 weights (2^(18-i) mod 11) of the first 17 digits.
const ID_CARD_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/// The check character for each value of the weighted sum modulo 11.
const ID_CARD_CHECK_CHARS: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// A citizen ID number whose length, characters, birth date and check character are valid.
///
/// Only [`validate_id_card`] builds one, so holding one proves the number was checked.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdCardNumber {
    number: String,
    birth_date: NaiveDate,
}

impl IdCardNumber {
    /// The normalised number (upper-case `X`), as stored.
    pub fn as_str(&self) -> &str {
        &self.number
    }

    /// The birth date embedded at positions 7–14.
    pub fn birth_date(&self) -> NaiveDate {
        self.birth_date
    }

    /// The gender encoded by the parity of the 17th digit (odd: male), so that a declared
    /// gender can be cross-checked.
    pub fn gender(&self) -> Gender {
        // ASCII digits have the parity of their value, since b'0' is even.
        let odd = self.number.as_bytes().get(16).is_some_and(|b| b % 2 == 1);
        if odd { Gender::Male } else { Gender::Female }
    }

    /// The normalised number, consuming the value.
    pub fn into_string(self) -> String {
        self.number
    }
}

impl std::fmt::Display for IdCardNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.number)
    }
}

/// Why a citizen ID number was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdCardError {
    #[error("an ID card number has 18 characters, this one has {length}")]
    WrongLength { length: usize },
    /// `position` counts from 1.
    #[error(
        "character {character:?} at position {position} is not allowed: the first 17 characters are digits, the last a digit or X"
    )]
    InvalidCharacter { position: usize, character: char },
    #[error("the birth date {digits} at positions 7-14 is not a real date")]
    InvalidBirthDate { digits: String },
    #[error("wrong check character {found:?}: the first 17 digits call for {expected:?}")]
    WrongCheckCharacter { expected: char, found: char },
}

/// Validates an 18-character citizen ID number (GB 11643-1999).
///
/// Surrounding whitespace is ignored and a lower-case `x` is accepted and stored as `X`,
/// because both are common when numbers are typed or pasted.
pub fn validate_id_card(input: &str) -> Result<IdCardNumber, IdCardError> {
    let trimmed = input.trim();
    let length = trimmed.chars().count();
    if length != ID_CARD_LEN {
        return Err(IdCardError::WrongLength { length });
    }

    let mut number = String::with_capacity(ID_CARD_LEN);
    let mut digits = [0u32; 17];
    for (index, character) in trimmed.chars().enumerate() {
        let position = index + 1;
        match (index, character.to_digit(10)) {
            // `to_digit` accepts only ASCII digits, so the normalised string stays ASCII.
            (_, Some(value)) => {
                if let Some(slot) = digits.get_mut(index) {
                    *slot = value;
                }
                number.push(character);
            }
            (17, None) if character.eq_ignore_ascii_case(&'x') => number.push('X'),
            _ => {
                return Err(IdCardError::InvalidCharacter {
                    position,
                    character,
                });
            }
        }
    }

    let birth_digits = &number[6..14];
    let birth_date = NaiveDate::parse_from_str(birth_digits, "%Y%m%d").map_err(|_| {
        IdCardError::InvalidBirthDate {
            digits: birth_digits.to_owned(),
        }
    })?;

    let sum: u32 = digits
        .iter()
        .zip(ID_CARD_WEIGHTS)
        .map(|(digit, weight)| digit * weight)
        .sum();
    let expected = ID_CARD_CHECK_CHARS[(sum % 11) as usize];
    let found = number.chars().last().unwrap_or_default();
    if found != expected {
        return Err(IdCardError::WrongCheckCharacter { expected, found });
    }

    Ok(IdCardNumber { number, birth_date })
}

/// Length of a GB 32100 unified social credit code.
const CREDIT_CODE_LEN: usize = 18;

/// The 31 characters of GB 32100, in value order (no I, O, S, V, Z: they read like digits).
const CREDIT_CODE_CHARSET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Weights (3^i mod 31) of the first 17 characters.
const CREDIT_CODE_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Why a unified social credit code was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreditCodeError {
    #[error("a unified social credit code has 18 characters, this one has {length}")]
    WrongLength { length: usize },
    /// `position` counts from 1.
    #[error(
        "character {character:?} at position {position} is not allowed: only digits and the letters A-Y except I, O, S, V"
    )]
    InvalidCharacter { position: usize, character: char },
    #[error("the region code {region} at positions 3-8 must be six digits")]
    RegionNotNumeric { region: String },
    #[error("wrong check character {found:?}: the first 17 characters call for {expected:?}")]
    WrongCheckCharacter { expected: char, found: char },
}

/// The value of a GB 32100 character, `None` outside the set.
fn credit_code_value(character: char) -> Option<u32> {
    CREDIT_CODE_CHARSET
        .chars()
        .position(|c| c == character)
        .and_then(|p| u32::try_from(p).ok())
}

/// Validates a unified social credit code (GB 32100-2015) and returns it normalised
/// (trimmed, upper-case), the form in which it is stored and compared.
pub fn validate_credit_code(input: &str) -> Result<String, CreditCodeError> {
    let code = input.trim().to_ascii_uppercase();
    let length = code.chars().count();
    if length != CREDIT_CODE_LEN {
        return Err(CreditCodeError::WrongLength { length });
    }

    let mut values = [0u32; CREDIT_CODE_LEN];
    for (index, character) in code.chars().enumerate() {
        let value = credit_code_value(character).ok_or(CreditCodeError::InvalidCharacter {
            position: index + 1,
            character,
        })?;
        if let Some(slot) = values.get_mut(index) {
            *slot = value;
        }
    }

    // Every character is now ASCII, so byte ranges are character ranges.
    let region = &code[2..8];
    if !region.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CreditCodeError::RegionNotNumeric {
            region: region.to_owned(),
        });
    }

    let sum: u32 = values
        .iter()
        .zip(CREDIT_CODE_WEIGHTS)
        .map(|(value, weight)| value * weight)
        .sum();
    let expected_value = (31 - sum % 31) % 31;
    let expected = CREDIT_CODE_CHARSET
        .chars()
        .nth(expected_value as usize)
        .unwrap_or('0');
    let found = code.chars().last().unwrap_or_default();
    if found != expected {
        return Err(CreditCodeError::WrongCheckCharacter { expected, found });
    }

    Ok(code)
}

/// The administrative region code (GB/T 2260, positions 3–8) of a validated credit code,
/// e.g. to compare an enterprise's registration with its city; `None` when the input is
/// too short to hold one.
pub fn credit_code_region(code: &str) -> Option<&str> {
    code.get(2..8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_well_known_id_card() {
        let id = validate_id_card("11010519491231002X").expect("valid");
        assert_eq!(id.as_str(), "11010519491231002X");
        assert_eq!(
            id.birth_date(),
            NaiveDate::from_ymd_opt(1949, 12, 31).unwrap()
        );
        assert_eq!(id.gender(), Gender::Female);
        assert_eq!(id.to_string(), "11010519491231002X");
    }

    #[test]
    fn accepts_other_valid_id_cards() {
        let id = validate_id_card("140105199912311231").expect("valid");
        assert_eq!(
            id.birth_date(),
            NaiveDate::from_ymd_opt(1999, 12, 31).unwrap()
        );
        assert_eq!(id.gender(), Gender::Male);

        // Born on a leap day.
        let id = validate_id_card("14010220000229001X").expect("valid");
        assert_eq!(
            id.birth_date(),
            NaiveDate::from_ymd_opt(2000, 2, 29).unwrap()
        );

        let id = validate_id_card("141121198601010016").expect("valid");
        assert_eq!(id.into_string(), "141121198601010016");
    }

    #[test]
    fn normalises_lower_case_x_and_whitespace() {
        let id = validate_id_card(" 11010519491231002x\n").expect("valid");
        assert_eq!(id.as_str(), "11010519491231002X");
    }

    #[test]
    fn rejects_wrong_id_card_check_character() {
        assert_eq!(
            validate_id_card("110105194912310021"),
            Err(IdCardError::WrongCheckCharacter {
                expected: 'X',
                found: '1'
            })
        );
        assert_eq!(
            validate_id_card("14010519991231123X"),
            Err(IdCardError::WrongCheckCharacter {
                expected: '1',
                found: 'X'
            })
        );
    }

    #[test]
    fn rejects_wrong_id_card_length() {
        assert_eq!(
            validate_id_card(""),
            Err(IdCardError::WrongLength { length: 0 })
        );
        assert_eq!(
            validate_id_card("11010519491231002"),
            Err(IdCardError::WrongLength { length: 17 })
        );
        assert_eq!(
            validate_id_card("11010519491231002X1"),
            Err(IdCardError::WrongLength { length: 19 })
        );
        // The old 15-digit numbers carry no check character and are not accepted.
        assert_eq!(
            validate_id_card("110105491231002"),
            Err(IdCardError::WrongLength { length: 15 })
        );
    }

    #[test]
    fn rejects_bad_id_card_characters() {
        assert_eq!(
            validate_id_card("11010519491231002A"),
            Err(IdCardError::InvalidCharacter {
                position: 18,
                character: 'A'
            })
        );
        assert_eq!(
            validate_id_card("1101051949123100X2"),
            Err(IdCardError::InvalidCharacter {
                position: 17,
                character: 'X'
            })
        );
        assert_eq!(
            validate_id_card("11010519491231 02X"),
            Err(IdCardError::InvalidCharacter {
                position: 15,
                character: ' '
            })
        );
        // Full-width digits are not ASCII digits; counted in characters, not bytes.
        assert_eq!(
            validate_id_card("１1010519491231002X"),
            Err(IdCardError::InvalidCharacter {
                position: 1,
                character: '１'
            })
        );
    }

    #[test]
    fn rejects_impossible_birth_dates() {
        // 1999 is not a leap year; the check character is right, the date is not.
        assert_eq!(
            validate_id_card("14010219990229001X"),
            Err(IdCardError::InvalidBirthDate {
                digits: "19990229".to_owned()
            })
        );
        assert!(matches!(
            validate_id_card("110105194913310020"),
            Err(IdCardError::InvalidBirthDate { .. })
        ));
        assert!(matches!(
            validate_id_card("110105194912000020"),
            Err(IdCardError::InvalidBirthDate { .. })
        ));
    }

    #[test]
    fn id_card_errors_read_well() {
        let err = validate_id_card("110105194912310021").unwrap_err();
        assert_eq!(
            err.to_string(),
            "wrong check character '1': the first 17 digits call for 'X'"
        );
    }

    #[test]
    fn accepts_valid_credit_codes() {
        assert_eq!(
            validate_credit_code("91350100M000100Y43").as_deref(),
            Ok("91350100M000100Y43")
        );
        assert_eq!(
            validate_credit_code("91110000802100433B").as_deref(),
            Ok("91110000802100433B")
        );
        // A weighted sum divisible by 31 gives check value 31, written as 0.
        assert_eq!(
            validate_credit_code("911401007000000150").as_deref(),
            Ok("911401007000000150")
        );
        assert_eq!(
            validate_credit_code("91140100700000005Y").as_deref(),
            Ok("91140100700000005Y")
        );
    }

    #[test]
    fn normalises_credit_code_case_and_whitespace() {
        assert_eq!(
            validate_credit_code("  91350100m000100y43\t").as_deref(),
            Ok("91350100M000100Y43")
        );
    }

    #[test]
    fn rejects_wrong_credit_code_check_character() {
        assert_eq!(
            validate_credit_code("91350100M000100Y44"),
            Err(CreditCodeError::WrongCheckCharacter {
                expected: '3',
                found: '4'
            })
        );
        assert_eq!(
            validate_credit_code("91140100700000015Y"),
            Err(CreditCodeError::WrongCheckCharacter {
                expected: '0',
                found: 'Y'
            })
        );
    }

    #[test]
    fn rejects_wrong_credit_code_length() {
        assert_eq!(
            validate_credit_code(""),
            Err(CreditCodeError::WrongLength { length: 0 })
        );
        assert_eq!(
            validate_credit_code("91350100M000100Y4"),
            Err(CreditCodeError::WrongLength { length: 17 })
        );
        assert_eq!(
            validate_credit_code("91350100M000100Y433"),
            Err(CreditCodeError::WrongLength { length: 19 })
        );
    }

    #[test]
    fn rejects_letters_outside_the_credit_code_set() {
        for (bad, character) in [
            ("91350100M000100I43", 'I'),
            ("91350100M000100O43", 'O'),
            ("91350100M000100S43", 'S'),
            ("91350100M000100V43", 'V'),
            ("91350100M000100Z43", 'Z'),
            ("91350100M000100-43", '-'),
            ("91350100M000100é43", 'é'),
        ] {
            assert_eq!(
                validate_credit_code(bad),
                Err(CreditCodeError::InvalidCharacter {
                    position: 16,
                    character
                }),
                "{bad}"
            );
        }
    }

    #[test]
    fn rejects_non_numeric_region() {
        assert_eq!(
            validate_credit_code("91AB0100M000100Y4T"),
            Err(CreditCodeError::RegionNotNumeric {
                region: "AB0100".to_owned()
            })
        );
    }

    #[test]
    fn reads_the_region_code() {
        assert_eq!(credit_code_region("91350100M000100Y43"), Some("350100"));
        assert_eq!(credit_code_region("913501"), None);
    }
}

/// Appends the check character to the first 17 characters of a citizen ID number (for
/// generated demo data and tests); `None` when those 17 cannot start a valid number.
pub fn complete_id_card(first17: &str) -> Option<String> {
    ID_CARD_CHECK_CHARS
        .iter()
        .map(|c| format!("{first17}{c}"))
        .find(|candidate| validate_id_card(candidate).is_ok())
}

/// Appends the check character to the first 17 characters of a credit code; `None` when
/// those 17 cannot start a valid code.
pub fn complete_credit_code(first17: &str) -> Option<String> {
    CREDIT_CODE_CHARSET
        .chars()
        .map(|c| format!("{first17}{c}"))
        .find(|candidate| validate_credit_code(candidate).is_ok())
}

#[cfg(test)]
mod completion_tests {
    use super::*;

    #[test]
    fn completes_known_numbers() {
        assert_eq!(
            complete_id_card("11010519491231002").as_deref(),
            Some("11010519491231002X")
        );
        assert_eq!(
            complete_credit_code("91350100M000100Y4").as_deref(),
            Some("91350100M000100Y43")
        );
        assert_eq!(complete_id_card("1101051949123100"), None);
        assert_eq!(complete_credit_code("91350100M000100I4"), None);
    }
}
