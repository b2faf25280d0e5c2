//! Password and passphrase generator.
//!
//! Every draw comes from the OS CSPRNG through [`crate::random::below`]
//! (unbiased rejection sampling). Each result reports its entropy in bits,
//! computed for the exact distribution the generator samples from:
//!
//! - Random-character passwords are drawn uniformly from the union of the
//!   chosen classes and *rejected* until every chosen class appears. The
//!   result is therefore uniform over the set of valid strings, whose size
//!   is counted by inclusion–exclusion (see [`password_entropy_bits`]).
//!   Inserting one character per class and shuffling would be simpler but
//!   slightly non-uniform, which makes an honest entropy figure harder.
//! - Passphrases are `words` independent uniform picks from the EFF Large
//!   Wordlist (7 776 words, log2 7776 ≈ 12.925 bits each), joined by a
//!   separator, optionally capitalised (no entropy: it is fixed), optionally
//!   with one random digit appended to one random word.

use crate::random::below;
use crate::secret::SecretString;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// Shortest password we generate: NIST SP 800-63B §5.1.1.2 asks for at least 8.
pub const MIN_LENGTH: usize = 8;
/// Longest password we generate: more adds nothing and some sites truncate.
pub const MAX_LENGTH: usize = 128;
/// Fewest passphrase words: 3 × 12.9 ≈ 39 bits, the least worth offering.
pub const MIN_WORDS: usize = 3;
/// Most passphrase words: 20 × 12.9 ≈ 258 bits, beyond any key we hold.
pub const MAX_WORDS: usize = 20;
/// Longest passphrase separator.
pub const MAX_SEPARATOR_CHARS: usize = 8;

pub const LOWERCASE: &str = "abcdefghijklmnopqrstuvwxyz";
pub const UPPERCASE: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
pub const DIGITS: &str = "0123456789";
/// All 32 ASCII punctuation characters.
pub const SYMBOLS: &str = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
/// Characters that are easy to misread or mistype when a password is copied
/// by hand: 0/O/o, 1/l/I/|, the quote family, and the small dots and commas.
pub const AMBIGUOUS: &str = "0Oo1lI|`'\",.;:";

/// Options for a random-character password.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PasswordOptions {
    pub length: usize,
    pub lowercase: bool,
    pub uppercase: bool,
    pub digits: bool,
    pub symbols: bool,
    /// Leave out [`AMBIGUOUS`] characters.
    pub avoid_ambiguous: bool,
}

impl Default for PasswordOptions {
    /// 20 characters of all four classes: ≈ 131 bits.
    fn default() -> Self {
        Self {
            length: 20,
            lowercase: true,
            uppercase: true,
            digits: true,
            symbols: true,
            avoid_ambiguous: false,
        }
    }
}

/// Options for a passphrase of words.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PassphraseOptions {
    pub words: usize,
    /// 1 to [`MAX_SEPARATOR_CHARS`] characters, no letters (see [`generate_passphrase`]).
    pub separator: String,
    /// Upper-case the first letter of every word.
    pub capitalize: bool,
    /// Append one random digit to one random word.
    pub include_digit: bool,
}

impl Default for PassphraseOptions {
    /// Six words (≈ 77.5 bits), as the EFF recommends for its large list.
    fn default() -> Self {
        Self {
            words: 6,
            separator: "-".into(),
            capitalize: false,
            include_digit: false,
        }
    }
}

/// A generated secret and the entropy of the distribution it was drawn from.
#[derive(Debug)]
pub struct Generated {
    pub secret: SecretString,
    pub entropy_bits: f64,
}

/// The character classes chosen by `opts`, each filtered for ambiguity.
fn classes(opts: &PasswordOptions) -> Vec<Vec<char>> {
    [
        (opts.lowercase, LOWERCASE),
        (opts.uppercase, UPPERCASE),
        (opts.digits, DIGITS),
        (opts.symbols, SYMBOLS),
    ]
    .into_iter()
    .filter(|(on, _)| *on)
    .map(|(_, set)| {
        set.chars()
            .filter(|c| !(opts.avoid_ambiguous && AMBIGUOUS.contains(*c)))
            .collect()
    })
    .collect()
}

fn check_password_options(opts: &PasswordOptions) -> Result<Vec<Vec<char>>> {
    if !(MIN_LENGTH..=MAX_LENGTH).contains(&opts.length) {
        return Err(Error::InvalidGeneratorOptions(
            "length must be between 8 and 128",
        ));
    }
    let classes = classes(opts);
    if classes.is_empty() {
        return Err(Error::InvalidGeneratorOptions(
            "choose at least one character class",
        ));
    }
    Ok(classes)
}

