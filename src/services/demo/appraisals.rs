//! Demo appraisals: every active consultancy appraised for each of the five years, then each
//! year's ranking published; and the year after them appraised but left open. These go through the services themselves, so the computed
//! inputs (audits served, reviews passed, staff training hours, …), the totals, grades,
//! ranks and rank changes are exactly what the registry would compute from the demo's data.
//! Their ids are the only demo values that differ between runs (they come from the clock).

use rust_decimal::Decimal;
use uuid::Uuid;

use crate::auth::Viewer;
use crate::error::AppResult;
use crate::rules::appraisal::Scores;
use crate::services::Services;
use crate::services::appraisals::{NewAppraisal, record_appraisal};
use crate::services::ranking::publish_ranking;

use super::{FIRST_YEAR, Gen, Progress, YEARS};

pub(super) struct AppraisalCounts {
    pub appraisals: u64,
    pub published_years: u64,
}

/// A score from 0 to 100 with two decimals around a firm's usual level.
fn score(g: &mut Gen, level: i64) -> Decimal {
    let hundredths = (level + g.range(-800, 800)).clamp(3_000, 10_000);
    Decimal::new(hundredths, 2)
}

pub(super) async fn seed_appraisals(
    s: &Services,
    g: &mut Gen,
    firms: &[Uuid],
    progress: &dyn Progress,
) -> AppResult<AppraisalCounts> {
    // Each firm keeps roughly its standing from year to year.
    let levels: Vec<i64> = firms.iter().map(|_| g.range(6_000, 9_200)).collect();
    // The five past years, published, and the year after them left open (appraised, not
    // published), where `recordAppraisal` and the provisional ranking can be tried.
    let open_year = FIRST_YEAR + YEARS;
    let total = firms.len() as u64 * (YEARS as u64 + 1);
    let mut appraisals = 0;
    for year in FIRST_YEAR..=open_year {
        for (firm, level) in firms.iter().zip(&levels) {
            let scores = Scores {
                capacity_building: score(g, *level),
                report_quality: score(g, *level),
                personnel_management: score(g, *level),
                service_quality: score(g, *level),
                service_quantity: score(g, *level),
            };
            let deductions = if g.chance(10) {
                vec![(
                    "报告抽查发现数据前后不一致".to_owned(),
                    Decimal::new(g.range(1, 5), 0),
                )]
            } else {
                Vec::new()
            };
            record_appraisal(
                &s.db,
                &Viewer::System,
                NewAppraisal {
                    consultancy_id: *firm,
                    year,
                    scores,
                    deductions,
                },
            )
            .await?;
            appraisals += 1;
            if appraisals % 50 == 0 {
                progress.update("appraisals", appraisals, total);
            }
        }
        if year < open_year {
            publish_ranking(&s.db, &Viewer::System, year).await?;
        }
    }
    Ok(AppraisalCounts {
        appraisals,
        published_years: YEARS as u64,
    })
}
