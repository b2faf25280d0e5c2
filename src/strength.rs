//! Password strength estimate, a thin layer over `zxcvbn` (Wheeler, USENIX
//! Security 2016), behind the `strength` feature because its dictionaries are
//! ~0.9 MB gzipped in WASM (TOOLCHAIN.md).
//!
//! The crack time shown is zxcvbn's "offline attack, slow hash, 10^4 guesses
//! per second" scenario, which fits the threat model: a breached server holds
//! material that lets an attacker test master-password guesses only through
//! the full 600 000-iteration PBKDF2, so about 10^4 guesses per second is a
//! single modern GPU. zxcvbn itself looks at the first 100 characters only,
//! which bounds the work any input can cause.

use serde::Serialize;

/// The estimate for one password. It never contains the password itself.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Strength {
    /// 0 (guessable in < 10^3 tries) to 4 (needs ≥ 10^10), zxcvbn's scale.
    pub score: u8,
    /// log10 of the estimated number of guesses (0 for the empty password).
    pub guesses_log10: f64,
    /// Seconds to crack at 10^4 guesses per second (offline, slow hash).
    pub crack_time_seconds: f64,
    /// The same, in words: "3 hours", "centuries".
    pub crack_time_display: String,
    pub feedback: StrengthFeedback,
}

/// What is wrong and what to do about it, in English.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StrengthFeedback {
    pub warning: Option<String>,
    pub suggestions: Vec<String>,
}

/// Estimates how hard `password` is to guess. `user_inputs` are strings an
/// attacker would try first (email, name, site): a password built from them
/// scores lower.
pub fn estimate(password: &str, user_inputs: &[&str]) -> Strength {
    let e = zxcvbn::zxcvbn(password, user_inputs);
    let slow = e.crack_times().offline_slow_hashing_1e4_per_second();
    // zxcvbn reports -inf for the empty password; JSON has no -inf.
    let guesses_log10 = if e.guesses_log10().is_finite() {
        e.guesses_log10().max(0.0)
    } else {
        0.0
    };
    let crack_time_seconds = match slow {
        zxcvbn::time_estimates::CrackTimeSeconds::Integer(i) => i as f64,
        zxcvbn::time_estimates::CrackTimeSeconds::Float(f) => f,
    };
    let feedback = match e.feedback() {
        Some(f) => StrengthFeedback {
            warning: f.warning().map(|w| w.to_string()),
            suggestions: f.suggestions().iter().map(ToString::to_string).collect(),
        },
        None => StrengthFeedback {
            warning: None,
            suggestions: Vec::new(),
        },
    };
    Strength {
        score: u8::from(e.score()),
        guesses_log10,
        crack_time_seconds,
        crack_time_display: slow.to_string(),
        feedback,
    }
}
