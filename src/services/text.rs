//! Small input helpers every service shares: trimmed, bounded text and LIKE patterns.

use sea_orm::Condition;
use sea_orm::sea_query::{Expr, ExprTrait, IntoColumnRef, LikeExpr};

use crate::error::{AppError, AppResult};

/// Trimmed text that must not be empty nor longer than `max` characters.
pub fn required_text(field: &str, value: &str, max: usize) -> AppResult<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(AppError::bad_input(field, "must not be empty"));
    }
    if value.chars().count() > max {
        return Err(AppError::bad_input(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(value.to_owned())
}

/// Like [`required_text`], but blank or absent is `None`.
pub fn optional_text(field: &str, value: Option<String>, max: usize) -> AppResult<Option<String>> {
    match value.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => required_text(field, v, max).map(Some),
    }
}

/// A phone number: digits with optional `-`, `+` and spaces, 7 to 15 digits.
pub fn phone_number(field: &str, value: &str) -> AppResult<String> {
    let value = value.trim();
    let digits = value.chars().filter(char::is_ascii_digit).count();
    let allowed = value
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | ' '));
    if !allowed || !(7..=15).contains(&digits) {
        return Err(AppError::bad_input(
            field,
            "must be a phone number of 7 to 15 digits",
        ));
    }
    Ok(value.to_owned())
}

/// A list of tags (sectors, topics) as a set: sorted, without repeats, and not empty.
pub fn tag_set<T: Ord + Copy>(field: &str, items: &[T]) -> AppResult<Vec<T>> {
    let mut items = items.to_vec();
    items.sort_unstable();
    items.dedup();
    if items.is_empty() {
        return Err(AppError::bad_input(field, "name at least one"));
    }
    Ok(items)
}

/// A `%text%` pattern whose own `%`, `_` and `\` match literally (escape character `\`).
pub fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len() + 2);
    escaped.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped.push('%');
    escaped
}

/// The text filter of a list as a LIKE pattern (see [`search_term`]).
pub fn search_text(field: &str, text: Option<&str>) -> AppResult<Option<String>> {
    Ok(search_term(field, text)?.map(|t| escape_like(&t)))
}

/// The text filter of a list: trimmed, bounded; `None` when blank.
pub fn search_term(field: &str, text: Option<&str>) -> AppResult<Option<String>> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if text.chars().count() > 100 {
        return Err(AppError::bad_input(field, "must be at most 100 characters"));
    }
    Ok(Some(text.to_owned()))
}

/// Any of `columns` contains `pattern` (from [`search_text`]).
pub fn like_any<C: IntoColumnRef + Copy>(columns: &[C], pattern: &str) -> Condition {
    columns.iter().fold(Condition::any(), |cond, col| {
        cond.add(Expr::col(*col).like(LikeExpr::new(pattern).escape('\\')))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(escape_like("a%b_c\\"), "%a\\%b\\_c\\\\%");
    }

    #[test]
    fn text_bounds() {
        assert_eq!(required_text("f", "  ab ", 5).ok().as_deref(), Some("ab"));
        assert!(required_text("f", "   ", 5).is_err());
        assert!(required_text("f", "abcdef", 5).is_err());
        assert_eq!(optional_text("f", Some(" ".into()), 5).ok(), Some(None));
        assert_eq!(search_text("f", Some("  ")).ok(), Some(None));
        assert!(search_text("f", Some(&"x".repeat(101))).is_err());
    }
}
