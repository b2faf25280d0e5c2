//! In-memory limiters: failed logins (an exponential backoff per account and
//! client network, plus a flood guard per client address) and a plain
//! per-key window counter (account lookups). The auth key is 256 bits, so
//! these protect availability and logs, not the key (guessing it is
//! hopeless); what matters is that a stranger cannot lock the owner out.
//!
//! Memory is bounded: each limiter tracks at most `capacity` keys. When it is
//! full, expired entries are dropped, and if that frees too little, the
//! entries least recently touched are evicted (under a flood of distinct
//! keys an attacker can make the server forget a backoff, which costs the
//! key nothing).
//!
//! The `*_at` methods take the time, so tests need not sleep.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Keys one limiter tracks at most.
pub const DEFAULT_CAPACITY: usize = 100_000;

/// Seconds for `Retry-After`: rounded up, at least 1.
fn retry_secs(wait: Duration) -> u64 {
    let s = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    s.max(1)
}

/// The client's network for the per-account backoff: the /24 of an IPv4
/// address, the /64 of an IPv6 one (an IPv4-mapped IPv6 address counts as
/// IPv4); anything that does not parse as an address ("unknown") is itself.
pub fn client_network(client: &str) -> String {
    match client.parse::<IpAddr>().map(|ip| ip.to_canonical()) {
        Ok(IpAddr::V4(a)) => {
            let [x, y, z, _] = a.octets();
            format!("{}/24", Ipv4Addr::new(x, y, z, 0))
        }
        Ok(IpAddr::V6(a)) => v6_prefix64(a),
        Err(_) => client.to_string(),
    }
}

/// The key of the per-address flood guard: the IPv4 address itself, or the
/// /64 of an IPv6 address (one host usually holds a whole /64, so a single
/// IPv6 address would be a key it could rotate at will).
pub fn client_host(client: &str) -> String {
    match client.parse::<IpAddr>().map(|ip| ip.to_canonical()) {
        Ok(IpAddr::V4(a)) => a.to_string(),
        Ok(IpAddr::V6(a)) => v6_prefix64(a),
        Err(_) => client.to_string(),
    }
}

fn v6_prefix64(a: Ipv6Addr) -> String {
    let s = a.segments();
    let net = Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
    format!("{net}/64")
}

#[derive(Clone, Copy, Debug)]
struct Slot {
    count: u32,
    /// Last change: eviction order when the table is full.
    last: Instant,
    /// When the slot is forgotten.
    expires: Instant,
}

/// A map with a hard cap on its keys.
struct Table {
    map: HashMap<String, Slot>,
    cap: usize,
}

impl Table {
    fn new(cap: usize) -> Self {
        Table {
            map: HashMap::new(),
            cap: cap.max(1),
        }
    }

    /// The slot for `key` unless it expired (then it is dropped).
    fn live(&mut self, key: &str, now: Instant) -> Option<Slot> {
        match self.map.get(key).copied() {
            Some(s) if s.expires > now => Some(s),
            Some(_) => {
                self.map.remove(key);
                None
            }
            None => None,
        }
    }

    fn put(&mut self, key: String, slot: Slot, now: Instant) {
        if self.map.len() >= self.cap && !self.map.contains_key(&key) {
            self.make_room(now);
        }
        self.map.insert(key, slot);
    }

    /// Drops expired slots; if fewer than a tenth of the capacity is then
    /// free, evicts the least recently touched slots until it is (so the
    /// O(n) pass runs at most once per cap/10 insertions).
    fn make_room(&mut self, now: Instant) {
        self.map.retain(|_, s| s.expires > now);
        let target = self.cap - (self.cap / 10).max(1);
        if self.map.len() <= target {
            return;
        }
        let excess = self.map.len() - target;
        let mut lasts: Vec<Instant> = self.map.values().map(|s| s.last).collect();
        // 1 <= excess <= len, so the index is in range. Fewer than `excess`
        // slots are older than `cutoff`; the rest are taken from its ties.
        let cutoff = *lasts.select_nth_unstable(excess - 1).1;
        let older = self.map.values().filter(|s| s.last < cutoff).count();
        let mut ties = excess.saturating_sub(older);
        self.map.retain(|_, s| {
            if s.last < cutoff {
                false
            } else if s.last == cutoff && ties > 0 {
                ties -= 1;
                false
            } else {
                true
            }
        });
    }

    /// Fixed window: `Err(wait)` when `key` already counted `limit` events.
    fn window_check(&mut self, key: &str, limit: u32, now: Instant) -> Result<(), Duration> {
        match self.live(key, now) {
            Some(s) if s.count >= limit => Err(s.expires.saturating_duration_since(now)),
            _ => Ok(()),
        }
    }

