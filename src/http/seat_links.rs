//! `/seat-link`: the page an invitation's link opens. `GET` shows the invitation and two
//! buttons, and changes nothing (mail scanners and link previews fetch links); the buttons
//! `POST` the answer. No sign-in: the signed, single-use token is the credential (see
//! `services::notifications::seat_links`). Plain HTML, no script, in Chinese.

use actix_web::{HttpResponse, http::StatusCode, web};
use serde::Deserialize;

use crate::AppState;
use crate::domain::SeatStatus;
use crate::error::AppError;
use crate::services::notifications::seat_links;

#[derive(Deserialize)]
pub struct TokenQuery {
    token: String,
}

#[derive(Deserialize)]
pub struct AnswerForm {
    token: String,
    /// `accept` or `decline`.
    answer: String,
    #[serde(default)]
    reason: Option<String>,
}

pub async fn show(state: web::Data<AppState>, query: web::Query<TokenQuery>) -> HttpResponse {
    match seat_links::view(&state.services, &query.token).await {
        Ok(view) if view.seat.status == SeatStatus::Invited => page(
            StatusCode::OK,
            &view.title,
            &format!(
                "<p>{}</p>\
                 <form method=\"post\" action=\"/seat-link\">\
                 <input type=\"hidden\" name=\"token\" value=\"{}\">\
                 <p><button type=\"submit\" name=\"answer\" value=\"accept\">确认参加</button></p>\
                 <p><label>谢绝理由（谢绝时必填）<br><textarea name=\"reason\" rows=\"3\" cols=\"40\" maxlength=\"500\"></textarea></label></p>\
                 <p><button type=\"submit\" name=\"answer\" value=\"decline\">谢绝</button></p>\
                 </form><p>链接有效期至 {} {}（北京时间，仅可使用一次）。</p>",
                escape(&view.body),
                escape(&query.token),
                crate::rules::meetings::china_date(view.link.expires_at),
                crate::rules::meetings::china_clock(view.link.expires_at)
            ),
        ),
        Ok(view) => page(
            StatusCode::OK,
            &view.title,
            &format!(
                "<p>该邀请已处理（当前状态：{}），无需再次回复。</p>",
                view.seat.status.label()
            ),
        ),
        Err(e) => refused(&e),
    }
}

pub async fn answer(state: web::Data<AppState>, form: web::Form<AnswerForm>) -> HttpResponse {
    let form = form.into_inner();
    let accept = match form.answer.as_str() {
        "accept" => true,
        "decline" => false,
        _ => return refused(&AppError::bad_input("answer", "is accept or decline")),
    };
    let reason = if accept { None } else { form.reason };
    match seat_links::answer(&state.services, &form.token, accept, reason).await {
        Ok(seat) => page(
            StatusCode::OK,
            "已收到您的回复",
            &format!(
                "<p>评审日期 {} 的邀请：{}。谢谢！</p>",
                seat.review_date,
                seat.status.label()
            ),
        ),
        Err(e) => refused(&e),
    }
}

fn refused(e: &AppError) -> HttpResponse {
    let status = match e {
        AppError::BadUserInput { .. } => StatusCode::BAD_REQUEST,
        AppError::Forbidden(_) => StatusCode::FORBIDDEN,
        AppError::Conflict(_) => StatusCode::CONFLICT,
        AppError::NotFound { .. } => StatusCode::NOT_FOUND,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    page(
        status,
        "无法处理",
        &format!("<p>{}</p>", escape(&crate::messages_zh::for_error(e))),
    )
}

fn page(status: StatusCode, title: &str, body: &str) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        // The token is in the address: keep the page out of caches.
        .insert_header(("Cache-Control", "no-store"))
        .body(format!(
            "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>{t}</title></head><body><h1>{t}</h1>{body}</body></html>",
            t = escape(title)
        ))
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_markup() {
        assert_eq!(
            super::escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
