//! Printing results: human text by default, one JSON document with `--json`.

use serde_json::Value;

pub struct Out {
    pub json: bool,
}

impl Out {
    /// Prints `human` as text, or `json` as one JSON document.
    pub fn show(&self, human: impl FnOnce() -> String, json: impl FnOnce() -> Value) {
        if self.json {
            crate::output::line(format_args!("{}", json()));
        } else {
            let text = human();
            if !text.is_empty() {
                crate::output::line(format_args!("{text}"));
            }
        }
    }
}

/// Prints one line on stdout. A closed pipe (`bv item list | head -1`) ends
/// the process quietly with a failure code instead of `println!`'s panic.
pub fn line(text: impl std::fmt::Display) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = writeln!(out, "{text}").and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(1);
        }
        eprintln!("bv: cannot write to standard output: {e}");
        std::process::exit(1);
    }
}
