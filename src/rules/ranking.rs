//! The yearly ranking of consultancies by appraisal total (综合评定咨询机构服务水平并向社会公开).
//!
//! Order: total, highest first. Equal totals share a rank and the next rank skips
//! (competition ranking: 1, 1, 3). Among equal totals the display order is report quality,
//! highest first, then name in ascending Unicode code point order (not pinyin or stroke order:
//! code points are stable and need no locale data), then consultancy id, so that the order is
//! total and the same on every run. Totals compare by value (`85.5` equals `85.50`).

use std::cmp::Ordering;

use rust_decimal::Decimal;
use uuid::Uuid;

/// One consultancy's appraisal, as ranked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RankingRow {
    pub consultancy_id: Uuid,
    pub name: String,
    pub total: Decimal,
    pub report_quality: Decimal,
}

/// A row with its rank; rows come out in display order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RankedRow {
    /// 1-based competition rank: one more than the number of rows with a higher total.
    pub rank: u32,
    pub consultancy_id: Uuid,
    pub name: String,
    pub total: Decimal,
    pub report_quality: Decimal,
}

/// Display order (see the module docs).
fn display_order(a: &RankingRow, b: &RankingRow) -> Ordering {
    b.total
        .cmp(&a.total)
        .then_with(|| b.report_quality.cmp(&a.report_quality))
        // `str` orders by UTF-8 bytes, which is the same as by code points.
        .then_with(|| a.name.cmp(&b.name))
        .then_with(|| a.consultancy_id.cmp(&b.consultancy_id))
}

/// Ranks the rows: sorted in display order, each with its competition rank.
pub fn rank(mut rows: Vec<RankingRow>) -> Vec<RankedRow> {
    rows.sort_by(display_order);
    let mut ranked: Vec<RankedRow> = Vec::with_capacity(rows.len());
    for (index, row) in rows.into_iter().enumerate() {
        let rank = match ranked.last() {
            Some(prev) if prev.total == row.total => prev.rank,
            // Saturates rather than panics past u32::MAX rows, which no registry will reach.
            _ => u32::try_from(index + 1).unwrap_or(u32::MAX),
        };
        ranked.push(RankedRow {
            rank,
            consultancy_id: row.consultancy_id,
            name: row.name,
            total: row.total,
            report_quality: row.report_quality,
        });
    }
    ranked
}

/// How far a consultancy moved since last year's ranking: positive when it moved up (from 5th
/// to 2nd is +3), negative when down, none when it was not ranked last year.
pub fn rank_change(previous_rank: Option<u32>, rank: u32) -> Option<i32> {
    previous_rank.map(|previous| {
        let change = i64::from(previous) - i64::from(rank);
        // Ranks are u32, so the difference may exceed i32; saturate instead of failing.
        i32::try_from(change).unwrap_or(if change > 0 { i32::MAX } else { i32::MIN })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn row(id: u128, name: &str, total: &str, report_quality: &str) -> RankingRow {
        RankingRow {
            consultancy_id: Uuid::from_u128(id),
            name: name.to_owned(),
            total: Decimal::from_str(total).expect("valid test decimal"),
            report_quality: Decimal::from_str(report_quality).expect("valid test decimal"),
        }
    }

    fn summary(ranked: &[RankedRow]) -> Vec<(u32, &str)> {
        ranked.iter().map(|r| (r.rank, r.name.as_str())).collect()
    }

    #[test]
    fn empty_input_ranks_nothing() {
        assert!(rank(Vec::new()).is_empty());
    }

    /// A ranking case: what it shows, the consultancies as (id, name, total, report quality),
    /// and the ranks and names in the order ranked.
    type Case = (
        &'static str,
        &'static [(u128, &'static str, &'static str, &'static str)],
        &'static [(u32, &'static str)],
    );

    const CASES: &[Case] = &[
        (
            "a single row is first",
            &[(1, "甲", "70", "70")],
            &[(1, "甲")],
        ),
        (
            "highest total first without ties",
            &[
                (1, "A", "70.5", "80"),
                (2, "B", "91", "80"),
                (3, "C", "85.25", "80"),
            ],
            &[(1, "B"), (2, "C"), (3, "A")],
        ),
        (
            // C before B: same total, better report quality.
            "ties share a rank and the next skips",
            &[
                (1, "A", "80", "70"),
                (2, "B", "90", "60"),
                (3, "C", "90", "75"),
                (4, "D", "70", "99"),
            ],
            &[(1, "C"), (1, "B"), (3, "A"), (4, "D")],
        ),
        (
            "names order by code point",
            &[
                (1, "b", "50", "50"),
                (2, "B", "50", "50"),
                (3, "太原", "50", "50"),
                (4, "a", "50", "50"),
            ],
            &[(1, "B"), (1, "a"), (1, "b"), (1, "太原")],
        ),
        (
            "everyone tied",
            &[
                (1, "C", "75", "75"),
                (2, "A", "75", "75"),
                (3, "B", "75", "75"),
            ],
            &[(1, "A"), (1, "B"), (1, "C")],
        ),
    ];

    #[test]
    fn ranks_by_total_then_report_quality_then_name() {
        for (case, rows, expected) in CASES {
            let rows = rows
                .iter()
                .map(|&(id, name, total, quality)| row(id, name, total, quality));
            let ranked = rank(rows.collect());
            assert_eq!(summary(&ranked), expected.to_vec(), "{case}");
        }
    }

    #[test]
    fn three_way_ties_order_by_report_quality_then_name_then_id() {
        let ranked = rank(vec![
            row(9, "乙", "88.00", "80"),
            row(1, "Zeta", "95", "90"),
            row(4, "甲", "88.0", "80"),
            row(3, "甲", "88", "80"),
            row(2, "Alpha", "88", "85"),
            row(5, "Last", "60", "100"),
        ]);
        assert_eq!(
            summary(&ranked),
            vec![
                (1, "Zeta"),
                (2, "Alpha"),
                // By code point 乙 (U+4E59) comes before 甲 (U+7532).
                (2, "乙"),
                (2, "甲"),
                (2, "甲"),
                (6, "Last"),
            ]
        );
        // The two 甲 rows differ only by id.
        assert_eq!(ranked[3].consultancy_id, Uuid::from_u128(3));
        assert_eq!(ranked[4].consultancy_id, Uuid::from_u128(4));
    }

    #[test]
    fn the_order_does_not_depend_on_the_input_order() {
        let rows = vec![
            row(1, "A", "80", "70"),
            row(2, "B", "90", "60"),
            row(3, "C", "90", "75"),
            row(4, "A", "80", "70"),
        ];
        let mut reversed = rows.clone();
        reversed.reverse();
        assert_eq!(rank(rows), rank(reversed));
    }

    #[test]
    fn rank_changes() {
        assert_eq!(rank_change(None, 3), None);
        assert_eq!(rank_change(Some(5), 2), Some(3));
        assert_eq!(rank_change(Some(2), 5), Some(-3));
        assert_eq!(rank_change(Some(4), 4), Some(0));
        assert_eq!(rank_change(Some(u32::MAX), 1), Some(i32::MAX));
        assert_eq!(rank_change(Some(1), u32::MAX), Some(i32::MIN));
    }
}
