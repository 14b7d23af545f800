//! The reference data the migrations seed, parsed from the project's own copies of the
//! provincial plan's tables (`migration/data/*.csv`).

/// GB/T 2260 codes and names of Shanxi's 11 prefecture cities.
pub const CITIES_CSV: &str = include_str!("../data/cities.csv");
/// The annex of the 2022 plan: 118 industry rows.
pub const INDUSTRY_CATALOG_CSV: &str = include_str!("../data/industry-catalog.csv");

/// The 13 sectors of the annex, in the annex's order: (enum name, Chinese name).
pub const SECTORS: [(&str, &str); 13] = [
    ("ENERGY", "能源"),
    ("STEEL", "钢铁"),
    ("COKING_COAL_CHEMICAL", "焦化及煤化工"),
    ("BUILDING_MATERIALS", "建材"),
    ("NONFERROUS", "有色"),
    ("CHEMICAL", "化工"),
    ("DYEING", "印染"),
    ("PAPER", "造纸"),
    ("PHARMACEUTICAL", "制药"),
    ("ELECTROPLATING", "电镀"),
    ("AGRI_FOOD", "农副食品加工"),
    ("INDUSTRIAL_COATING", "工业涂装"),
    ("PACKAGING_PRINTING", "包装印刷"),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CityRow {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndustryRow {
    pub code: String,
    pub name: String,
    /// Enum name of the sector, e.g. `STEEL`.
    pub sector: String,
    pub scale_rule: String,
    /// Enum name of the condition, e.g. `ONLY_WITH_COATING_PROCESS`.
    pub condition: Option<String>,
}

fn data_lines(text: &str) -> impl Iterator<Item = (usize, Vec<&str>)> {
    text.lines()
        .enumerate()
        .skip(1)
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| (i + 1, l.trim_end_matches('\r').split(',').collect()))
}

pub fn cities() -> Result<Vec<CityRow>, String> {
    data_lines(CITIES_CSV)
        .map(|(line, f)| match f.as_slice() {
            [code, name] => Ok(CityRow {
                code: code.to_string(),
                name: name.to_string(),
            }),
            _ => Err(format!("cities.csv line {line}: expected 2 fields")),
        })
        .collect()
}

pub fn industries() -> Result<Vec<IndustryRow>, String> {
    data_lines(INDUSTRY_CATALOG_CSV)
        .map(|(line, f)| match f.as_slice() {
            [sector_zh, code, name, scale_rule, _scale_rule_zh, condition] => {
                let sector = SECTORS
                    .iter()
                    .find(|(_, zh)| zh == sector_zh)
                    .map(|(en, _)| en.to_string())
                    .ok_or_else(|| format!("industry-catalog.csv line {line}: unknown sector"))?;
                let condition = match *condition {
                    "" => None,
                    "excludes_enterprises_without_mining_operation" => {
                        Some("EXCLUDES_WITHOUT_MINING_OPERATION".to_owned())
                    }
                    "only_enterprises_with_industrial_coating_process" => {
                        Some("ONLY_WITH_COATING_PROCESS".to_owned())
                    }
                    other => {
                        return Err(format!(
                            "industry-catalog.csv line {line}: unknown condition {other}"
                        ));
                    }
                };
                Ok(IndustryRow {
                    code: code.to_string(),
                    name: name.to_string(),
                    sector,
                    scale_rule: scale_rule.to_string(),
                    condition,
                })
            }
            _ => Err(format!(
                "industry-catalog.csv line {line}: expected 6 fields"
            )),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_all_reference_rows() {
        assert_eq!(cities().map(|c| c.len()), Ok(11));
        let rows = industries().expect("catalogue parses");
        assert_eq!(rows.len(), 118);
        let mut codes: Vec<_> = rows.iter().map(|r| r.code.as_str()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), 118, "industry codes are unique");
    }
}