    fn window_count(&mut self, key: String, window: Duration, now: Instant) {
        let slot = match self.live(&key, now) {
            Some(s) => Slot {
                count: s.count.saturating_add(1),
                last: now,
                ..s
            },
            None => Slot {
                count: 1,
                last: now,
                expires: now + window,
            },
        };
        self.put(key, slot, now);
    }
}

/// Failed logins (and failed current-key checks of a password change).
///
/// Per (account, client network): the first `free_failures` failures cost
/// nothing; after that, each further failure doubles a backoff during which
/// every attempt, even with the right key, is answered 429 without being
/// evaluated: `base_backoff`, 2×, 4×, … capped at `max_backoff`. Once it has
/// passed, the next attempt is evaluated normally; a success clears the
/// entry, and an entry is forgotten `window` after its backoff ends with no
/// further failure. A failure from one network never delays another.
///
/// Per client address (`client_host`): at most `per_client` failures per
/// `window`, over all accounts, then 429 until the window ends (flood guard).
pub struct FailureLimiter {
    free_failures: u32,
    base_backoff: Duration,
    max_backoff: Duration,
    per_client: u32,
    window: Duration,
    table: Mutex<Table>,
}

impl FailureLimiter {
    /// Backoff of 1 s doubling up to `window`; `DEFAULT_CAPACITY` keys.
    pub fn new(free_failures: u32, per_client: u32, window: Duration) -> Self {
        FailureLimiter {
            free_failures,
            base_backoff: Duration::from_secs(1),
            max_backoff: window,
            per_client,
            window,
            table: Mutex::new(Table::new(DEFAULT_CAPACITY)),
        }
    }

    pub fn with_backoff(mut self, base: Duration, max: Duration) -> Self {
        self.base_backoff = base;
        self.max_backoff = max.max(base);
        self
    }

    pub fn with_capacity(mut self, capacity: usize) -> Self {
        self.table = Mutex::new(Table::new(capacity));
        self
    }

    /// The wait imposed after `failures` failures.
    fn backoff(&self, failures: u32) -> Duration {
        let Some(doublings) = failures.checked_sub(self.free_failures) else {
            return Duration::ZERO;
        };
        2u32.checked_pow(doublings)
            .and_then(|f| self.base_backoff.checked_mul(f))
            .map_or(self.max_backoff, |d| d.min(self.max_backoff))
    }

    fn account_key(account: &str, client: &str) -> String {
        format!("a {} {account}", client_network(client))
    }

    fn client_key(client: &str) -> String {
        format!("c {}", client_host(client))
    }

    /// `Err(seconds)` while the (account, network) backoff runs or the
    /// client address is over its limit.
    pub fn check(&self, account: &str, client: &str) -> Result<(), u64> {
        self.check_at(account, client, Instant::now())
    }

    pub fn check_at(&self, account: &str, client: &str, now: Instant) -> Result<(), u64> {
        let Ok(mut t) = self.table.lock() else {
            return Ok(());
        };
        let mut wait = Duration::ZERO;
        if let Some(s) = t.live(&Self::account_key(account, client), now) {
            let until = s.last + self.backoff(s.count);
            wait = wait.max(until.saturating_duration_since(now));
        }
        if let Err(w) = t.window_check(&Self::client_key(client), self.per_client, now) {
            wait = wait.max(w);
        }
        if wait.is_zero() {
            Ok(())
        } else {
            Err(retry_secs(wait))
        }
    }

    pub fn record_failure(&self, account: &str, client: &str) {
        self.record_failure_at(account, client, Instant::now());
    }

    pub fn record_failure_at(&self, account: &str, client: &str, now: Instant) {
        let Ok(mut t) = self.table.lock() else {
            return;
        };
        let key = Self::account_key(account, client);
        let count = t.live(&key, now).map_or(1, |s| s.count.saturating_add(1));
        let slot = Slot {
            count,
            last: now,
            expires: now + self.backoff(count) + self.window,
        };
        t.put(key, slot, now);
        t.window_count(Self::client_key(client), self.window, now);
    }

    /// Clears the (account, network) entry; the flood guard keeps counting.
    pub fn record_success(&self, account: &str, client: &str) {
        if let Ok(mut t) = self.table.lock() {
            t.map.remove(&Self::account_key(account, client));
        }
    }

    /// Keys tracked now (tests).
    pub fn tracked(&self) -> usize {
        self.table.lock().map_or(0, |t| t.map.len())
    }
}

/// At most `limit` events per key per fixed `window` (e.g. account lookups
/// per caller); every call counts until the limit is reached.
pub struct WindowLimiter {
    limit: u32,
    window: Duration,
    table: Mutex<Table>,
}

