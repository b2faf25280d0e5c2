//! The summary by email, through the SMTP server in `BV_SMTP_URL` (lettre:
//! `smtp://host:port` plain or STARTTLS with `?tls=required`, `smtps://`
//! for implicit TLS, `user:password@` for AUTH). The sender is
//! `BV_SMTP_FROM`, default `blindvault@localhost`.

use crate::exit::{CliError, CliResult};
use crate::rotate::summary::Summary;
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::{Message, SmtpTransport, Transport};
use std::time::Duration;

pub struct Mail {
    to: Mailbox,
    from: Mailbox,
    /// Kept as text: it may hold the SMTP password, so it is never printed.
    url: String,
}

impl Mail {
    pub fn from_env(address: &str) -> CliResult<Self> {
        let to: Mailbox = address.parse().map_err(|_| {
            CliError::usage(format!("--notify mailto:{address} is not an email address"))
        })?;
        let url = std::env::var("BV_SMTP_URL").map_err(|_| {
            CliError::usage("--notify mailto: needs BV_SMTP_URL (e.g. smtp://mail.example.com:587?tls=required)")
        })?;
        let from = std::env::var("BV_SMTP_FROM").unwrap_or_else(|_| "blindvault@localhost".into());
        let from: Mailbox = from
            .parse()
            .map_err(|_| CliError::usage("BV_SMTP_FROM is not an email address"))?;
        // Fail now rather than after the rotation.
        transport(&url)?;
        Ok(Self { to, from, url })
    }

    pub fn send(&self, summary: &Summary) -> CliResult<()> {
        let message = Message::builder()
            .from(self.from.clone())
            .to(self.to.clone())
            .subject(summary.headline())
            .header(ContentType::TEXT_PLAIN)
            .body(summary.text())
            .map_err(|e| CliError::other(format!("cannot build the notification email: {e}")))?;
        transport(&self.url)?
            .send(&message)
            .map(|_| ())
            .map_err(|e| {
                let kind = if e.is_permanent() {
                    "refused"
                } else if e.is_transient() {
                    "deferred"
                } else {
                    "failed"
                };
                CliError::other(format!(
                    "the notification email was {kind} by the SMTP server in BV_SMTP_URL"
                ))
            })
    }
}

fn transport(url: &str) -> CliResult<SmtpTransport> {
    SmtpTransport::from_url(url)
        .map(|b| b.timeout(Some(Duration::from_secs(20))).build())
        .map_err(|_| CliError::usage("BV_SMTP_URL is not an smtp:// or smtps:// URL"))
}
