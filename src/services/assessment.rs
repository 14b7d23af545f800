//! The province's yearly assessment of each city (目标责任制考核): the province sets a year's
//! items (their weights add up to 100), each city's sheet computes its COMPUTED items live
//! from the figures (`figures`) and shows the province's MANUAL scores; finalising a sheet
//! freezes its computed values and scores, after which nothing on it changes and the year's
//! items stay as they are. The rules are in `rules::assessment`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{assessment_item, assessment_score, assessment_sheet};
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde_json::json;
use uuid::Uuid;

use crate::auth::Viewer;
use crate::db::begin_write;
use crate::domain::{AssessmentItemKind, AssessmentSheetStatus, ScoringMethod};
use crate::error::{AppError, AppResult};
use crate::rules::assessment::{
    ItemDef, ItemFault, ScoreFault, check_items, check_manual_score, computed_score, figure_value,
    total,
};
use crate::rules::city_summary::year_is_over;

use super::amounts::{from_stored, to_stored};
use super::enterprises::check_plan_year;
use super::figures::{self, Scope};
use super::text::required_text;
use super::{audit_log, reference, today, versioned};

/// The longest note of a manual score, in characters.
const NOTE_MAX: usize = 1_000;

/// The province's score of a MANUAL item on a city's sheet.
#[derive(Clone, Debug, async_graphql::InputObject)]
#[graphql(name = "ScoreAssessmentItemInput")]
pub struct ScoreInput {
    /// The city assessed.
    pub city_code: String,
    /// The year assessed.
    pub year: i32,
    /// The item's code.
    pub item_code: String,
    /// Points, from 0 to the item's weight, at most two decimal places.
    pub score: Decimal,
    /// Why this score (评分说明).
    pub note: String,
}

/// One line of a sheet: the item and where it stands.
#[derive(Clone, Debug)]
pub struct SheetLine {
    pub item: assessment_item::Model,
    /// COMPUTED items: the figure's value in percent (none when nothing was measured).
    pub value: Option<Decimal>,
    /// Points; none for a MANUAL item not scored yet.
    pub score: Option<Decimal>,
    pub note: Option<String>,
    pub scored_by: Option<Uuid>,
    pub scored_at: Option<DateTime<Utc>>,
}

/// A city's sheet of a year, as computed now or as finalised.
#[derive(Clone, Debug)]
pub struct Sheet {
    pub city_code: String,
    pub year: i32,
    pub status: AssessmentSheetStatus,
    /// None until the first manual score or the finalisation.
    pub stored: Option<assessment_sheet::Model>,
    pub lines: Vec<SheetLine>,
    /// The items' points together (unscored manual items count 0 until scored).
    pub total: Decimal,
}

fn item_fault(fault: ItemFault) -> AppError {
    match fault {
        ItemFault::NoItems => AppError::bad_input("items", "give at least one item"),
        ItemFault::TooMany => AppError::bad_input("items", "at most 50 items"),
        ItemFault::Code { index } => AppError::bad_input(
            format!("items[{index}].code"),
            "must be 1 to 20 letters, digits, '-', '_' or '.'",
        ),
        ItemFault::DuplicateCode { index } => AppError::bad_input(
            format!("items[{index}].code"),
            "is given to another item already",
        ),
        ItemFault::Title { index } => AppError::bad_input(
            format!("items[{index}].title"),
            "must be 1 to 200 characters",
        ),
        ItemFault::Weight { index } => AppError::bad_input(
            format!("items[{index}].weight"),
            "must be from 1 to 100 points",
        ),
        ItemFault::TargetWithoutFigure { index } => AppError::bad_input(
            format!("items[{index}].figure"),
            "a target or method needs a figure; a MANUAL item has neither",
        ),
        ItemFault::FigureWithoutTarget { index } => AppError::bad_input(
            format!("items[{index}].target"),
            "a COMPUTED item needs its target",
        ),
        ItemFault::Target { index } => AppError::bad_input(
            format!("items[{index}].target"),
            "must be above 0 and at most 100 (percent)",
        ),
        ItemFault::WeightsSum(sum) => AppError::bad_input(
            "items",
            format!("the items' weights add up to {sum}, not 100"),
        ),
    }
}

