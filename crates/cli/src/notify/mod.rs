//! `--notify URL|mailto:ADDRESS`: sends a rotation summary to a
//! Slack-compatible incoming webhook or by email. The summary never holds a
//! password; the webhook URL (a secret in itself for Slack) is never
//! printed.

mod mail;
mod webhook;

use crate::exit::{CliError, CliResult};
use crate::rotate::summary::Summary;

pub enum Notify {
    Webhook(String),
    Mail(mail::Mail),
}

impl Notify {
    /// Checked before any work, so that a typo fails the run up front.
    pub fn parse(spec: &str) -> CliResult<Self> {
        if let Some(address) = spec.strip_prefix("mailto:") {
            return mail::Mail::from_env(address).map(Notify::Mail);
        }
        if spec.starts_with("https://") || spec.starts_with("http://") {
            return Ok(Notify::Webhook(spec.to_owned()));
        }
        Err(CliError::usage(
            "--notify takes an http(s):// webhook URL or mailto:ADDRESS",
        ))
    }

    pub fn send(&self, summary: &Summary) -> CliResult<()> {
        match self {
            Notify::Webhook(url) => webhook::send(url, summary),
            Notify::Mail(m) => m.send(summary),
        }
    }
}
