//! Property tests for the input validators: any string is either accepted
//! exactly when it matches the documented rule, or refused with a 400 —
//! never a panic.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use axum::http::StatusCode;
use blindvault_server::validate;
use proptest::prelude::*;

fn is_id(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

proptest! {
    #[test]
    fn id_accepts_exactly_the_documented_alphabet(s in "\\PC{0,70}|[A-Za-z0-9_-]{0,70}") {
        match validate::id("id", &s) {
            Ok(()) => prop_assert!(is_id(&s)),
            Err(e) => { prop_assert!(!is_id(&s)); prop_assert_eq!(e.status, StatusCode::BAD_REQUEST); }
        }
    }

    #[test]
    fn envelope_accepts_exactly_base64url_and_dots(s in "\\PC{0,40}|[A-Za-z0-9_.-]{0,40}") {
        let ok = !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.');
        prop_assert_eq!(validate::envelope("e", &s, 32).is_ok(), ok && s.len() <= 32);
    }

    #[test]
    fn b64u_exact_round_trips_and_rejects_other_lengths(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
        let enc = validate::b64u(&bytes);
        prop_assert_eq!(validate::b64u_exact("k", &enc, bytes.len()).unwrap(), bytes.clone());
        prop_assert!(validate::b64u_exact("k", &enc, bytes.len() + 1).is_err());
        let padded = format!("{enc}=");
        prop_assert!(validate::b64u_exact("k", &padded, bytes.len()).is_err());
    }

    #[test]
    fn email_never_panics_and_normalises(s in "\\PC{0,300}") {
        if let Ok(e) = validate::email(&s) {
            prop_assert!(e.len() <= 254 && e.contains('@'));
            prop_assert_eq!(e.clone(), e.to_ascii_lowercase());
        }
    }
}
