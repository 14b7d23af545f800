//! Masking of personal numbers shown to people who may not read them in full (an expert's
//! ID card number and phone are masked to everyone but province admins and the expert).
//!
//! The head and tail stay visible so that a person can still tell records apart; strings
//! too short to hide enough of are masked whole.

/// Characters kept at the start.
const KEEP_HEAD: usize = 3;
/// Characters kept at the end.
const KEEP_TAIL: usize = 4;
/// Fewer hidden characters than this would reveal nearly the whole number.
const MIN_HIDDEN: usize = 4;

/// Keeps the first 3 and last 4 characters and replaces the rest with `*`, one per
/// character, or masks everything when fewer than 4 characters would be hidden.
/// Counts characters, not bytes, so any input is safe.
fn mask_middle(input: &str) -> String {
    let chars: Vec<char> = input.trim().chars().collect();
    let len = chars.len();
    if len < KEEP_HEAD + MIN_HIDDEN + KEEP_TAIL {
        return "*".repeat(len);
    }
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if i < KEEP_HEAD || i >= len - KEEP_TAIL {
                *c
            } else {
                '*'
            }
        })
        .collect()
}

/// Masks a citizen ID number: `140***********123X` for 18 characters (region prefix and
/// the last four kept, birth date hidden).
pub fn mask_id_card(id: &str) -> String {
    mask_middle(id)
}

/// Masks a phone number: `138****5678` for a mobile number; numbers shorter than 11
/// characters are masked whole.
pub fn mask_phone(phone: &str) -> String {
    mask_middle(phone)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_an_id_card() {
        assert_eq!(mask_id_card("14010219860101123X"), "140***********123X");
        assert_eq!(mask_id_card("14010219860101123X").chars().count(), 18);
        assert_eq!(mask_id_card(" 11010519491231002X "), "110***********002X");
    }

    #[test]
    fn masks_short_or_odd_id_input() {
        assert_eq!(mask_id_card(""), "");
        assert_eq!(mask_id_card("1234567890"), "**********");
        assert_eq!(mask_id_card("12345678901"), "123****8901");
        assert_eq!(
            mask_id_card("身份证号码一二三四五六七"),
            "身份证*****四五六七"
        );
    }

    #[test]
    fn masks_a_mobile_phone() {
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("+8613812345678"), "+86*******5678");
        assert_eq!(mask_phone("0351-7654321"), "035*****4321");
    }

    #[test]
    fn masks_short_phones_fully() {
        assert_eq!(mask_phone(""), "");
        assert_eq!(mask_phone("110"), "***");
        assert_eq!(mask_phone("7654321"), "*******");
        assert_eq!(mask_phone("1381234567"), "**********");
    }
}
