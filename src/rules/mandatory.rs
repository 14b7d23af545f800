//! The mandatory-audit rule (强制性清洁生产审核): an enterprise must audit when its industry
//! class is in the plan's annex (应开展强制性清洁生产审核的行业类别), its scale fits the
//! row's scale rule and it meets the row's condition.
//!
//! The verdict names the row and the reason, because a city bureau has to tell an
//! enterprise why it is (or is not) on the list.

use std::cmp::Ordering;
use std::fmt;

use crate::domain::{CatalogCondition, EnterpriseScale, ScaleRule, Sector};

/// One row of the annex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogRow {
    /// A 4-digit GB/T 4754 class code, or a range of divisions such as `33-43`.
    pub code: String,
    pub name: String,
    pub sector: Sector,
    pub scale_rule: ScaleRule,
    pub condition: Option<CatalogCondition>,
}

/// Why an enterprise must or need not audit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VerdictReason {
    /// A row matches and fires.
    Mandatory,
    /// No row matches the industry code (or the code is not a class code at all).
    NotInCatalogue,
    /// A row matches but does not cover the enterprise's scale.
    ScaleNotCovered,
    /// A coal-mining row matches but the enterprise has no mining operation.
    NoMiningOperation,
    /// The coating range matches but the enterprise has no industrial-coating process.
    NoCoatingProcess,
}

impl VerdictReason {
    pub const ALL: &'static [VerdictReason] = &[
        Self::Mandatory,
        Self::NotInCatalogue,
        Self::ScaleNotCovered,
        Self::NoMiningOperation,
        Self::NoCoatingProcess,
    ];

    /// The GraphQL/stored name, in the style of the enums in `crate::domain`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mandatory => "MANDATORY",
            Self::NotInCatalogue => "NOT_IN_CATALOGUE",
            Self::ScaleNotCovered => "SCALE_NOT_COVERED",
            Self::NoMiningOperation => "NO_MINING_OPERATION",
            Self::NoCoatingProcess => "NO_COATING_PROCESS",
        }
    }

    /// The Chinese label shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Mandatory => "应开展强制性审核",
            Self::NotInCatalogue => "不在名录行业内",
            Self::ScaleNotCovered => "规模不在适用范围内",
            Self::NoMiningOperation => "无采矿工序",
            Self::NoCoatingProcess => "无工业涂装工序",
        }
    }
}

impl fmt::Display for VerdictReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The answer to "must this enterprise audit?".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MandatoryVerdict {
    pub mandatory: bool,
    /// The firing row, or else the most specific matching row; `None` when no row matches.
    pub row_code: Option<String>,
    pub reason: VerdictReason,
    /// One Chinese sentence naming the row and the reason.
    pub explanation: String,
}

/// Whether `s` has the shape of a GB/T 4754 class code: exactly four ASCII digits (the
/// first two are the division).
pub fn is_industry_class_code(s: &str) -> bool {
    s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Whether a row's scale rule covers a scale. Micro firms are covered only by ALL rows.
pub fn scale_fits(rule: ScaleRule, scale: EnterpriseScale) -> bool {
    use EnterpriseScale::*;
    match rule {
        ScaleRule::All => true,
        ScaleRule::LargeMedium => matches!(scale, Large | Medium),
        ScaleRule::LargeMediumSmall => matches!(scale, Large | Medium | Small),
    }
}

/// What a row's code covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Coverage<'a> {
    /// One 4-digit class.
    Class(&'a str),
    /// Every class of the divisions `from..=to`.
    Divisions { from: u8, to: u8 },
}

impl Coverage<'_> {
    /// Reads a row code: a class code, or a range of two-digit divisions `AA-BB`.
    fn of(code: &str) -> Option<Coverage<'_>> {
        if is_industry_class_code(code) {
            return Some(Coverage::Class(code));
        }
        let (from, to) = code.split_once('-')?;
        let division = |s: &str| {
            if s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit()) {
                s.parse::<u8>().ok()
            } else {
                None
            }
        };
        let (from, to) = (division(from)?, division(to)?);
        (from <= to).then_some(Coverage::Divisions { from, to })
    }

    fn matches(self, class_code: &str) -> bool {
        match self {
            Coverage::Class(code) => code == class_code,
            Coverage::Divisions { from, to } => class_code
                .get(..2)
                .and_then(|d| d.parse::<u8>().ok())
                .is_some_and(|d| (from..=to).contains(&d)),
        }
    }

    /// Smaller is more specific: a single class before any range, a narrow range before
    /// a wide one.
    fn breadth(self) -> u32 {
        match self {
            Coverage::Class(_) => 0,
            Coverage::Divisions { from, to } => 1 + u32::from(to - from),
        }
    }
}

