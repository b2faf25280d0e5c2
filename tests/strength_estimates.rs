//! Strength estimates: common passwords score 0, generated ones 4, user inputs count.
#![cfg(feature = "strength")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use blindvault::generator::{generate_password, PasswordOptions};
use blindvault::strength::estimate;

#[test]
fn common_password_scores_zero_with_a_warning() {
    let s = estimate("password", &[]);
    assert_eq!(s.score, 0);
    assert!(s.guesses_log10 < 3.0, "{}", s.guesses_log10);
    assert!(s.feedback.warning.is_some());
    assert!(!s.feedback.suggestions.is_empty());
    assert_eq!(s.crack_time_display, "less than a second");
}

#[test]
fn generated_twenty_character_password_scores_four() {
    for _ in 0..5 {
        let g = generate_password(&PasswordOptions::default()).unwrap();
        let s = estimate(g.secret.expose_secret(), &[]);
        assert_eq!(s.score, 4);
        assert!(s.guesses_log10 >= 10.0);
        assert_eq!(s.crack_time_display, "centuries");
        assert!(s.feedback.warning.is_none());
    }
}

#[test]
fn user_inputs_lower_the_estimate() {
    let pw = "zebulon.marchetti1987";
    let alone = estimate(pw, &[]);
    let with = estimate(
        pw,
        &["zebulon.marchetti1987@example.com", "zebulon.marchetti1987"],
    );
    assert!(
        with.guesses_log10 < alone.guesses_log10 - 3.0,
        "{} vs {}",
        with.guesses_log10,
        alone.guesses_log10
    );
    assert!(
        with.score < alone.score,
        "{} vs {}",
        with.score,
        alone.score
    );
}

#[test]
fn empty_password_serialises_to_finite_json_without_the_password() {
    let s = estimate("", &[]);
    assert_eq!((s.score, s.guesses_log10), (0, 0.0));
    let j = serde_json::to_value(&s).unwrap();
    assert_eq!(j["guessesLog10"], 0.0);
    assert!(j["crackTimeDisplay"].is_string());
    assert!(j["feedback"]["suggestions"].is_array());

    let secret = "Tr0ub4dor&3-unique-marker";
    let s = estimate(secret, &[]);
    assert!(!serde_json::to_string(&s).unwrap().contains(secret));
    assert!(!format!("{s:?}").contains(secret));
}

#[test]
fn very_long_input_is_bounded() {
    // zxcvbn reads the first 100 characters only; this must simply return.
    let s = estimate(&"correct horse battery staple ".repeat(10_000), &[]);
    assert!(s.score <= 4);
}