async fn items_of(db: &impl ConnectionTrait, year: i32) -> AppResult<Vec<assessment_item::Model>> {
    Ok(assessment_item::Entity::find()
        .filter(assessment_item::Column::Year.eq(year))
        .order_by_asc(assessment_item::Column::Position)
        .all(db)
        .await?)
}

async fn sheet_of(
    db: &impl ConnectionTrait,
    city_code: &str,
    year: i32,
) -> AppResult<Option<assessment_sheet::Model>> {
    Ok(assessment_sheet::Entity::find()
        .filter(assessment_sheet::Column::CityCode.eq(city_code))
        .filter(assessment_sheet::Column::Year.eq(year))
        .one(db)
        .await?)
}

async fn scores_of(
    db: &impl ConnectionTrait,
    sheet_id: Uuid,
) -> AppResult<HashMap<String, assessment_score::Model>> {
    Ok(assessment_score::Entity::find()
        .filter(assessment_score::Column::SheetId.eq(sheet_id))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.item_code.clone(), s))
        .collect())
}

/// The province sets the year's items, replacing those before, while no sheet of the year is
/// finalised. Manual scores already given stay where their item is still MANUAL and within
/// its weight; the others are cleared.
pub async fn set_items(
    db: &DatabaseConnection,
    viewer: &Viewer,
    year: i32,
    input: Vec<ItemDef>,
) -> AppResult<Vec<assessment_item::Model>> {
    viewer.require_province_admin()?;
    let year = check_plan_year("year", year)?;
    let defs: Vec<ItemDef> = input
        .into_iter()
        .map(|i| ItemDef {
            code: i.code.trim().to_owned(),
            title: i.title.trim().to_owned(),
            ..i
        })
        .collect();
    check_items(&defs).map_err(item_fault)?;
    let mut targets = Vec::with_capacity(defs.len());
    for (index, d) in defs.iter().enumerate() {
        let field = format!("items[{index}].target");
        targets.push(d.target.map(|t| to_stored(&field, t)).transpose()?);
    }

    let txn = begin_write(db).await?;
    let finalised = assessment_sheet::Entity::find()
        .filter(assessment_sheet::Column::Year.eq(year))
        .filter(assessment_sheet::Column::Status.eq(AssessmentSheetStatus::Finalised.as_str()))
        .one(&txn)
        .await?;
    if finalised.is_some() {
        return Err(AppError::conflict(
            "a sheet of the year is finalised: the year's items stay as they are",
        ));
    }
    assessment_item::Entity::delete_many()
        .filter(assessment_item::Column::Year.eq(year))
        .exec(&txn)
        .await?;
    let now = Utc::now();
    let mut saved = Vec::with_capacity(defs.len());
    for (position, (d, target)) in (0i32..).zip(defs.iter().zip(targets)) {
        let kind = if d.figure.is_some() {
            AssessmentItemKind::Computed
        } else {
            AssessmentItemKind::Manual
        };
        let row = assessment_item::ActiveModel {
            id: Set(Uuid::now_v7()),
            year: Set(year),
            position: Set(position),
            code: Set(d.code.clone()),
            title: Set(d.title.clone()),
            weight: Set(d.weight),
            kind: Set(kind),
            figure: Set(d.figure),
            target: Set(target),
            method: Set(d
                .figure
                .map(|_| d.method.unwrap_or(ScoringMethod::Proportional))),
            set_by: Set(viewer.user_id()),
            created_at: Set(now),
        };
        saved.push(row.insert(&txn).await?);
    }
    // Scores that no longer fit their item are cleared.
    let sheets: Vec<Uuid> = assessment_sheet::Entity::find()
        .filter(assessment_sheet::Column::Year.eq(year))
        .all(&txn)
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect();
    let kept: HashMap<&str, i32> = saved
        .iter()
        .filter(|i| i.kind == AssessmentItemKind::Manual)
        .map(|i| (i.code.as_str(), i.weight))
        .collect();
    let scores = assessment_score::Entity::find()
        .filter(assessment_score::Column::SheetId.is_in(sheets))
        .all(&txn)
        .await?;
    let stale: Vec<Uuid> = scores
        .iter()
        .filter(|s| {
            kept.get(s.item_code.as_str())
                .is_none_or(|w| from_stored(s.score) > Decimal::from(*w))
        })
        .map(|s| s.id)
        .collect();
    let cleared = stale.len();
    if !stale.is_empty() {
        assessment_score::Entity::delete_many()
            .filter(assessment_score::Column::Id.is_in(stale))
            .exec(&txn)
            .await?;
    }
    audit_log::commit(
        txn,
        viewer,
        "setAssessmentItems",
        "AssessmentItems",
        Some(year.to_string()),
        json!({
            "year": year,
            "items": saved.iter().map(|i| json!({
                "code": i.code,
                "weight": i.weight,
                "kind": i.kind,
                "figure": i.figure,
            })).collect::<Vec<_>>(),
            "scoresCleared": cleared,
        }),
    )
    .await?;
    Ok(saved)
}