/// Whether a matching row fires for this enterprise, and if not, why. The condition is
/// checked first: a firm outside it is not the kind of firm the row describes at all.
fn row_reason(
    row: &CatalogRow,
    scale: EnterpriseScale,
    has_mining_operation: bool,
    has_coating_process: bool,
) -> VerdictReason {
    match row.condition {
        Some(CatalogCondition::ExcludesWithoutMiningOperation) if !has_mining_operation => {
            return VerdictReason::NoMiningOperation;
        }
        Some(CatalogCondition::OnlyWithCoatingProcess) if !has_coating_process => {
            return VerdictReason::NoCoatingProcess;
        }
        _ => {}
    }
    if scale_fits(row.scale_rule, scale) {
        VerdictReason::Mandatory
    } else {
        VerdictReason::ScaleNotCovered
    }
}

/// The scales a rule covers, as a phrase.
fn scale_rule_phrase(rule: ScaleRule) -> &'static str {
    match rule {
        ScaleRule::All => "所有规模企业",
        ScaleRule::LargeMedium => "大中型企业",
        ScaleRule::LargeMediumSmall => "大中小型企业",
    }
}

fn explain(
    industry_code: &str,
    row: &CatalogRow,
    reason: VerdictReason,
    scale: EnterpriseScale,
) -> String {
    let head = format!(
        "行业代码 {industry_code} 属于附件所列“{} {}”",
        row.code, row.name
    );
    let rule = scale_rule_phrase(row.scale_rule);
    let scale = scale.label();
    match reason {
        VerdictReason::Mandatory => {
            let condition = match row.condition {
                Some(CatalogCondition::ExcludesWithoutMiningOperation) => "且有采矿工序",
                Some(CatalogCondition::OnlyWithCoatingProcess) => "且有工业涂装工序",
                None => "",
            };
            format!(
                "{head}（适用于{rule}），本企业为{scale}企业{condition}，须开展强制性清洁生产审核。"
            )
        }
        VerdictReason::ScaleNotCovered => {
            format!("{head}，但该行仅适用于{rule}，本企业为{scale}企业，不属于强制性审核范围。")
        }
        VerdictReason::NoMiningOperation => format!(
            "{head}，但该行{}，本企业无采矿工序，不属于强制性审核范围。",
            CatalogCondition::ExcludesWithoutMiningOperation.label()
        ),
        VerdictReason::NoCoatingProcess => format!(
            "{head}，但该行{}，本企业无工业涂装工序，不属于强制性审核范围。",
            CatalogCondition::OnlyWithCoatingProcess.label()
        ),
        // A matching row never yields this; kept total rather than panicking.
        VerdictReason::NotInCatalogue => not_in_catalogue(industry_code),
    }
}

fn not_in_catalogue(industry_code: &str) -> String {
    if is_industry_class_code(industry_code) {
        format!("行业代码 {industry_code} 不在附件所列行业内，不属于强制性审核范围。")
    } else {
        format!("“{industry_code}”不是四位数字的国民经济行业小类代码，无法对应附件所列行业。")
    }
}

/// Decides whether an enterprise of `industry_code` and `scale` must audit.
///
/// Several rows may match one code (a class row and the coating range of divisions
/// 33–43): the enterprise must audit when any of them fires. The verdict reports the
/// firing row, preferring the most specific one (a class row over a range), or else the
/// most specific matching row and why it did not fire.
pub fn mandatory_verdict(
    catalog: &[CatalogRow],
    industry_code: &str,
    scale: EnterpriseScale,
    has_mining_operation: bool,
    has_coating_process: bool,
) -> MandatoryVerdict {
    let code = industry_code.trim();
    let not_found = || MandatoryVerdict {
        mandatory: false,
        row_code: None,
        reason: VerdictReason::NotInCatalogue,
        explanation: not_in_catalogue(code),
    };
    if !is_industry_class_code(code) {
        return not_found();
    }

    // Firing rows first, then the most specific, then catalogue order.
    let best = catalog
        .iter()
        .filter_map(|row| {
            let coverage = Coverage::of(&row.code)?;
            coverage.matches(code).then(|| {
                let reason = row_reason(row, scale, has_mining_operation, has_coating_process);
                (row, reason, coverage.breadth())
            })
        })
        .min_by(|a, b| {
            let idle = |r: VerdictReason| r != VerdictReason::Mandatory;
            match idle(a.1).cmp(&idle(b.1)) {
                Ordering::Equal => a.2.cmp(&b.2),
                other => other,
            }
        });

    match best {
        None => not_found(),
        Some((row, reason, _)) => MandatoryVerdict {
            mandatory: reason == VerdictReason::Mandatory,
            row_code: Some(row.code.clone()),
            reason,
            explanation: explain(code, row, reason, scale),
        },
    }
}

