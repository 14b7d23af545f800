//! Demo appraisals: every active consultancy appraised for each of the five years, then each
//! year's ranking published; and the year after them appraised but left open. These go through the services themselves, so the computed
//! inputs (audits served, reviews passed, staff training hours, …), the totals, grades,
//! ranks and rank changes are exactly what the registry would compute from the demo's data.
//! Their ids are the only demo values that differ between runs (they come from the clock).

use futures_util::{StreamExt, stream};
use rust_decimal::Decimal;
use sea_orm::DbBackend;
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

/// How many appraisals are recorded at once on PostgreSQL. Each reads its firm's evidence
/// (a dozen short queries) before its write, which queues on the year's row and the audit
/// log's head: a few in flight keep the database busy instead of waiting on round trips.
/// SQLite's bulk loader has one connection, and nothing to overlap.
const PG_IN_FLIGHT: usize = 6;

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
    let per_year = firms.len() as u64;
    let in_flight = match s.db.get_database_backend() {
        DbBackend::Postgres => PG_IN_FLIGHT,
        _ => 1,
    };
    let viewer = Viewer::System;
    let mut appraisals = 0;
    for year in FIRST_YEAR..=open_year {
        // A stage per year, and one per ranking: each line then says what it took.
        let stage = format!("appraisals {year}");
        progress.update(&stage, 0, per_year);
        // The year's inputs are drawn in firm order first, so the generator (and every row
        // after the appraisals) does not depend on the order in which they complete.
        let inputs: Vec<NewAppraisal> = firms
            .iter()
            .zip(&levels)
            .map(|(firm, level)| {
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
                NewAppraisal {
                    consultancy_id: *firm,
                    year,
                    scores,
                    deductions,
                }
            })
            .collect();
        let mut recorded = stream::iter(
            inputs
                .into_iter()
                .map(|input| record_appraisal(&s.db, &viewer, input)),
        )
        .buffer_unordered(in_flight);
        let mut in_year = 0;
        while let Some(done) = recorded.next().await {
            done?;
            in_year += 1;
            if in_year % 50 == 0 || in_year == per_year {
                progress.update(&stage, in_year, per_year);
            }
        }
        appraisals += in_year;
        if year < open_year {
            let stage = format!("ranking {year}");
            progress.update(&stage, 0, 1);
            publish_ranking(&s.db, &viewer, year).await?;
            progress.update(&stage, 1, 1);
        }
    }
    Ok(AppraisalCounts {
        appraisals,
        published_years: YEARS as u64,
    })
}
