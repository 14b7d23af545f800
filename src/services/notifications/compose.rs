//! A notification's text as it leaves by e-mail or SMS: the template's title and body
//! (`templates`), the seat-answer link of an invitation, and the sender's line.

use crate::domain::NotificationChannel;

/// What every SMS starts with: Chinese gateways require the sender's signature in brackets.
pub const SMS_SIGNATURE: &str = "【山西省清洁生产审核】";

const EMAIL_FOOTER: &str = "此邮件由山西省清洁生产审核管理系统自动发送，请勿直接回复。";

/// The subject (e-mail only) and text of a message.
pub fn message(
    channel: NotificationChannel,
    title: &str,
    body: &str,
    answer_link: Option<&str>,
) -> (String, String) {
    match channel {
        NotificationChannel::Email => {
            let link = answer_link
                .map(|url| format!("\n\n确认参加或谢绝（无需登录，链接仅可使用一次）：\n{url}"))
                .unwrap_or_default();
            (
                title.to_owned(),
                format!("{title}\n\n{body}{link}\n\n--\n{EMAIL_FOOTER}"),
            )
        }
        NotificationChannel::Sms => {
            let link = answer_link
                .map(|url| format!(" 确认或谢绝：{url}"))
                .unwrap_or_default();
            (title.to_owned(), format!("{SMS_SIGNATURE}{body}{link}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_link_goes_into_both() {
        let (subject, text) = message(
            NotificationChannel::Email,
            "评审专家邀请",
            "时间：2026-06-10",
            Some("https://x/seat-link?token=t"),
        );
        assert_eq!(subject, "评审专家邀请");
        assert!(text.contains("时间：2026-06-10"));
        assert!(text.contains("https://x/seat-link?token=t"));
        assert!(text.ends_with(EMAIL_FOOTER));
        let (_, sms) = message(NotificationChannel::Sms, "t", "正文", None);
        assert_eq!(sms, "【山西省清洁生产审核】正文");
    }
}
