//! A Slack-compatible incoming webhook: `POST` of `{"text": …}` as JSON
//! (https://api.slack.com/messaging/webhooks; Mattermost, Rocket.Chat and
//! Teams' Slack-compatible endpoints take the same body). The structured
//! summary rides along under `blindvault` for other receivers.

use crate::exit::{CliError, CliResult};
use crate::rotate::summary::Summary;
use serde_json::json;
use std::time::Duration;

pub fn send(url: &str, summary: &Summary) -> CliResult<()> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(20)))
        .build()
        .into();
    let body = json!({ "text": summary.text(), "blindvault": summary }).to_string();
    // The URL is the webhook's credential: errors name neither it nor its host.
    let resp = agent
        .post(url)
        .header("Content-Type", "application/json")
        .send(body)
        .map_err(|_| CliError::other("cannot reach the --notify webhook"))?;
    let status = resp.status().as_u16();
    if (200..300).contains(&status) {
        Ok(())
    } else {
        Err(CliError::other(format!(
            "the --notify webhook answered HTTP {status}"
        )))
    }
}