/// The CSV header the catalogue file must start with.
const CATALOG_HEADER: [&str; 6] = [
    "sector",
    "code",
    "name",
    "scale_rule",
    "scale_rule_zh",
    "condition",
];

fn parse_condition(s: &str) -> Result<Option<CatalogCondition>, String> {
    match s {
        "" => Ok(None),
        "excludes_enterprises_without_mining_operation" => {
            Ok(Some(CatalogCondition::ExcludesWithoutMiningOperation))
        }
        "only_enterprises_with_industrial_coating_process" => {
            Ok(Some(CatalogCondition::OnlyWithCoatingProcess))
        }
        other => Err(format!("unknown condition {other:?}")),
    }
}

fn parse_catalog_line(fields: &[&str]) -> Result<CatalogRow, String> {
    let [sector, code, name, scale_rule, scale_rule_zh, condition] = fields else {
        return Err(format!(
            "expected {} fields, found {}",
            CATALOG_HEADER.len(),
            fields.len()
        ));
    };
    let sector = Sector::ALL
        .iter()
        .copied()
        .find(|s| s.label() == *sector)
        .ok_or_else(|| format!("unknown sector label {sector:?}"))?;
    if Coverage::of(code).is_none() {
        return Err(format!(
            "code {code:?} is neither a 4-digit class nor a division range like 33-43"
        ));
    }
    if name.is_empty() {
        return Err("empty name".to_owned());
    }
    let scale_rule: ScaleRule = scale_rule.parse().map_err(|e| format!("{e}"))?;
    if scale_rule.label() != *scale_rule_zh {
        return Err(format!(
            "scale_rule_zh {scale_rule_zh:?} does not match {scale_rule} ({})",
            scale_rule.label()
        ));
    }
    Ok(CatalogRow {
        code: (*code).to_owned(),
        name: (*name).to_owned(),
        sector,
        scale_rule,
        condition: parse_condition(condition)?,
    })
}

