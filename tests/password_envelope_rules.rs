//! Password envelopes: round trip, and every refusal the spec requires.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use blindvault::encoding::b64u_encode;
use blindvault::password_envelope::{open_with_password, seal_with_password, MAX_P2C, MIN_P2C};
use blindvault::Error;

/// A syntactically complete envelope with the given header JSON and dummy parts
/// of the right lengths: every refusal below must happen before any KDF runs.
fn with_header(json: &str) -> String {
    format!(
        "{}.{}.{}.{}.{}",
        b64u_encode(json.as_bytes()),
        b64u_encode(&[0u8; 40]),
        b64u_encode(&[0u8; 12]),
        b64u_encode(b"ct"),
        b64u_encode(&[0u8; 16])
    )
}

const P2S: &str = "AAAAAAAAAAAAAAAAAAAAAA"; // 16 zero bytes

fn header(alg: &str, enc: &str, p2c: &str, extra: &str) -> String {
    format!(r#"{{"alg":"{alg}","enc":"{enc}","p2s":"{P2S}","p2c":{p2c}{extra}}}"#)
}

#[test]
fn round_trip_wrong_password_and_tamper() {
    let jwe = seal_with_password(b"export body", "pa55 phrase").unwrap();
    // Our header is exactly the standard members, so a JOSE library reads it.
    let h = jwe.split('.').next().unwrap();
    let h: serde_json::Value =
        serde_json::from_slice(&blindvault::encoding::b64u_decode(h, "h").unwrap()).unwrap();
    assert_eq!(h["alg"], "PBES2-HS512+A256KW");
    assert_eq!(h["enc"], "A256GCM");
    assert_eq!(h["p2c"], 600_000);
    assert_eq!(
        blindvault::encoding::b64u_decode(h["p2s"].as_str().unwrap(), "p2s")
            .unwrap()
            .len(),
        16
    );

    assert_eq!(
        open_with_password(&jwe, "pa55 phrase")
            .unwrap()
            .expose_secret(),
        b"export body"
    );
    assert_eq!(
        open_with_password(&jwe, "pa55 phrasE").unwrap_err(),
        Error::WrongPasswordOrTampered
    );
    // Flip one ciphertext character (the exhaustive flip test is in the unit tests).
    let mut parts: Vec<String> = jwe.split('.').map(str::to_owned).collect();
    let ct = parts[3].clone().into_bytes();
    let mut ct2 = ct.clone();
    ct2[0] = if ct[0] == b'A' { b'B' } else { b'A' };
    parts[3] = String::from_utf8(ct2).unwrap();
    assert_eq!(
        open_with_password(&parts.join("."), "pa55 phrase").unwrap_err(),
        Error::WrongPasswordOrTampered
    );
}

#[test]
fn two_seals_of_the_same_input_differ() {
    // Fresh salt, CEK and IV every time; checked on the parts that carry them
    // so no KDF is needed to compare.
    let a = seal_with_password(b"same", "pw").unwrap();
    let b = seal_with_password(b"same", "pw").unwrap();
    for i in 0..5 {
        assert_ne!(a.split('.').nth(i), b.split('.').nth(i), "part {i}");
    }
}

#[test]
fn iteration_count_is_bounded_both_ways_before_any_work() {
    let alg = "PBES2-HS512+A256KW";
    assert_eq!(
        open_with_password(&with_header(&header(alg, "A256GCM", "599999", "")), "pw").unwrap_err(),
        Error::Pbes2IterationsTooLow {
            p2c: 599_999,
            minimum: MIN_P2C
        }
    );
    assert_eq!(
        open_with_password(&with_header(&header(alg, "A256GCM", "1000", "")), "pw").unwrap_err(),
        Error::Pbes2IterationsTooLow {
            p2c: 1000,
            minimum: MIN_P2C
        }
    );
    assert_eq!(
        open_with_password(&with_header(&header(alg, "A256GCM", "10000001", "")), "pw")
            .unwrap_err(),
        Error::Pbes2IterationsTooHigh {
            p2c: 10_000_001,
            maximum: MAX_P2C
        }
    );
    // Past u32: still "too high", not a wrap-around to a small count.
    assert!(matches!(
        open_with_password(
            &with_header(&header(alg, "A256GCM", "4294967297", "")),
            "pw"
        ),
        Err(Error::Pbes2IterationsTooHigh { .. })
    ));
    // A count that is not a non-negative integer is malformed (whether the
    // JSON type is wrong or the number is).
    for bad in ["-1", "600000.5", "\"600000\"", "null"] {
        assert!(
            matches!(
                open_with_password(&with_header(&header(alg, "A256GCM", bad, "")), "pw"),
                Err(Error::MalformedEnvelope(_))
            ),
            "{bad}"
        );
    }
}

#[test]
fn unknown_algorithms_crit_and_zip_are_refused() {
    let ok = "PBES2-HS512+A256KW";
    let cases: Vec<(String, Error)> = vec![
        (
            header("PBES2-HS256+A128KW", "A256GCM", "600000", ""),
            Error::UnsupportedAlgorithm,
        ),
        (
            header("dir", "A256GCM", "600000", ""),
            Error::UnsupportedAlgorithm,
        ),
        (
            header(ok, "A128GCM", "600000", ""),
            Error::UnsupportedEncryption,
        ),
        (
            header(ok, "A256CBC-HS512", "600000", ""),
            Error::UnsupportedEncryption,
        ),
        (
            header(ok, "A256GCM", "600000", r#","crit":["exp"],"exp":1"#),
            Error::CriticalHeader,
        ),
        (
            header(ok, "A256GCM", "600000", r#","zip":"DEF""#),
            Error::MalformedEnvelope("zip is not supported"),
        ),
    ];
    for (h, want) in cases {
        assert_eq!(
            open_with_password(&with_header(&h), "pw").unwrap_err(),
            want,
            "{h}"
        );
    }
}

#[test]
fn malformed_envelopes_are_refused_without_panicking() {
    let ok = header("PBES2-HS512+A256KW", "A256GCM", "600000", "");
    let good = with_header(&ok);
    let parts: Vec<&str> = good.split('.').collect();
    let mut bad: Vec<String> = vec![
        String::new(),
        "....".into(),
        "a.b.c.d".into(),
        format!("{good}.x"),
        good.replacen('.', "..", 1),
        // Header not JSON, missing members, duplicate member, salt too short.
        with_header("not json"),
        with_header(r#"{"alg":"PBES2-HS512+A256KW","enc":"A256GCM","p2c":600000}"#),
        with_header(
            r#"{"alg":"PBES2-HS512+A256KW","alg":"dir","enc":"A256GCM","p2s":"AAAAAAAAAAAAAAAAAAAAAA","p2c":600000}"#,
        ),
        with_header(r#"{"alg":"PBES2-HS512+A256KW","enc":"A256GCM","p2s":"AAAAAAA","p2c":600000}"#),
        with_header(r#"{"alg":"PBES2-HS512+A256KW","enc":"A256GCM","p2s":"AA==","p2c":600000}"#),
    ];
    // Wrong lengths of the encrypted key, IV and tag; padding in a part.
    for (i, repl) in [
        (1, b64u_encode(&[0u8; 32])),
        (2, b64u_encode(&[0u8; 16])),
        (4, b64u_encode(&[0u8; 12])),
        (3, "Y3Q=".to_owned()),
    ] {
        let mut p: Vec<String> = parts.iter().map(|s| (*s).to_owned()).collect();
        p[i] = repl;
        bad.push(p.join("."));
    }
    for b in bad {
        assert!(
            matches!(
                open_with_password(&b, "pw"),
                Err(Error::MalformedEnvelope(_))
            ),
            "{b:?}"
        );
    }
}

#[test]
fn oversized_input_is_refused_before_parsing() {
    let huge = "A".repeat(blindvault::password_envelope::MAX_ENVELOPE_LEN + 1);
    assert!(matches!(
        open_with_password(&huge, "pw"),
        Err(Error::EnvelopeTooLarge { .. })
    ));
}
