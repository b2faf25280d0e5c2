//! Import files are whatever a person picked, and an export's plaintext is
//! only as trusted as its password: any input must be read or refused with
//! a TransferError, never panic. The first byte picks the reader: Bitwarden
//! JSON, CSV, or the export document. Seeds: one file of each, as
//! tests/transfer_*.rs have them.
#![no_main]
use blindvault::transfer::{bitwarden, csv, ExportDocument};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((which, rest)) = data.split_first() else { return };
    match which % 3 {
        0 => {
            if let Ok(s) = std::str::from_utf8(rest) {
                let _ = bitwarden::parse(s);
            }
        }
        1 => {
            if let Ok(s) = std::str::from_utf8(rest) {
                if let Ok(p) = csv::parse(s) {
                    // Every record is a payload of § Payloads: a kind and a name.
                    for r in &p.records {
                        assert!(r.overview.get("kind").is_some_and(|k| k.is_string()));
                        assert!(r.overview.get("name").is_some_and(|n| n.is_string()));
                    }
                }
            }
        }
        _ => {
            if let Ok(doc) = ExportDocument::from_json(rest) {
                // What was read writes back to a document that reads the same.
                let again = doc.to_json().map(|j| ExportDocument::from_json(j.expose_secret()));
                assert!(matches!(again, Ok(Ok(ref d)) if *d == doc));
            }
        }
    }
});
