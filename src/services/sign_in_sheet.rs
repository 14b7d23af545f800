//! The printable sign-in sheet of a review meeting (XLSX): the review, its time and venue,
//! one line per standing seat with a box to sign, and the draw record's seed inputs and
//! digests, so the meeting can check the panel against the draw. Only for a panel revealed to
//! the viewer (it names the experts).

use chrono::FixedOffset;
use entity::{panel_seat, review};
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::auth::Viewer;
use crate::domain::{ReviewKind, SeatStatus};
use crate::error::{AppError, AppResult};
use crate::rules::draw_record::SlotRecord;

use super::{Services, audits, is_not_constant, panels};

fn xlsx_error(e: rust_xlsxwriter::XlsxError) -> AppError {
    AppError::internal(format!("writing XLSX: {e}"))
}

fn title_of(kind: ReviewKind) -> &'static str {
    match kind {
        ReviewKind::Evaluation => "清洁生产审核评估专家签到表",
        ReviewKind::Acceptance => "清洁生产审核验收专家签到表",
        ReviewKind::Recheck => "清洁生产审核抽查复核专家签到表",
    }
}

fn slot_text(slot: Option<&SlotRecord>) -> String {
    let Some(slot) = slot else {
        return String::new();
    };
    let part = |v: &Option<String>| v.clone().unwrap_or_else(|| "不限".to_owned());
    format!("{} / {}", part(&slot.sector), part(&slot.kind))
}

/// The sheet's bytes and a file name.
pub async fn sign_in_sheet(
    s: &Services,
    viewer: &Viewer,
    panel_id: Uuid,
) -> AppResult<(Vec<u8>, String)> {
    let panel = panels::panel_to_inspect(s, viewer, panel_id).await?;
    let record = panels::record_of(&s.db, &panel).await?;
    let review: review::Model = audits::find_review(&s.db, panel.review_id).await?;
    let audit = audits::find(&s.db, panel.audit_id).await?;
    let enterprise = entity::enterprise::Entity::find_by_id(audit.enterprise_id)
        .one(&s.db)
        .await?
        .ok_or_else(|| AppError::internal("the audit's enterprise is missing"))?;
    let seats = panel_seat::Entity::find()
        .filter(panel_seat::Column::PanelId.eq(panel_id))
        .filter(is_not_constant(
            panel_seat::Column::Status,
            SeatStatus::Declined.as_str(),
        ))
        .order_by_asc(panel_seat::Column::SlotIndex)
        .all(&s.db)
        .await?;
    let ids: Vec<Uuid> = seats.iter().map(|seat| seat.expert_id).collect();
    let experts = super::experts::unguarded::by_ids(s, &ids).await?;
    let china = FixedOffset::east_opt(8 * 3600).ok_or_else(|| AppError::internal("offset"))?;

    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("签到表").map_err(xlsx_error)?;
    let title_format = Format::new()
        .set_bold()
        .set_font_size(16)
        .set_align(FormatAlign::Center);
    let header = Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center);
    let cell = Format::new().set_border(FormatBorder::Thin);
    let tall = 28;
    sheet
        .merge_range(0, 0, 0, 6, title_of(review.kind), &title_format)
        .map_err(xlsx_error)?;
    let start = review
        .starts_at
        .map(|t| t.with_timezone(&china).format("%H:%M").to_string())
        .unwrap_or_default();
    let line = format!(
        "企业：{}　日期：{}　时间：{}　地点：{}",
        enterprise.name,
        review.review_date,
        start,
        review.venue.as_deref().unwrap_or("")
    );
    sheet
        .merge_range(1, 0, 1, 6, &line, &Format::new())
        .map_err(xlsx_error)?;
    for (col, text) in [
        "席位",
        "专业要求",
        "专家姓名",
        "工作单位",
        "状态",
        "签到时间",
        "签名",
    ]
    .iter()
    .enumerate()
    {
        sheet
            .write_string_with_format(3, u16::try_from(col).unwrap_or(0), *text, &header)
            .map_err(xlsx_error)?;
    }
    let mut row = 3u32;
    for seat in &seats {
        row += 1;
        let expert = experts.get(&seat.expert_id);
        let slot = usize::try_from(seat.slot_index)
            .ok()
            .and_then(|i| record.composition.get(i));
        let checked_in = seat
            .attendance_recorded_at
            .filter(|_| seat.status == SeatStatus::Attended)
            .map(|t| t.with_timezone(&china).format("%H:%M").to_string())
            .unwrap_or_default();
        let cells = [
            (seat.slot_index + 1).to_string(),
            slot_text(slot),
            expert.map(|e| e.name.clone()).unwrap_or_default(),
            expert.map(|e| e.employer.clone()).unwrap_or_default(),
            seat.status.label().to_owned(),
            checked_in,
            String::new(),
        ];
        for (col, text) in cells.iter().enumerate() {
            sheet
                .write_string_with_format(row, u16::try_from(col).unwrap_or(0), text, &cell)
                .map_err(xlsx_error)?;
        }
        sheet.set_row_height(row, tall).map_err(xlsx_error)?;
    }
    row += 2;
    sheet
        .write_string_with_format(row, 0, "抽取记录", &Format::new().set_bold())
        .map_err(xlsx_error)?;
    for round in &record.rounds {
        row += 1;
        let fields = [
            ("轮次", round.round.to_string()),
            ("算法", round.algorithm.clone()),
            ("承诺值", round.commitment.clone().unwrap_or_default()),
            ("服务器随机数", round.server_random.clone()),
            ("监督人随机串", round.witness_nonce.clone()),
            ("种子", round.seed.clone()),
            ("合格专家数", round.eligible_count.to_string()),
            ("合格名单摘要", round.eligible_digest.clone()),
            ("专家库摘要", round.pool_digest.clone()),
        ];
        for (label, value) in fields {
            sheet.write_string(row, 0, label).map_err(xlsx_error)?;
            sheet.write_string(row, 1, &value).map_err(xlsx_error)?;
            row += 1;
        }
    }
    row += 1;
    sheet
        .write_string(row, 0, "组织单位（盖章）：　　　　　　　监督人签名：")
        .map_err(xlsx_error)?;
    sheet.set_column_width(0, 8).map_err(xlsx_error)?;
    sheet.set_column_width(1, 24).map_err(xlsx_error)?;
    sheet.set_column_width(2, 14).map_err(xlsx_error)?;
    sheet.set_column_width(3, 28).map_err(xlsx_error)?;
    sheet.set_column_width(6, 16).map_err(xlsx_error)?;
    let bytes = workbook.save_to_buffer().map_err(xlsx_error)?;
    Ok((bytes, format!("sign-in-{panel_id}.xlsx")))
}