impl WindowLimiter {
    pub fn new(limit: u32, window: Duration) -> Self {
        WindowLimiter {
            limit,
            window,
            table: Mutex::new(Table::new(DEFAULT_CAPACITY)),
        }
    }

    pub fn with_capacity(mut self, capacity: usize) -> Self {
        self.table = Mutex::new(Table::new(capacity));
        self
    }

    /// Counts one event for `key`; `Err(seconds)` (and not counted) when the
    /// key already had `limit` in its window.
    pub fn hit(&self, key: &str) -> Result<(), u64> {
        self.hit_at(key, Instant::now())
    }

    pub fn hit_at(&self, key: &str, now: Instant) -> Result<(), u64> {
        let Ok(mut t) = self.table.lock() else {
            return Ok(());
        };
        t.window_check(key, self.limit, now).map_err(retry_secs)?;
        t.window_count(key.to_string(), self.window, now);
        Ok(())
    }

    /// Keys tracked now (tests).
    pub fn tracked(&self) -> usize {
        self.table.lock().map_or(0, |t| t.map.len())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const MIN15: Duration = Duration::from_secs(15 * 60);

    fn limiter() -> FailureLimiter {
        FailureLimiter::new(5, 100, MIN15)
    }

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn networks() {
        assert_eq!(client_network("203.0.113.77"), "203.0.113.0/24");
        assert_eq!(client_network("::ffff:203.0.113.77"), "203.0.113.0/24");
        assert_eq!(client_network("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
        assert_eq!(client_network("unknown"), "unknown");
        assert_eq!(client_host("203.0.113.77"), "203.0.113.77");
        assert_eq!(client_host("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
        assert_eq!(client_host("::ffff:10.0.0.1"), "10.0.0.1");
    }

    #[test]
    fn backoff_doubles_after_the_free_failures_and_is_capped() {
        let l = limiter();
        let b: Vec<u64> = (0..20).map(|n| l.backoff(n).as_secs()).collect();
        assert_eq!(&b[..9], &[0, 0, 0, 0, 0, 1, 2, 4, 8]);
        assert_eq!(b[14], 512);
        assert_eq!(b[15], 900);
        assert_eq!(l.backoff(u32::MAX), MIN15);
    }

    #[test]
    fn backoff_then_the_right_key_gets_in() {
        let l = limiter();
        let mut t = Instant::now();
        for _ in 0..5 {
            assert_eq!(l.check_at("dave", "198.51.100.9", t), Ok(()));
            l.record_failure_at("dave", "198.51.100.9", t);
        }
        // Sixth attempt right away: 1 s backoff, for any address of the /24.
        assert_eq!(l.check_at("dave", "198.51.100.9", t), Err(1));
        assert_eq!(l.check_at("dave", "198.51.100.200", t), Err(1));
        // Other networks and other accounts are untouched.
        assert_eq!(l.check_at("dave", "198.51.101.9", t), Ok(()));
        assert_eq!(l.check_at("dave", "2001:db8::1", t), Ok(()));
        assert_eq!(l.check_at("erin", "198.51.100.9", t), Ok(()));
        // Each failure after the backoff doubles it.
        for expect in [2u64, 4, 8, 16] {
            t += secs(expect / 2);
            assert_eq!(l.check_at("dave", "198.51.100.9", t), Ok(()));
            l.record_failure_at("dave", "198.51.100.9", t);
            assert_eq!(l.check_at("dave", "198.51.100.9", t), Err(expect));
            assert_eq!(
                l.check_at("dave", "198.51.100.9", t + secs(expect - 1)),
                Err(1)
            );
        }
        // Once the backoff has passed, the attempt is evaluated; success clears.
        t += secs(16);
        assert_eq!(l.check_at("dave", "198.51.100.9", t), Ok(()));
        l.record_success("dave", "198.51.100.9");
        for _ in 0..5 {
            assert_eq!(l.check_at("dave", "198.51.100.9", t), Ok(()));
            l.record_failure_at("dave", "198.51.100.9", t);
        }
        assert_eq!(l.check_at("dave", "198.51.100.9", t), Err(1));
    }

    #[test]
    fn backoff_is_capped_and_forgotten_later() {
        let l = limiter();
        let mut t = Instant::now();
        // An attacker retrying the moment each backoff ends.
        for n in 1..=40 {
            assert_eq!(l.check_at("dave", "10.1.1.1", t), Ok(()));
            l.record_failure_at("dave", "10.1.1.1", t);
            t += l.backoff(n);
        }
        // Capped at 15 minutes.
        l.record_failure_at("dave", "10.1.1.1", t);
        assert_eq!(l.check_at("dave", "10.1.1.1", t), Err(900));
        // Forgotten a window after the backoff ends: five free failures again.
        let later = t + MIN15 + MIN15;
        for _ in 0..5 {
            assert_eq!(l.check_at("dave", "10.1.1.1", later), Ok(()));
            l.record_failure_at("dave", "10.1.1.1", later);
        }
        assert_eq!(l.check_at("dave", "10.1.1.1", later), Err(1));
    }

    #[test]
    fn flood_guard_per_address() {
        let l = FailureLimiter::new(5, 3, MIN15);
        let t = Instant::now();
        for a in ["a1", "a2", "a3"] {
            assert_eq!(l.check_at(a, "203.0.113.5", t), Ok(()));
            l.record_failure_at(a, "203.0.113.5", t);
        }
        assert_eq!(l.check_at("a4", "203.0.113.5", t), Err(900));
        assert_eq!(l.check_at("a4", "203.0.113.5", t + secs(899)), Err(1));
        assert_eq!(l.check_at("a4", "203.0.113.6", t), Ok(()));
        // A success clears the account's backoff, not the flood guard.
        l.record_success("a1", "203.0.113.5");
        assert_eq!(l.check_at("a1", "203.0.113.5", t), Err(900));
        // The window ends.
        assert_eq!(l.check_at("a4", "203.0.113.5", t + MIN15), Ok(()));
        // IPv6: one /64 is one address for the flood guard.
        for (i, a) in ["b1", "b2", "b3"].iter().enumerate() {
            l.record_failure_at(a, &format!("2001:db8::{}", i + 1), t);
        }
        assert_eq!(l.check_at("b4", "2001:db8::ffff", t), Err(900));
        assert_eq!(l.check_at("b4", "2001:db8:0:1::1", t), Ok(()));
    }

    #[test]
    fn memory_is_bounded() {
        let ms = |n: u32| Duration::from_millis(u64::from(n));
        let l = limiter().with_capacity(100);
        let t0 = Instant::now();
        for _ in 0..10 {
            l.record_failure_at("old", "192.0.2.1", t0);
        }
        assert_eq!(l.check_at("old", "192.0.2.1", t0), Err(32));
        // Each failure makes an account key and a client key.
        for i in 0..1000u32 {
            let client = format!("10.{}.{}.1", i / 256, i % 256);
            l.record_failure_at(&format!("acct{i}"), &client, t0 + ms(i));
            assert!(l.tracked() <= 100, "{}", l.tracked());
        }
        // The oldest entries were evicted ("old" forgot its backoff), the
        // newest kept.
        let t = t0 + ms(1000);
        assert_eq!(l.check_at("old", "192.0.2.1", t), Ok(()));
        for _ in 0..4 {
            l.record_failure_at("acct999", "10.3.231.1", t);
        }
        assert_eq!(l.check_at("acct999", "10.3.231.1", t), Err(1));
        // Expired entries go first when the table is full.
        let late = t0 + MIN15 * 3;
        for i in 0..60u32 {
            l.record_failure_at(&format!("new{i}"), &format!("192.0.2.{i}"), late);
        }
        let table = l.table.lock().unwrap();
        assert!(table.map.len() <= 100);
        assert!(table.map.values().all(|s| s.expires > late));
        drop(table);
        // Many keys touched at the same instant: only enough are evicted.
        let same = limiter().with_capacity(100);
        for i in 0..150u32 {
            same.record_failure_at(&format!("s{i}"), "unknown", t0);
        }
        assert!((90..=100).contains(&same.tracked()), "{}", same.tracked());
        // A capacity of 0 still works (as 1 key).
        let tiny = limiter().with_capacity(0);
        tiny.record_failure_at("x", "192.0.2.1", t0);
        assert_eq!(tiny.tracked(), 1);
    }

    #[test]
    fn window_limiter_counts_every_hit() {
        let w = WindowLimiter::new(30, MIN15).with_capacity(10);
        let t = Instant::now();
        for _ in 0..30 {
            assert_eq!(w.hit_at("account:gus", t), Ok(()));
        }
        assert_eq!(w.hit_at("account:gus", t), Err(900));
        assert_eq!(w.hit_at("account:gus", t + secs(600)), Err(300));
        assert_eq!(w.hit_at("account:fay", t), Ok(()));
        assert_eq!(w.hit_at("account:gus", t + MIN15), Ok(()));
        for i in 0..100 {
            let _ = w.hit_at(&format!("k{i}"), t + secs(i));
            assert!(w.tracked() <= 10);
        }
    }
}