/// Parses the annex CSV (`sector,code,name,scale_rule,scale_rule_zh,condition`, no
/// quoted fields). Every row is checked, so a bad edit of the reference file fails loudly
/// at load time instead of silently changing verdicts; errors name the line.
pub fn parse_catalog_csv(text: &str) -> Result<Vec<CatalogRow>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.trim_end_matches('\r')))
        .filter(|(_, line)| !line.trim().is_empty());

    let (_, header) = lines.next().ok_or("the catalogue is empty")?;
    let header: Vec<&str> = header.split(',').map(str::trim).collect();
    if header != CATALOG_HEADER {
        return Err(format!(
            "line 1: expected header {:?}, found {header:?}",
            CATALOG_HEADER.join(",")
        ));
    }

    let mut rows: Vec<CatalogRow> = Vec::new();
    for (number, line) in lines {
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let row = parse_catalog_line(&fields).map_err(|e| format!("line {number}: {e}"))?;
        if rows.iter().any(|r| r.code == row.code) {
            return Err(format!("line {number}: duplicate code {}", row.code));
        }
        rows.push(row);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use EnterpriseScale::{Large, Medium, Micro, Small};

    const CSV: &str = include_str!("../../migration/data/industry-catalog.csv");

    fn catalog() -> Vec<CatalogRow> {
        parse_catalog_csv(CSV).expect("the shipped catalogue parses")
    }

    fn verdict(
        catalog: &[CatalogRow],
        code: &str,
        scale: EnterpriseScale,
        mining: bool,
        coating: bool,
    ) -> MandatoryVerdict {
        mandatory_verdict(catalog, code, scale, mining, coating)
    }

    /// The smallest scale a rule covers.
    fn smallest_fitting(rule: ScaleRule) -> EnterpriseScale {
        match rule {
            ScaleRule::All => Micro,
            ScaleRule::LargeMedium => Medium,
            ScaleRule::LargeMediumSmall => Small,
        }
    }

    /// Class codes a row applies to: its own code, or one code per division of a range
    /// that no class row claims (so the range row is the only match).
    fn sample_codes(catalog: &[CatalogRow], row: &CatalogRow) -> Vec<String> {
        match Coverage::of(&row.code).expect("valid row code") {
            Coverage::Class(code) => vec![code.to_owned()],
            Coverage::Divisions { from, to } => (from..=to)
                .map(|d| {
                    let code = format!("{d:02}99");
                    assert!(catalog.iter().all(|r| r.code != code));
                    code
                })
                .collect(),
        }
    }

    #[test]
    fn parses_the_shipped_catalogue() {
        let catalog = catalog();
        assert_eq!(catalog.len(), 118);
        let first = &catalog[0];
        assert_eq!(first.code, "0610");
        assert_eq!(first.name, "烟煤和无烟煤开采洗选");
        assert_eq!(first.sector, Sector::Energy);
        assert_eq!(first.scale_rule, ScaleRule::All);
        assert_eq!(
            first.condition,
            Some(CatalogCondition::ExcludesWithoutMiningOperation)
        );
        let coating: Vec<&CatalogRow> = catalog
            .iter()
            .filter(|r| r.condition == Some(CatalogCondition::OnlyWithCoatingProcess))
            .collect();
        assert_eq!(coating.len(), 1);
        assert_eq!(coating[0].code, "33-43");
        assert_eq!(coating[0].sector, Sector::IndustrialCoating);
        // Every sector of the annex has at least one row.
        for sector in Sector::ALL {
            assert!(catalog.iter().any(|r| r.sector == *sector), "{sector}");
        }
    }

    #[test]
    fn every_row_fires_for_a_fitting_scale() {
        let catalog = catalog();
        for row in &catalog {
            for code in sample_codes(&catalog, row) {
                for scale in [Large, smallest_fitting(row.scale_rule)] {
                    let v = verdict(&catalog, &code, scale, true, true);
                    assert!(v.mandatory, "{code} {scale}: {v:?}");
                    assert_eq!(v.reason, VerdictReason::Mandatory);
                    assert_eq!(v.row_code.as_deref(), Some(row.code.as_str()));
                    assert!(v.explanation.contains(&row.name), "{}", v.explanation);
                }
            }
        }
    }

    #[test]
    fn every_row_leaves_out_the_scales_it_does_not_cover() {
        let catalog = catalog();
        for row in &catalog {
            let left_out: &[EnterpriseScale] = match row.scale_rule {
                ScaleRule::All => &[],
                ScaleRule::LargeMedium => &[Small, Micro],
                ScaleRule::LargeMediumSmall => &[Micro],
            };
            for code in sample_codes(&catalog, row) {
                for &scale in left_out {
                    let v = verdict(&catalog, &code, scale, true, true);
                    assert!(!v.mandatory, "{code} {scale}: {v:?}");
                    assert_eq!(v.reason, VerdictReason::ScaleNotCovered);
                    assert_eq!(v.row_code.as_deref(), Some(row.code.as_str()));
                }
            }
        }
    }

    #[test]
    fn micro_is_never_covered_by_large_medium_small() {
        let catalog = catalog();
        let rows: Vec<&CatalogRow> = catalog
            .iter()
            .filter(|r| r.scale_rule == ScaleRule::LargeMediumSmall)
            .collect();
        assert!(!rows.is_empty());
        for row in rows {
            assert!(!verdict(&catalog, &row.code, Micro, true, true).mandatory);
            assert!(verdict(&catalog, &row.code, Small, true, true).mandatory);
        }
        assert!(!scale_fits(ScaleRule::LargeMediumSmall, Micro));
    }

    #[test]
    fn mining_rows_need_a_mining_operation() {
        let catalog = catalog();
        let mining: Vec<&CatalogRow> = catalog
            .iter()
            .filter(|r| r.condition == Some(CatalogCondition::ExcludesWithoutMiningOperation))
            .collect();
        assert_eq!(mining.len(), 3);
        for row in mining {
            for scale in [Large, Micro] {
                let with = verdict(&catalog, &row.code, scale, true, false);
                assert!(with.mandatory, "{with:?}");
                assert!(with.explanation.contains("且有采矿工序"));

                let without = verdict(&catalog, &row.code, scale, false, false);
                assert!(!without.mandatory);
                assert_eq!(without.reason, VerdictReason::NoMiningOperation);
                assert_eq!(without.row_code.as_deref(), Some(row.code.as_str()));
                assert!(without.explanation.contains("无采矿工序"));
            }
        }
    }

    #[test]
    fn mining_flag_does_not_matter_elsewhere() {
        let catalog = catalog();
        // Iron ore mining carries no condition in the annex.
        assert!(verdict(&catalog, "0810", Micro, false, false).mandatory);
        assert!(verdict(&catalog, "3011", Micro, false, false).mandatory);
    }

    #[test]
    fn coating_range_needs_a_coating_process() {
        let catalog = catalog();
        for code in ["3311", "3399", "3811", "4320", "4390"] {
            let with = verdict(&catalog, code, Medium, false, true);
            assert!(with.mandatory, "{with:?}");
            assert_eq!(with.row_code.as_deref(), Some("33-43"));
            assert!(with.explanation.contains("且有工业涂装工序"));

            let without = verdict(&catalog, code, Medium, false, false);
            assert!(!without.mandatory);
            assert_eq!(without.reason, VerdictReason::NoCoatingProcess);
            assert_eq!(without.row_code.as_deref(), Some("33-43"));

            // The condition is reported before the scale.
            let small_without = verdict(&catalog, code, Small, false, false);
            assert_eq!(small_without.reason, VerdictReason::NoCoatingProcess);
            let small_with = verdict(&catalog, code, Small, false, true);
            assert_eq!(small_with.reason, VerdictReason::ScaleNotCovered);
        }
    }

    #[test]
    fn coating_range_stops_at_divisions_32_and_44() {
        let catalog = catalog();
        for code in ["3240", "3299", "4420", "4499"] {
            for coating in [true, false] {
                let v = verdict(&catalog, code, Large, true, coating);
                assert!(!v.mandatory, "{v:?}");
                assert_eq!(v.reason, VerdictReason::NotInCatalogue);
                assert_eq!(v.row_code, None);
            }
        }
        // Class rows of those divisions still apply on their own.
        assert!(verdict(&catalog, "3211", Micro, false, false).mandatory);
        assert!(verdict(&catalog, "4411", Micro, false, true).mandatory);
    }

    #[test]
    fn class_row_is_preferred_over_the_coating_range() {
        let catalog = catalog();
        // 3391 (black metal casting, LARGE_MEDIUM) lies in 33-43 too.
        let both = verdict(&catalog, "3391", Large, false, true);
        assert!(both.mandatory);
        assert_eq!(both.row_code.as_deref(), Some("3391"));

        let no_coating = verdict(&catalog, "3391", Large, false, false);
        assert!(no_coating.mandatory);
        assert_eq!(no_coating.row_code.as_deref(), Some("3391"));

        // Neither fires for a small firm: the class row explains why.
        let small = verdict(&catalog, "3391", Small, false, true);
        assert!(!small.mandatory);
        assert_eq!(small.reason, VerdictReason::ScaleNotCovered);
        assert_eq!(small.row_code.as_deref(), Some("3391"));

        // 3360 (metal surface treatment) covers every scale without a coating process.
        let v = verdict(&catalog, "3360", Micro, false, false);
        assert!(v.mandatory);
        assert_eq!(v.row_code.as_deref(), Some("3360"));
    }

    #[test]
    fn a_firing_range_wins_over_a_class_row_that_does_not_fire() {
        let row = |code: &str, rule, condition| CatalogRow {
            code: code.to_owned(),
            name: format!("行 {code}"),
            sector: Sector::IndustrialCoating,
            scale_rule: rule,
            condition,
        };
        let catalog = [
            row(
                "3393",
                ScaleRule::All,
                Some(CatalogCondition::ExcludesWithoutMiningOperation),
            ),
            row(
                "33-43",
                ScaleRule::LargeMedium,
                Some(CatalogCondition::OnlyWithCoatingProcess),
            ),
        ];
        let v = mandatory_verdict(&catalog, "3393", Large, false, true);
        assert!(v.mandatory);
        assert_eq!(v.row_code.as_deref(), Some("33-43"));

        let v = mandatory_verdict(&catalog, "3393", Large, false, false);
        assert!(!v.mandatory);
        assert_eq!(v.reason, VerdictReason::NoMiningOperation);
        assert_eq!(v.row_code.as_deref(), Some("3393"));
    }

    #[test]
    fn codes_outside_the_annex() {
        let catalog = catalog();
        let v = verdict(&catalog, "1810", Large, true, true);
        assert!(!v.mandatory);
        assert_eq!(v.reason, VerdictReason::NotInCatalogue);
        assert_eq!(v.row_code, None);
        assert!(v.explanation.contains("1810"));

        for bad in ["", "33", "33-43", "061", "06100", "O610", "０６１０"] {
            let v = verdict(&catalog, bad, Large, true, true);
            assert!(!v.mandatory, "{bad}");
            assert_eq!(v.reason, VerdictReason::NotInCatalogue);
            assert_eq!(v.row_code, None);
        }
        assert!(!verdict(&[], "0610", Large, true, true).mandatory);
    }

    #[test]
    fn explanations_name_row_and_reason() {
        let catalog = catalog();
        assert_eq!(
            verdict(&catalog, "3042", Large, false, false).explanation,
            "行业代码 3042 属于附件所列“3042 特种玻璃制造”（适用于大中型企业），本企业为大型企业，须开展强制性清洁生产审核。"
        );
        assert_eq!(
            verdict(&catalog, "3042", Small, false, false).explanation,
            "行业代码 3042 属于附件所列“3042 特种玻璃制造”，但该行仅适用于大中型企业，本企业为小型企业，不属于强制性审核范围。"
        );
    }

    #[test]
    fn industry_class_code_shape() {
        assert!(is_industry_class_code("0610"));
        assert!(is_industry_class_code("4417"));
        for bad in ["", "061", "06100", "33-43", "06a0", " 0610", "０６１０"] {
            assert!(!is_industry_class_code(bad), "{bad}");
        }
    }

    #[test]
    fn scale_rules() {
        for &scale in EnterpriseScale::ALL {
            assert!(scale_fits(ScaleRule::All, scale));
        }
        assert!(scale_fits(ScaleRule::LargeMedium, Large));
        assert!(scale_fits(ScaleRule::LargeMedium, Medium));
        assert!(!scale_fits(ScaleRule::LargeMedium, Small));
        assert!(!scale_fits(ScaleRule::LargeMedium, Micro));
        assert!(scale_fits(ScaleRule::LargeMediumSmall, Small));
        assert!(!scale_fits(ScaleRule::LargeMediumSmall, Micro));
    }

    #[test]
    fn reason_names() {
        let names: Vec<&str> = VerdictReason::ALL.iter().map(|r| r.as_str()).collect();
        assert_eq!(
            names,
            [
                "MANDATORY",
                "NOT_IN_CATALOGUE",
                "SCALE_NOT_COVERED",
                "NO_MINING_OPERATION",
                "NO_COATING_PROCESS"
            ]
        );
        assert_eq!(
            VerdictReason::NoCoatingProcess.to_string(),
            "NO_COATING_PROCESS"
        );
    }

    #[test]
    fn rejects_malformed_catalogues() {
        let header = "sector,code,name,scale_rule,scale_rule_zh,condition\n";
        assert!(parse_catalog_csv("").is_err());
        assert!(parse_catalog_csv("a,b,c\n").is_err());
        assert_eq!(parse_catalog_csv(header), Ok(vec![]));

        let cases = [
            ("钢铁,3110,炼铁,ALL,所有\n", "expected 6 fields"),
            ("钢铁,3110,炼铁,ALL,所有,,\n", "expected 6 fields"),
            ("铁,3110,炼铁,ALL,所有,\n", "unknown sector"),
            ("钢铁,311,炼铁,ALL,所有,\n", "neither"),
            ("钢铁,43-33,炼铁,ALL,所有,\n", "neither"),
            ("钢铁,3110,,ALL,所有,\n", "empty name"),
            ("钢铁,3110,炼铁,SOME,所有,\n", "unknown ScaleRule"),
            ("钢铁,3110,炼铁,ALL,大中型,\n", "does not match"),
            ("钢铁,3110,炼铁,ALL,所有,sometimes\n", "unknown condition"),
            (
                "钢铁,3110,炼铁,ALL,所有,\n钢铁,3110,炼铁,ALL,所有,\n",
                "line 3: duplicate",
            ),
        ];
        for (body, expected) in cases {
            let err = parse_catalog_csv(&format!("{header}{body}")).unwrap_err();
            assert!(err.contains(expected), "{body:?}: {err}");
            assert!(err.starts_with("line "), "{err}");
        }
    }

    #[test]
    fn tolerates_crlf_bom_and_blank_lines() {
        let text = "\u{feff}sector,code,name,scale_rule,scale_rule_zh,condition\r\n\r\n钢铁,3110,炼铁,ALL,所有,\r\n";
        let rows = parse_catalog_csv(text).expect("parses");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].condition, None);
        assert_eq!(rows[0].sector, Sector::Steel);
    }
}
