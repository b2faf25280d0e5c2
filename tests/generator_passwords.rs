//! Random-character passwords: bounds, class guarantees, ambiguity, uniformity, entropy.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use blindvault::generator::*;
use blindvault::Error;

fn opts(length: usize, l: bool, u: bool, d: bool, s: bool, amb: bool) -> PasswordOptions {
    PasswordOptions {
        length,
        lowercase: l,
        uppercase: u,
        digits: d,
        symbols: s,
        avoid_ambiguous: amb,
    }
}

#[test]
fn every_chosen_class_appears_and_no_other_over_many_draws() {
    let combos = [
        (true, true, true, true),
        (true, false, true, false),
        (false, true, false, true),
        (false, false, true, false),
        (true, true, true, false),
    ];
    for &(l, u, d, s) in &combos {
        for len in [8, 9, 31, 128] {
            for _ in 0..50 {
                let g = generate_password(&opts(len, l, u, d, s, false)).unwrap();
                let p = g.secret.expose_secret();
                assert_eq!(p.chars().count(), len);
                for (on, set) in [(l, LOWERCASE), (u, UPPERCASE), (d, DIGITS), (s, SYMBOLS)] {
                    let present = p.chars().any(|c| set.contains(c));
                    assert_eq!(present, on, "{set} in a password of {len}");
                }
            }
        }
    }
}

#[test]
fn no_ambiguous_characters_when_asked() {
    for _ in 0..300 {
        let g = generate_password(&opts(64, true, true, true, true, true)).unwrap();
        let p = g.secret.expose_secret();
        assert!(!p.chars().any(|c| AMBIGUOUS.contains(c)), "{p}");
    }
    // And they do occur when not asked: three 128-char passwords all miss the
    // 14 of them with probability (80/94)^384 < 2^-89.
    let seen = (0..3).any(|_| {
        let g = generate_password(&opts(128, true, true, true, true, false)).unwrap();
        let found = g
            .secret
            .expose_secret()
            .chars()
            .any(|c| AMBIGUOUS.contains(c));
        found
    });
    assert!(seen);
}

#[test]
fn invalid_options_are_refused() {
    for bad in [
        opts(7, true, true, true, true, false),
        opts(129, true, true, true, true, false),
        opts(0, true, false, false, false, false),
        opts(20, false, false, false, false, false),
        opts(20, false, false, false, false, true),
    ] {
        assert!(
            matches!(
                generate_password(&bad),
                Err(Error::InvalidGeneratorOptions(_))
            ),
            "{bad:?}"
        );
        assert!(matches!(
            password_entropy_bits(&bad),
            Err(Error::InvalidGeneratorOptions(_))
        ));
    }
}

/// Chi-square over 94 symbols from 1 500 passwords of 64 characters (96 000
/// draws, ~1 021 expected per symbol). With 93 degrees of freedom the
/// statistic has mean 93 and s.d. ~13.6; 220 is > 9 s.d. out (p < 1e-15),
/// so a correct generator cannot flake, while a modulo bias or a dropped
/// character (expected count 0 → contribution ~1 000) fails at once.
#[test]
fn characters_are_uniform_chi_square() {
    let alphabet: Vec<char> = [LOWERCASE, UPPERCASE, DIGITS, SYMBOLS]
        .concat()
        .chars()
        .collect();
    assert_eq!(alphabet.len(), 94);
    let mut counts = std::collections::HashMap::<char, f64>::new();
    let o = PasswordOptions {
        length: 64,
        ..Default::default()
    };
    let draws = 1_500;
    for _ in 0..draws {
        for c in generate_password(&o)
            .unwrap()
            .secret
            .expose_secret()
            .chars()
        {
            *counts.entry(c).or_default() += 1.0;
        }
    }
    let expected = (draws * 64) as f64 / 94.0;
    let chi2: f64 = alphabet
        .iter()
        .map(|c| {
            let o = counts.get(c).copied().unwrap_or(0.0);
            (o - expected).powi(2) / expected
        })
        .sum();
    assert_eq!(counts.len(), 94, "a character never appeared");
    assert!(chi2 < 220.0, "chi-square {chi2}");
}

#[test]
fn entropy_matches_independent_counts() {
    // Single class: exactly length · log2(size).
    let e = password_entropy_bits(&opts(10, false, false, true, false, false)).unwrap();
    assert!((e - 10.0 * 10f64.log2()).abs() < 1e-9, "{e}");
    // Lower + digits, length 8: count = 36^8 − 26^8 − 10^8 (computed exactly
    // in integers here, independently of the f64 formula in the crate).
    let count: u128 = 36u128.pow(8) - 26u128.pow(8) - 10u128.pow(8);
    let e = password_entropy_bits(&opts(8, true, false, true, false, false)).unwrap();
    assert!((e - (count as f64).log2()).abs() < 1e-9, "{e}");
    // All four classes, length 8, by brute-force inclusion–exclusion in u128.
    let sizes = [26u128, 26, 10, 32];
    let mut count: i128 = 0;
    for mask in 0..16u32 {
        let kept: u128 = (0..4)
            .filter(|i| mask & (1 << i) == 0)
            .map(|i| sizes[i])
            .sum();
        let term = kept.pow(8) as i128;
        count += if mask.count_ones() % 2 == 0 {
            term
        } else {
            -term
        };
    }
    let e = password_entropy_bits(&opts(8, true, true, true, true, false)).unwrap();
    assert!((e - (count as f64).log2()).abs() < 1e-9, "{e}");
    // Default options: 20 characters over 94 symbols, a hair under 20·log2 94.
    let g = generate_password(&PasswordOptions::default()).unwrap();
    assert!(
        g.entropy_bits < 20.0 * 94f64.log2() && g.entropy_bits > 130.0,
        "{}",
        g.entropy_bits
    );
    // Ambiguous characters removed: 94 − 14 = 80 symbols.
    let e = password_entropy_bits(&opts(128, true, true, true, true, true)).unwrap();
    assert!((e - 128.0 * 80f64.log2()).abs() < 0.01, "{e}");
}

#[test]
fn debug_output_hides_the_password() {
    let g = generate_password(&PasswordOptions::default()).unwrap();
    let shown = format!("{g:?}");
    assert!(!shown.contains(g.secret.expose_secret()));
    assert!(shown.contains("REDACTED"));
}
