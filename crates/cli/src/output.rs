//! Printing results: human text by default, one JSON document with `--json`.

use serde_json::Value;

pub struct Out {
    pub json: bool,
}

impl Out {
    /// Prints `human` as text, or `json` as one JSON document.
    pub fn show(&self, human: impl FnOnce() -> String, json: impl FnOnce() -> Value) {
        if self.json {
            println!("{}", json());
        } else {
            let text = human();
            if !text.is_empty() {
                println!("{text}");
            }
        }
    }
}
