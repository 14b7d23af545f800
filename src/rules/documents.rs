//! Documents: which kinds belong where, which steps need which, what a file's bytes say it
//! is, who of the experts may read when, and the HTTP details of a download.

use chrono::{Duration, NaiveDate};

use crate::domain::{AuditMode, DocumentKind, DocumentOwnerType, FileType, ReviewKind};

/// The kinds a record of each type may hold.
pub fn kinds_for(owner: DocumentOwnerType) -> &'static [DocumentKind] {
    use DocumentKind as K;
    match owner {
        DocumentOwnerType::Audit => &[
            K::AuditReport,
            K::PerformanceSheet,
            K::DisclosureEvidence,
            K::Other,
        ],
        DocumentOwnerType::Review => &[K::EvaluationOpinion, K::AcceptanceOpinion, K::Other],
        DocumentOwnerType::PanelSeat => &[K::ExpertOpinion],
        DocumentOwnerType::AnnualList => &[K::WrittenNotice, K::Other],
        DocumentOwnerType::Violation => &[K::PenaltyDecision, K::Other],
        DocumentOwnerType::Certification => &[K::Certificate, K::Other],
        DocumentOwnerType::TrainingSession => &[K::TrainingMaterial, K::Other],
    }
}

/// Kinds an official may make public (anyone may then read them).
pub fn may_be_public(kind: DocumentKind) -> bool {
    matches!(
        kind,
        DocumentKind::DisclosureEvidence
            | DocumentKind::PenaltyDecision
            | DocumentKind::TrainingMaterial
            | DocumentKind::WrittenNotice
    )
}

/// What `submitAuditReport` rests on: the report, and for a STRICT audit the performance
/// sheet (绩效表) too.
pub fn required_for_report(mode: AuditMode) -> &'static [DocumentKind] {
    match mode {
        AuditMode::Strict => &[DocumentKind::AuditReport, DocumentKind::PerformanceSheet],
        AuditMode::Simplified => &[DocumentKind::AuditReport],
    }
}

/// The panel's opinion a review's outcome rests on (any one of these kinds).
pub fn opinion_kinds(review: ReviewKind) -> &'static [DocumentKind] {
    match review {
        ReviewKind::Evaluation => &[DocumentKind::EvaluationOpinion],
        ReviewKind::Acceptance => &[DocumentKind::AcceptanceOpinion],
        // A recheck re-examines an evaluation or an acceptance: its opinion is one of them.
        ReviewKind::Recheck => &[
            DocumentKind::EvaluationOpinion,
            DocumentKind::AcceptanceOpinion,
        ],
    }
}

/// Whether a seated expert may read the report under review on `today`: from `days_before`
/// the review date until `days_after` it.
pub fn in_expert_window(
    review_date: NaiveDate,
    today: NaiveDate,
    days_before: u32,
    days_after: u32,
) -> bool {
    let opens = review_date - Duration::days(i64::from(days_before));
    let closes = review_date + Duration::days(i64::from(days_after));
    opens <= today && today <= closes
}

/// The file type the bytes are, from their first bytes and, for zip containers, the names
/// of their entries (`zip_entries` is asked only for a zip). Anything else is refused.
pub fn detect_file_type(
    head: &[u8],
    zip_entries: impl FnOnce() -> Option<Vec<String>>,
) -> Option<FileType> {
    if head.starts_with(b"%PDF-") {
        return Some(FileType::Pdf);
    }
    if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some(FileType::Png);
    }
    if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some(FileType::Jpeg);
    }
    if head.starts_with(b"PK\x03\x04") {
        return classify_zip(&zip_entries()?);
    }
    None
}

/// DOCX, XLSX and OFD are all zip files: their entries tell them apart.
pub fn classify_zip(entries: &[String]) -> Option<FileType> {
    let has = |name: &str| entries.iter().any(|e| e.eq_ignore_ascii_case(name));
    if has("[Content_Types].xml") && has("word/document.xml") {
        Some(FileType::Docx)
    } else if has("[Content_Types].xml") && has("xl/workbook.xml") {
        Some(FileType::Xlsx)
    } else if has("OFD.xml") {
        Some(FileType::Ofd)
    } else {
        None
    }
}

