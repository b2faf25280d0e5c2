//! In-memory limiter for failed logins, per account and per client address.
//! A fixed window is enough here: the auth key is 256 bits, so the limiter
//! protects availability and logs, not the key (guessing it is hopeless).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct FailureLimiter {
    window: Duration,
    per_account: u32,
    per_client: u32,
    entries: Mutex<HashMap<String, (u32, Instant)>>,
}

impl FailureLimiter {
    /// OWASP's authentication cheat sheet suggests locking after a handful of
    /// failures; 10 per account and 100 per address per 15 minutes leaves room
    /// for typos and shared NATs.
    pub fn new(per_account: u32, per_client: u32, window: Duration) -> Self {
        FailureLimiter {
            window,
            per_account,
            per_client,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// `Err(seconds)` when either key is over its limit.
    pub fn check(&self, account: &str, client: &str) -> Result<(), u64> {
        let now = Instant::now();
        let Ok(mut map) = self.entries.lock() else {
            return Ok(());
        };
        let mut wait = 0u64;
        for (key, limit) in [
            (format!("a:{account}"), self.per_account),
            (format!("c:{client}"), self.per_client),
        ] {
            if let Some((count, start)) = map.get(&key).copied() {
                let elapsed = now.duration_since(start);
                if elapsed >= self.window {
                    map.remove(&key);
                } else if count >= limit {
                    wait = wait.max((self.window - elapsed).as_secs().max(1));
                }
            }
        }
        if wait > 0 {
            Err(wait)
        } else {
            Ok(())
        }
    }

    pub fn record_failure(&self, account: &str, client: &str) {
        let now = Instant::now();
        let Ok(mut map) = self.entries.lock() else {
            return;
        };
        if map.len() > 100_000 {
            // Bound memory under a flood: forget expired windows.
            let window = self.window;
            map.retain(|_, (_, start)| now.duration_since(*start) < window);
        }
        for key in [format!("a:{account}"), format!("c:{client}")] {
            let e = map.entry(key).or_insert((0, now));
            e.0 = e.0.saturating_add(1);
        }
    }

    pub fn record_success(&self, account: &str) {
        if let Ok(mut map) = self.entries.lock() {
            map.remove(&format!("a:{account}"));
        }
    }
}
