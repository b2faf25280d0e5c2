//! Share payloads and links come from a server and from pasted URLs: any
//! input must be refused with a ShareError or read, never panic. The first
//! byte picks the parser: a decrypted payload (`decode_payload`), a fragment
//! or a whole link. Seeds: framed payloads and links as the pages make them.
#![no_main]
use blindvault::share_link::{decode_payload, parse_fragment, parse_link};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((which, rest)) = data.split_first() else { return };
    match which % 3 {
        0 => {
            if let Ok((meta, body)) = decode_payload(rest) {
                // What was read back is within the limits it was checked against.
                assert!(meta.max_views() >= 1 && meta.max_views() <= 100);
                assert!(body.len() <= rest.len());
            }
        }
        1 => {
            if let Ok(s) = std::str::from_utf8(rest) {
                let _ = parse_fragment(s);
            }
        }
        _ => {
            if let Ok(s) = std::str::from_utf8(rest) {
                let _ = parse_link(s);
            }
        }
    }
});