/// The year's items: province and city admins.
pub async fn items(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    year: i32,
) -> AppResult<Vec<assessment_item::Model>> {
    viewer.require_admin()?;
    let year = check_plan_year("year", year)?;
    items_of(db, year).await
}

/// The sheet as it stands: frozen values when finalised, else computed now.
async fn build(db: &impl ConnectionTrait, city_code: &str, year: i32) -> AppResult<Sheet> {
    let items = items_of(db, year).await?;
    let stored = sheet_of(db, city_code, year).await?;
    let mut scores = match &stored {
        Some(s) => scores_of(db, s.id).await?,
        None => HashMap::new(),
    };
    let status = stored
        .as_ref()
        .map_or(AssessmentSheetStatus::Open, |s| s.status);
    let frozen = status == AssessmentSheetStatus::Finalised;
    let needs_figures = !frozen && items.iter().any(|i| i.figure.is_some());
    let rates = if needs_figures {
        let scope = Scope {
            city: Some(city_code.to_owned()),
            ..Default::default()
        };
        figures::compute(db, &scope, (year, year))
            .await?
            .total
            .years
            .first()
            .map(|y| y.rates)
    } else {
        None
    };
    let lines: Vec<SheetLine> = items
        .into_iter()
        .map(|item| {
            let kept = scores.remove(&item.code);
            let (value, score) = match (item.figure, frozen, &kept) {
                (Some(_), true, Some(s)) => (s.value.map(from_stored), Some(from_stored(s.score))),
                (Some(figure), _, _) => {
                    let value = rates.as_ref().and_then(|r| figure_value(r, figure));
                    let target = item.target.map(from_stored).unwrap_or(Decimal::ONE_HUNDRED);
                    let method = item.method.unwrap_or(ScoringMethod::Proportional);
                    (
                        value,
                        Some(computed_score(item.weight, value, target, method)),
                    )
                }
                (None, _, kept) => (None, kept.as_ref().map(|s| from_stored(s.score))),
            };
            SheetLine {
                value,
                score,
                note: kept.as_ref().and_then(|s| s.note.clone()),
                scored_by: kept.as_ref().and_then(|s| s.scored_by),
                scored_at: kept.as_ref().map(|s| s.scored_at),
                item,
            }
        })
        .collect();
    let total = match stored.as_ref().and_then(|s| s.total) {
        Some(units) if frozen => from_stored(units),
        _ => total(lines.iter().filter_map(|l| l.score)),
    };
    Ok(Sheet {
        city_code: city_code.to_owned(),
        year,
        status,
        stored,
        lines,
        total,
    })
}

