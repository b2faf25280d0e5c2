//! Test-only fault injection for the rotation steps (documented in
//! crates/cli/README.md § Rotation; never set these in production).
//!
//! - `BV_TEST_CRASH_AFTER=<step>` aborts the process right after `<step>`,
//!   as a `kill -9` would: no destructor, no cleanup, no summary.
//! - `BV_TEST_PAUSE_AFTER=<step>` with `BV_TEST_PAUSE_FILE=<path>` creates
//!   `<path>` after `<step>` and waits (up to 120 s) until the test deletes
//!   it, so a test can take the vault server away at exactly that point.

use std::time::{Duration, Instant};

/// The rotation steps, in order (SPEC § Command-line client, Rotation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Generated,
    PendingStored,
    Altered,
    Verified,
    Committed,
}

impl Step {
    pub fn name(self) -> &'static str {
        match self {
            Step::Generated => "generated",
            Step::PendingStored => "pending-stored",
            Step::Altered => "altered",
            Step::Verified => "verified",
            Step::Committed => "committed",
        }
    }
}

/// Called after each step; does nothing unless a test asked for a fault.
pub fn after(step: Step) {
    let is = |var: &str| std::env::var(var).is_ok_and(|v| v == step.name());
    if is("BV_TEST_CRASH_AFTER") {
        std::process::abort();
    }
    if is("BV_TEST_PAUSE_AFTER") {
        let Some(file) = std::env::var_os("BV_TEST_PAUSE_FILE") else {
            return;
        };
        if std::fs::write(&file, step.name()).is_err() {
            return;
        }
        let deadline = Instant::now() + Duration::from_secs(120);
        while std::path::Path::new(&file).exists() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}