/// The MIME type a file type is served as.
pub fn mime_of(file_type: FileType) -> &'static str {
    match file_type {
        FileType::Pdf => "application/pdf",
        FileType::Ofd => "application/ofd",
        FileType::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        FileType::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        FileType::Jpeg => "image/jpeg",
        FileType::Png => "image/png",
    }
}

/// An uploader's file name made safe to keep and to send back: the last path part, without
/// control characters or quotes, at most 200 characters. `None` when nothing is left.
pub fn clean_file_name(raw: &str) -> Option<String> {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or(raw);
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(200)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim();
    (!cleaned.is_empty()).then(|| cleaned.to_owned())
}

/// `Content-Disposition` for a download: an ASCII fallback and the UTF-8 name (RFC 6266),
/// so that a Chinese file name arrives as it was uploaded.
pub fn content_disposition(file_name: &str) -> String {
    let fallback: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for byte in file_name.bytes() {
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

/// What a `Range` header asks of a file of `size` bytes.
#[derive(Debug, PartialEq, Eq)]
pub enum RangeAsk {
    /// No range, or one the server may ignore (several ranges, another unit, bad syntax).
    Whole,
    /// Bytes `start..=end`.
    Part { start: u64, end: u64 },
    /// A range that lies wholly beyond the file: 416.
    Unsatisfiable,
}

/// Reads a `Range` header (one byte range; RFC 9110 §14).
pub fn parse_range(header: Option<&str>, size: u64) -> RangeAsk {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return RangeAsk::Whole;
    };
    if spec.contains(',') {
        return RangeAsk::Whole;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return RangeAsk::Whole;
    };
    let (first, last) = (first.trim(), last.trim());
    if first.is_empty() {
        // A suffix: the last N bytes.
        let Ok(n) = last.parse::<u64>() else {
            return RangeAsk::Whole;
        };
        if n == 0 || size == 0 {
            return RangeAsk::Unsatisfiable;
        }
        return RangeAsk::Part {
            start: size.saturating_sub(n),
            end: size - 1,
        };
    }
    let Ok(start) = first.parse::<u64>() else {
        return RangeAsk::Whole;
    };
    if start >= size {
        return RangeAsk::Unsatisfiable;
    }
    let end = if last.is_empty() {
        size - 1
    } else {
        match last.parse::<u64>() {
            Ok(end) if end >= start => end.min(size - 1),
            _ => return RangeAsk::Whole,
        }
    };
    RangeAsk::Part { start, end }
}

/// Where bytes with this SHA-256 are kept: content-addressed, fanned out by the first byte.
pub fn storage_key(sha256_hex: &str) -> String {
    let fan = sha256_hex.get(..2).unwrap_or("00");
    format!("documents/sha256/{fan}/{sha256_hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn file_types_come_from_the_bytes() {
        let none = || None;
        assert_eq!(detect_file_type(b"%PDF-1.7\n", none), Some(FileType::Pdf));
        assert_eq!(
            detect_file_type(b"\x89PNG\r\n\x1a\n....", none),
            Some(FileType::Png)
        );
        assert_eq!(
            detect_file_type(&[0xFF, 0xD8, 0xFF, 0xE0], none),
            Some(FileType::Jpeg)
        );
        // An executable named report.pdf is still an executable.
        assert_eq!(detect_file_type(b"MZ\x90\x00", none), None);
        assert_eq!(detect_file_type(b"\x7fELF\x02\x01", none), None);
        assert_eq!(detect_file_type(b"", none), None);
        let docx = || {
            Some(vec![
                "[Content_Types].xml".to_owned(),
                "word/document.xml".to_owned(),
            ])
        };
        assert_eq!(detect_file_type(b"PK\x03\x04", docx), Some(FileType::Docx));
        let xlsx = || {
            Some(vec![
                "[Content_Types].xml".to_owned(),
                "xl/workbook.xml".to_owned(),
            ])
        };
        assert_eq!(detect_file_type(b"PK\x03\x04", xlsx), Some(FileType::Xlsx));
        let ofd = || Some(vec!["OFD.xml".to_owned(), "Doc_0/Document.xml".to_owned()]);
        assert_eq!(detect_file_type(b"PK\x03\x04", ofd), Some(FileType::Ofd));
        // A zip of something else (or one that cannot be read) is refused.
        let other = || Some(vec!["payload.exe".to_owned()]);
        assert_eq!(detect_file_type(b"PK\x03\x04", other), None);
        assert_eq!(detect_file_type(b"PK\x03\x04", none), None);
    }

    #[test]
    fn file_names_lose_paths_and_control_characters() {
        assert_eq!(
            clean_file_name("C:\\Users\\x\\审核报告.pdf").as_deref(),
            Some("审核报告.pdf")
        );
        assert_eq!(
            clean_file_name("../../etc/passwd").as_deref(),
            Some("passwd")
        );
        assert_eq!(clean_file_name("a\"b\r\n.pdf").as_deref(), Some("ab.pdf"));
        assert_eq!(clean_file_name(".hidden").as_deref(), Some("hidden"));
        assert_eq!(clean_file_name(" / "), None);
        assert_eq!(clean_file_name(""), None);
        assert_eq!(
            clean_file_name(&"名".repeat(300)).map(|n| n.chars().count()),
            Some(200)
        );
    }

    #[test]
    fn the_download_name_survives_in_utf8() {
        let header = content_disposition("审核报告 2026.pdf");
        assert!(header.starts_with("attachment; filename=\"____ 2026.pdf\""));
        assert!(
            header.ends_with("filename*=UTF-8''%E5%AE%A1%E6%A0%B8%E6%8A%A5%E5%91%8A%202026.pdf")
        );
    }

    #[test]
    fn ranges() {
        assert_eq!(parse_range(None, 10), RangeAsk::Whole);
        assert_eq!(
            parse_range(Some("bytes=0-3"), 10),
            RangeAsk::Part { start: 0, end: 3 }
        );
        assert_eq!(
            parse_range(Some("bytes=4-"), 10),
            RangeAsk::Part { start: 4, end: 9 }
        );
        assert_eq!(
            parse_range(Some("bytes=-3"), 10),
            RangeAsk::Part { start: 7, end: 9 }
        );
        assert_eq!(
            parse_range(Some("bytes=5-100"), 10),
            RangeAsk::Part { start: 5, end: 9 }
        );
        assert_eq!(parse_range(Some("bytes=10-"), 10), RangeAsk::Unsatisfiable);
        assert_eq!(parse_range(Some("bytes=-0"), 10), RangeAsk::Unsatisfiable);
        assert_eq!(parse_range(Some("bytes=0-1,4-5"), 10), RangeAsk::Whole);
        assert_eq!(parse_range(Some("items=0-1"), 10), RangeAsk::Whole);
        assert_eq!(parse_range(Some("bytes=5-2"), 10), RangeAsk::Whole);
    }

    #[test]
    fn the_expert_window_runs_from_days_before_to_days_after() {
        let review = day("2026-06-10");
        assert!(!in_expert_window(review, day("2026-06-06"), 3, 30));
        assert!(in_expert_window(review, day("2026-06-07"), 3, 30));
        assert!(in_expert_window(review, day("2026-07-10"), 3, 30));
        assert!(!in_expert_window(review, day("2026-07-11"), 3, 30));
    }

    #[test]
    fn steps_and_their_documents() {
        assert_eq!(
            required_for_report(AuditMode::Strict),
            &[DocumentKind::AuditReport, DocumentKind::PerformanceSheet]
        );
        assert_eq!(
            required_for_report(AuditMode::Simplified),
            &[DocumentKind::AuditReport]
        );
        assert_eq!(
            opinion_kinds(ReviewKind::Evaluation),
            &[DocumentKind::EvaluationOpinion]
        );
        for owner in DocumentOwnerType::ALL {
            assert!(!kinds_for(*owner).is_empty());
        }
        assert!(kinds_for(DocumentOwnerType::Audit).contains(&DocumentKind::AuditReport));
        assert!(!kinds_for(DocumentOwnerType::Audit).contains(&DocumentKind::PenaltyDecision));
        assert!(may_be_public(DocumentKind::PenaltyDecision));
        assert!(!may_be_public(DocumentKind::AuditReport));
        assert_eq!(storage_key("abcdef"), "documents/sha256/ab/abcdef");
    }
}