/// A uniformly random password over the chosen classes, with each chosen
/// class present at least once.
pub fn generate_password(opts: &PasswordOptions) -> Result<Generated> {
    let classes = check_password_options(opts)?;
    let alphabet: Vec<char> = classes.iter().flatten().copied().collect();
    let n = u32::try_from(alphabet.len())
        .map_err(|_| Error::InvalidGeneratorOptions("alphabet too large"))?;
    // Acceptance is at least ~25% (8 characters, 4 classes, no ambiguous
    // ones), so 2 000 attempts fail with probability below 2^-800: this bound
    // only exists so the loop provably ends.
    for _ in 0..2_000 {
        let mut s = String::with_capacity(opts.length);
        for _ in 0..opts.length {
            let i = below(n)? as usize;
            s.push(*alphabet.get(i).ok_or(Error::Random)?);
        }
        let has_all = classes
            .iter()
            .all(|class| s.chars().any(|c| class.contains(&c)));
        let candidate = SecretString::new(s);
        if has_all {
            return Ok(Generated {
                secret: candidate,
                entropy_bits: entropy_of(&classes, opts.length),
            });
        }
    }
    Err(Error::Random)
}

/// Entropy in bits of [`generate_password`] for these options, without drawing.
pub fn password_entropy_bits(opts: &PasswordOptions) -> Result<f64> {
    let classes = check_password_options(opts)?;
    Ok(entropy_of(&classes, opts.length))
}

/// log2 of the number of length-`len` strings over the union of `classes`
/// that contain every class at least once. By inclusion–exclusion over the
/// set M of classes allowed to be missing:
///
/// ```text
/// count = Σ_{M ⊆ classes} (-1)^|M| · (|alphabet| − |∪M|)^len
/// bits  = len · log2 |alphabet| + log2( Σ_M (-1)^|M| · (1 − |∪M|/|alphabet|)^len )
/// ```
///
/// The second form keeps every term in [0, 1], so f64 does not overflow.
fn entropy_of(classes: &[Vec<char>], len: usize) -> f64 {
    let total: usize = classes.iter().map(Vec::len).sum();
    let total_f = total as f64;
    let mut fraction = 0.0;
    for mask in 0u32..(1 << classes.len()) {
        let missing: usize = classes
            .iter()
            .enumerate()
            .filter(|(i, _)| mask & (1 << i) != 0)
            .map(|(_, c)| c.len())
            .sum();
        let term = ((total - missing) as f64 / total_f).powi(len as i32);
        if mask.count_ones() % 2 == 0 {
            fraction += term;
        } else {
            fraction -= term;
        }
    }
    len as f64 * total_f.log2() + fraction.log2()
}

/// The EFF Large Wordlist, parsed once from the bundled file.
pub fn wordlist() -> &'static [&'static str] {
    static WORDS: OnceLock<Vec<&'static str>> = OnceLock::new();
    WORDS.get_or_init(|| {
        include_str!("wordlist/eff_large_wordlist.txt")
            .lines()
            .filter_map(|line| line.split_once('\t').map(|(_dice, word)| word))
            .collect()
    })
}

/// A passphrase of `words` uniformly chosen words.
///
/// The separator must be non-empty and contain no letters: otherwise words
/// could run together ("notable" + "tin" vs "not" + "abletin") and the
/// reported entropy would overstate the number of distinct passphrases.
pub fn generate_passphrase(opts: &PassphraseOptions) -> Result<Generated> {
    if !(MIN_WORDS..=MAX_WORDS).contains(&opts.words) {
        return Err(Error::InvalidGeneratorOptions(
            "a passphrase has between 3 and 20 words",
        ));
    }
    let sep_chars = opts.separator.chars().count();
    if sep_chars == 0
        || sep_chars > MAX_SEPARATOR_CHARS
        || opts.separator.chars().any(char::is_alphabetic)
    {
        return Err(Error::InvalidGeneratorOptions(
            "the separator must be 1 to 8 characters and contain no letters",
        ));
    }
    let list = wordlist();
    let n = u32::try_from(list.len())
        .map_err(|_| Error::InvalidGeneratorOptions("word list too large"))?;
    if n == 0 {
        return Err(Error::InvalidGeneratorOptions("word list is empty"));
    }
    let digit_at = if opts.include_digit {
        Some((below(opts.words as u32)? as usize, below(10)?))
    } else {
        None
    };

    // Longest word is 9 bytes, +1 for the digit: reserving it all up front
    // means the string never reallocates and leaves no unzeroized copies.
    let mut out = String::with_capacity(opts.words * (10 + opts.separator.len()));
    for w in 0..opts.words {
        if w > 0 {
            out.push_str(&opts.separator);
        }
        let word = list.get(below(n)? as usize).ok_or(Error::Random)?;
        if opts.capitalize {
            let mut chars = word.chars();
            if let Some(first) = chars.next() {
                out.extend(first.to_uppercase());
                out.push_str(chars.as_str());
            }
        } else {
            out.push_str(word);
        }
        if let Some((pos, digit)) = digit_at {
            if pos == w {
                out.push(char::from(b'0' + digit as u8));
            }
        }
    }
    Ok(Generated {
        secret: SecretString::new(out),
        entropy_bits: passphrase_entropy_bits(opts),
    })
}

/// Entropy in bits of [`generate_passphrase`] for these options:
/// `words · log2 7776`, plus `log2 10 + log2 words` for the digit and its place.
pub fn passphrase_entropy_bits(opts: &PassphraseOptions) -> f64 {
    let words = opts.words as f64;
    let mut bits = words * (wordlist().len() as f64).log2();
    if opts.include_digit {
        bits += 10f64.log2() + words.log2();
    }
    bits
}