/// A city's sheet of a year: the province any city's, a city admin their own.
pub async fn sheet(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    city_code: &str,
    year: i32,
) -> AppResult<Sheet> {
    let city_code = city_code.trim();
    viewer.require_city(city_code)?;
    reference::require_known_city(db, "cityCode", city_code).await?;
    let year = check_plan_year("year", year)?;
    build(db, city_code, year).await
}

/// The city's sheet row, made OPEN when it has none yet; CONFLICT once finalised.
async fn open_sheet(
    txn: &impl ConnectionTrait,
    city_code: &str,
    year: i32,
) -> AppResult<assessment_sheet::Model> {
    let sheet = match sheet_of(txn, city_code, year).await? {
        Some(sheet) => sheet,
        None => {
            let now = Utc::now();
            assessment_sheet::ActiveModel {
                id: Set(Uuid::now_v7()),
                city_code: Set(city_code.to_owned()),
                year: Set(year),
                status: Set(AssessmentSheetStatus::Open),
                total: Set(None),
                finalised_by: Set(None),
                finalised_at: Set(None),
                // Moved to 1 by the write that made it (`bump`).
                version: Set(0),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(txn)
            .await?
        }
    };
    if sheet.status == AssessmentSheetStatus::Finalised {
        return Err(AppError::conflict(
            "the sheet is finalised: its scores are frozen",
        ));
    }
    Ok(sheet)
}

/// Moves the sheet on from the version read, only while it is still OPEN there.
async fn bump(
    txn: &impl ConnectionTrait,
    sheet: &assessment_sheet::Model,
    finalised: Option<(&Viewer, Decimal)>,
) -> AppResult<()> {
    let now = Utc::now();
    let mut update = assessment_sheet::Entity::update_many()
        .col_expr(
            assessment_sheet::Column::Version,
            Expr::value(sheet.version + 1),
        )
        .col_expr(assessment_sheet::Column::UpdatedAt, Expr::value(now));
    if let Some((viewer, total)) = finalised {
        update = update
            .col_expr(
                assessment_sheet::Column::Status,
                Expr::value(AssessmentSheetStatus::Finalised.as_str()),
            )
            .col_expr(
                assessment_sheet::Column::Total,
                Expr::value(to_stored("total", total)?),
            )
            .col_expr(
                assessment_sheet::Column::FinalisedBy,
                Expr::value(viewer.user_id()),
            )
            .col_expr(assessment_sheet::Column::FinalisedAt, Expr::value(now));
    }
    let update = update
        .filter(assessment_sheet::Column::Id.eq(sheet.id))
        .filter(assessment_sheet::Column::Version.eq(sheet.version))
        .filter(assessment_sheet::Column::Status.eq(AssessmentSheetStatus::Open.as_str()));
    versioned::write_guarded(txn, update, || {
        AppError::conflict("the sheet changed meanwhile; read it again")
    })
    .await
}

/// The province scores a MANUAL item of a city's sheet (0 to its weight, with a note).
pub async fn score_item(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: ScoreInput,
) -> AppResult<Sheet> {
    viewer.require_province_admin()?;
    let city_code = input.city_code.trim().to_owned();
    reference::require_known_city(db, "cityCode", &city_code).await?;
    let year = check_plan_year("year", input.year)?;
    let note = required_text("note", &input.note, NOTE_MAX)?;
    let item_code = input.item_code.trim();
    let txn = begin_write(db).await?;
    let Some(item) = items_of(&txn, year)
        .await?
        .into_iter()
        .find(|i| i.code == item_code)
    else {
        return Err(AppError::bad_input(
            "itemCode",
            "no such item in the year's assessment",
        ));
    };
    if item.kind != AssessmentItemKind::Manual {
        return Err(AppError::bad_input(
            "itemCode",
            "only a MANUAL item is scored by hand; a COMPUTED one follows its figure",
        ));
    }
    let score = match check_manual_score(input.score, item.weight) {
        Ok(score) => score,
        Err(ScoreFault::OutOfRange) => {
            return Err(AppError::bad_input(
                "score",
                "must be from 0 to the item's weight",
            ));
        }
        Err(ScoreFault::TooPrecise) => {
            return Err(AppError::bad_input(
                "score",
                "must have at most 2 decimal places",
            ));
        }
    };
    let stored_score = to_stored("score", score)?;
    let sheet = open_sheet(&txn, &city_code, year).await?;
    assessment_score::Entity::delete_many()
        .filter(assessment_score::Column::SheetId.eq(sheet.id))
        .filter(assessment_score::Column::ItemCode.eq(item.code.as_str()))
        .exec(&txn)
        .await?;
    assessment_score::ActiveModel {
        id: Set(Uuid::now_v7()),
        sheet_id: Set(sheet.id),
        item_code: Set(item.code.clone()),
        value: Set(None),
        score: Set(stored_score),
        note: Set(Some(note.clone())),
        scored_by: Set(viewer.user_id()),
        scored_at: Set(Utc::now()),
    }
    .insert(&txn)
    .await?;
    bump(&txn, &sheet, None).await?;
    audit_log::commit(
        txn,
        viewer,
        "scoreAssessmentItem",
        "AssessmentSheet",
        Some(sheet.id.to_string()),
        json!({
            "cityCode": city_code,
            "year": year,
            "itemCode": item.code,
            "score": score,
            "note": note,
        }),
    )
    .await?;
    build(db, &city_code, year).await
}

/// The province finalises a city's sheet of a past year once every MANUAL item is scored:
/// the computed values and scores are frozen with the total.
pub async fn finalise(
    db: &DatabaseConnection,
    viewer: &Viewer,
    city_code: &str,
    year: i32,
) -> AppResult<Sheet> {
    viewer.require_province_admin()?;
    let city_code = city_code.trim().to_owned();
    reference::require_known_city(db, "cityCode", &city_code).await?;
    let year = check_plan_year("year", year)?;
    if !year_is_over(year, today()) {
        return Err(AppError::bad_input(
            "year",
            "the year is not over: a sheet is finalised for a past year",
        ));
    }
    let txn = begin_write(db).await?;
    let now_sheet = build(&txn, &city_code, year).await?;
    if now_sheet.status == AssessmentSheetStatus::Finalised {
        return Err(AppError::conflict("the sheet is finalised already"));
    }
    if now_sheet.lines.is_empty() {
        return Err(AppError::bad_input(
            "year",
            "no assessment items are set for the year",
        ));
    }
    if now_sheet.lines.iter().any(|l| l.score.is_none()) {
        return Err(AppError::bad_input(
            "itemCode",
            "every MANUAL item needs its score before the sheet is finalised",
        ));
    }
    let sheet = open_sheet(&txn, &city_code, year).await?;
    let at = Utc::now();
    for line in now_sheet.lines.iter().filter(|l| l.item.figure.is_some()) {
        assessment_score::ActiveModel {
            id: Set(Uuid::now_v7()),
            sheet_id: Set(sheet.id),
            item_code: Set(line.item.code.clone()),
            value: Set(line.value.map(|v| to_stored("value", v)).transpose()?),
            score: Set(to_stored("score", line.score.unwrap_or_default())?),
            note: Set(None),
            scored_by: Set(viewer.user_id()),
            scored_at: Set(at),
        }
        .insert(&txn)
        .await?;
    }
    bump(&txn, &sheet, Some((viewer, now_sheet.total))).await?;
    audit_log::commit(
        txn,
        viewer,
        "finaliseAssessmentSheet",
        "AssessmentSheet",
        Some(sheet.id.to_string()),
        json!({
            "cityCode": city_code,
            "year": year,
            "total": now_sheet.total,
        }),
    )
    .await?;
    build(db, &city_code, year).await
}
