//! How a notification leaves the registry: which channels carry it, and what a failed try
//! leads to. The channels' allowance, the number of tries and the back-off are settings
//! (our choices, not the plan's words).

use std::time::Duration;

use crate::domain::NotificationChannel;

/// The channels a notification goes out on: those the server has configured, the province
/// allows for its kind (`None`: no rule set, all) and the recipient chose (`None`: no choice
/// made, all allowed), and for which the recipient has an address.
pub fn channels_for(
    configured: &[NotificationChannel],
    allowed: Option<&[NotificationChannel]>,
    chosen: Option<&[NotificationChannel]>,
    has_address: impl Fn(NotificationChannel) -> bool,
) -> Vec<NotificationChannel> {
    configured
        .iter()
        .copied()
        .filter(|c| allowed.is_none_or(|a| a.contains(c)))
        .filter(|c| chosen.is_none_or(|a| a.contains(c)))
        .filter(|c| has_address(*c))
        .collect()
}

/// What follows a failed try.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AfterFailure {
    /// Try again after this long.
    RetryIn(Duration),
    /// The tries are used up: FAILED, for an administrator to see and resend.
    GiveUp,
}

/// After the `attempts`-th failed try (1-based) of at most `max_attempts`: wait `backoff`,
/// doubling with each try (capped at a day, so a long outage does not push retries to weeks).
pub fn after_failure(attempts: u32, max_attempts: u32, backoff: Duration) -> AfterFailure {
    if attempts >= max_attempts {
        return AfterFailure::GiveUp;
    }
    let doublings = attempts.saturating_sub(1).min(20);
    let wait = backoff.saturating_mul(1 << doublings);
    AfterFailure::RetryIn(wait.min(Duration::from_secs(24 * 3600)))
}

/// Channels as stored (comma-separated names, in the enum's order, no repeats).
pub fn channels_text(channels: &[NotificationChannel]) -> String {
    let mut sorted = channels.to_vec();
    sorted.sort();
    sorted.dedup();
    sorted
        .iter()
        .map(|c| c.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// Reads stored channels; `None` when a name is unknown.
pub fn parse_channels(text: &str) -> Option<Vec<NotificationChannel>> {
    text.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| p.parse().ok())
        .collect()
}

/// An e-mail address as users type them: one `@`, something on either side, a dot in the
/// domain, no spaces. Deliverability is the mail server's to judge.
pub fn looks_like_email(address: &str) -> bool {
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !address.chars().any(char::is_whitespace)
}

/// An address shown to an administrator: enough to recognise, not to copy.
pub fn mask_address(channel: NotificationChannel, address: &str) -> String {
    match channel {
        NotificationChannel::Sms => super::masking::mask_phone(address),
        NotificationChannel::Email => match address.split_once('@') {
            Some((local, domain)) => {
                let first: String = local.chars().take(1).collect();
                format!("{first}***@{domain}")
            }
            None => "***".to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use NotificationChannel::{Email, Sms};

    #[test]
    fn channels_are_what_all_four_allow() {
        let both = [Email, Sms];
        assert_eq!(channels_for(&both, None, None, |_| true), vec![Email, Sms]);
        assert_eq!(channels_for(&[Email], None, None, |_| true), vec![Email]);
        assert_eq!(channels_for(&both, Some(&[Sms]), None, |_| true), vec![Sms]);
        assert_eq!(
            channels_for(&both, None, Some(&[Email]), |_| true),
            vec![Email]
        );
        // A choice outside the allowance gives nothing more than the allowance.
        assert!(channels_for(&both, Some(&[Sms]), Some(&[Email]), |_| true).is_empty());
        // In-app only when the province allows no channel.
        assert!(channels_for(&both, Some(&[]), None, |_| true).is_empty());
        assert_eq!(
            channels_for(&both, None, None, |c| c == Sms),
            vec![Sms],
            "no e-mail address, no e-mail"
        );
    }

    #[test]
    fn back_off_doubles_then_gives_up() {
        let base = Duration::from_secs(30);
        assert_eq!(after_failure(1, 5, base), AfterFailure::RetryIn(base));
        assert_eq!(
            after_failure(2, 5, base),
            AfterFailure::RetryIn(Duration::from_secs(60))
        );
        assert_eq!(
            after_failure(4, 5, base),
            AfterFailure::RetryIn(Duration::from_secs(240))
        );
        assert_eq!(after_failure(5, 5, base), AfterFailure::GiveUp);
        assert_eq!(after_failure(9, 5, base), AfterFailure::GiveUp);
        assert_eq!(
            after_failure(40, 50, Duration::from_secs(3600)),
            AfterFailure::RetryIn(Duration::from_secs(24 * 3600)),
            "capped at a day"
        );
    }

    #[test]
    fn stored_channels_round_trip() {
        assert_eq!(channels_text(&[Sms, Email, Sms]), "EMAIL,SMS");
        assert_eq!(channels_text(&[]), "");
        assert_eq!(parse_channels("EMAIL,SMS"), Some(vec![Email, Sms]));
        assert_eq!(parse_channels(""), Some(vec![]));
        assert_eq!(parse_channels("EMAIL,FAX"), None);
    }

    #[test]
    fn addresses() {
        assert!(looks_like_email("wang@example.gov.cn"));
        for bad in [
            "wang",
            "@example.cn",
            "wang@cn",
            "wang@.cn",
            "wa ng@x.cn",
            "a@b@c.cn",
        ] {
            assert!(!looks_like_email(bad), "{bad}");
        }
        assert_eq!(mask_address(Email, "wang@example.cn"), "w***@example.cn");
        assert!(!mask_address(Sms, "13812345678").contains("1234567"));
    }
}
