//! Passphrases: the bundled EFF list, word counts, separators, options, entropy.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use blindvault::generator::*;
use blindvault::Error;
use sha2::{Digest, Sha256};
use std::collections::HashSet;

#[test]
fn bundled_wordlist_is_the_unmodified_eff_large_list() {
    let file = include_bytes!("../src/wordlist/eff_large_wordlist.txt");
    // SHA-256 of EFF's published eff_large_wordlist.txt.
    assert_eq!(
        hex::encode(Sha256::digest(file)),
        "addd35536511597a02fa0a9ff1e5284677b8883b83e986e43f15a3db996b903e"
    );
    let w = wordlist();
    assert_eq!(w.len(), 7776);
    assert_eq!(w.iter().collect::<HashSet<_>>().len(), 7776, "duplicates");
    assert_eq!((w[0], w[7775]), ("abacus", "zoom"));
    assert!(w.windows(2).all(|p| p[0] < p[1]), "sorted");
    assert!(w
        .iter()
        .all(|x| (3..=9).contains(&x.len())
            && x.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')));
}

#[test]
fn words_come_from_the_list_with_the_separator() {
    let list: HashSet<&str> = wordlist().iter().copied().collect();
    for n in [3, 6, 20] {
        for sep in ["-", " ", "_7_", "·"] {
            let o = PassphraseOptions {
                words: n,
                separator: sep.into(),
                ..Default::default()
            };
            let g = generate_passphrase(&o).unwrap();
            let parts: Vec<&str> = g.secret.expose_secret().split(sep).collect();
            // Words like "t-shirt" contain '-', so count with a separator they lack.
            if sep != "-" {
                assert_eq!(parts.len(), n);
                assert!(parts.iter().all(|p| list.contains(p)), "{parts:?}");
            }
            assert!((g.entropy_bits - n as f64 * 7776f64.log2()).abs() < 1e-9);
        }
    }
}

#[test]
fn capitalisation_and_digit() {
    let list: HashSet<&str> = wordlist().iter().copied().collect();
    let o = PassphraseOptions {
        words: 5,
        separator: " ".into(),
        capitalize: true,
        include_digit: true,
    };
    for _ in 0..200 {
        let g = generate_passphrase(&o).unwrap();
        let words: Vec<&str> = g.secret.expose_secret().split(' ').collect();
        assert_eq!(words.len(), 5);
        let with_digit: Vec<&&str> = words
            .iter()
            .filter(|w| w.ends_with(|c: char| c.is_ascii_digit()))
            .collect();
        assert_eq!(with_digit.len(), 1, "{words:?}");
        for w in words {
            assert!(w.starts_with(|c: char| c.is_ascii_uppercase()), "{w}");
            let base = w
                .trim_end_matches(|c: char| c.is_ascii_digit())
                .to_lowercase();
            assert!(list.contains(base.as_str()), "{w}");
        }
        let expect = 5.0 * 7776f64.log2() + 10f64.log2() + 5f64.log2();
        assert!((g.entropy_bits - expect).abs() < 1e-9);
    }
}

#[test]
fn every_word_position_and_digit_get_used() {
    // 400 draws: a given position or digit is never chosen with probability
    // (4/5)^400 or (9/10)^400, both below 2^-60.
    let o = PassphraseOptions {
        words: 5,
        separator: " ".into(),
        capitalize: false,
        include_digit: true,
    };
    let mut positions = HashSet::new();
    let mut digits = HashSet::new();
    for _ in 0..400 {
        let g = generate_passphrase(&o).unwrap();
        for (i, w) in g.secret.expose_secret().split(' ').enumerate() {
            if let Some(d) = w.chars().last().filter(char::is_ascii_digit) {
                positions.insert(i);
                digits.insert(d);
            }
        }
    }
    assert_eq!(positions.len(), 5);
    assert_eq!(digits.len(), 10);
}

#[test]
fn invalid_options_are_refused() {
    let base = PassphraseOptions::default();
    for bad in [
        PassphraseOptions {
            words: 2,
            ..base.clone()
        },
        PassphraseOptions {
            words: 21,
            ..base.clone()
        },
        PassphraseOptions {
            separator: String::new(),
            ..base.clone()
        },
        PassphraseOptions {
            separator: "x".into(),
            ..base.clone()
        },
        PassphraseOptions {
            separator: "-é-".into(),
            ..base.clone()
        },
        PassphraseOptions {
            separator: "123456789".into(),
            ..base.clone()
        },
    ] {
        assert!(
            matches!(
                generate_passphrase(&bad),
                Err(Error::InvalidGeneratorOptions(_))
            ),
            "{bad:?}"
        );
    }
}

#[test]
fn options_deserialise_from_camel_case_json_with_defaults() {
    let o: PassphraseOptions = serde_json::from_str(r#"{"words":4,"includeDigit":true}"#).unwrap();
    assert_eq!(
        (o.words, o.include_digit, o.separator.as_str()),
        (4, true, "-")
    );
    let p: PasswordOptions = serde_json::from_str(r#"{"avoidAmbiguous":true}"#).unwrap();
    assert!(p.avoid_ambiguous && p.length == 20 && p.symbols);
}
