//! The JSON plaintexts inside an item's two envelopes, exactly as SPEC.md
//! "§ Web vault / Payloads" fixes them (the web vault and the `bv` CLI write
//! that format):
//!
//! | kind       | overview                                   | details |
//! |------------|--------------------------------------------|---------|
//! | `login`    | kind, name, url, username                  | password, totp, notes, custom |
//! | `database` | kind, name, host, port, database, username | password, notes, custom |
//! | `note`     | kind, name                                 | notes, custom |
//! | `ssh`      | kind, name, username, host                 | publicKey, privateKey, passphrase, certificate, notes, custom |
//!
//! Any kind may have `folder` in its overview (§ Web vault / Folders).
//!
//! Absent fields are omitted, never `null`; every value is a string except
//! `custom`. Members this version does not know (and kinds it does not know)
//! are kept and written back unchanged, so an older client does not drop a
//! newer client's fields when it saves. The types zeroize on drop and never
//! print their contents (names and URLs are confidential too).

use core::fmt;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// The kinds SPEC.md knows; [`Overview::kind`] keeps the string itself so an
/// unknown kind survives a round trip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    Login,
    Database,
    Note,
    Ssh,
    /// A kind this version does not know.
    Other,
}

impl ItemKind {
    /// The `kind` string as written in an overview.
    pub fn as_str(self) -> Option<&'static str> {
        Some(match self {
            ItemKind::Login => "login",
            ItemKind::Database => "database",
            ItemKind::Note => "note",
            ItemKind::Ssh => "ssh",
            ItemKind::Other => return None,
        })
    }
}

/// What lists, search and autofill need; opened for every item at unlock.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
pub struct Overview {
    /// `login`, `database`, `note`, `ssh`, or a kind from a newer client.
    pub kind: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// A string, like every other value (SPEC: "All other values are strings").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    /// The id of the vault folder the item is in (SPEC § Web vault / Folders).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub folder: Option<String>,
    #[serde(flatten)]
    #[zeroize(skip)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

impl Overview {
    pub fn item_kind(&self) -> ItemKind {
        match self.kind.as_str() {
            "login" => ItemKind::Login,
            "database" => ItemKind::Database,
            "note" => ItemKind::Note,
            "ssh" => ItemKind::Ssh,
            _ => ItemKind::Other,
        }
    }
}

/// The secret fields, opened on demand.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
#[serde(rename_all = "camelCase")]
pub struct Details {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// An `otpauth://` URI or a base32 seed (RFC 6238).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totp: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub custom: Vec<CustomField>,
    /// OpenSSH public key (`ssh` items).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<String>,
    /// OpenSSH private key (`ssh` items).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passphrase: Option<String>,
    /// OpenSSH certificate (`ssh` items).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<String>,
    #[serde(flatten)]
    #[zeroize(skip)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// A user-defined field; `secret` ones are masked in the UI until revealed.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
pub struct CustomField {
    pub label: String,
    pub value: String,
    #[serde(default)]
    pub secret: bool,
    #[serde(flatten)]
    #[zeroize(skip)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

macro_rules! redacted_debug {
    ($($t:ty),*) => {$(
        impl fmt::Debug for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($t), "([REDACTED])"))
            }
        }
    )*};
}
redacted_debug!(Overview, Details, CustomField);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::{json, Value};

    fn round_trip<T: Serialize + for<'de> Deserialize<'de>>(v: &Value) -> (T, Value) {
        let t: T = serde_json::from_value(v.clone()).unwrap();
        let back = serde_json::to_value(&t).unwrap();
        (t, back)
    }

    #[test]
    fn every_spec_kind_reads_and_writes_back_unchanged() {
        let overviews = [
            json!({"kind":"login","name":"Mail","url":"https://m","username":"ann"}),
            json!({"kind":"database","name":"Prod","host":"db","port":"5432","database":"app","username":"app"}),
            json!({"kind":"note","name":"n","folder":"f-1"}),
            json!({"kind":"ssh","name":"box","username":"root","host":"h"}),
        ];
        for o in &overviews {
            let (t, back): (Overview, _) = round_trip(o);
            assert_eq!(&back, o);
            assert_eq!(t.item_kind().as_str(), o["kind"].as_str());
            assert!(t.extra.is_empty(), "{o}");
        }
        let d = json!({"password":"hunter2","totp":"otpauth://totp/x?secret=AB","notes":"n",
            "custom":[{"label":"pin","value":"1234","secret":true}],
            "publicKey":"ssh-ed25519 A","privateKey":"-----BEGIN","passphrase":"p","certificate":"c"});
        let (t, back): (Details, _) = round_trip(&d);
        assert_eq!(back, d);
        assert!(t.extra.is_empty());
        assert_eq!(t.custom[0].label, "pin");
        assert!(t.custom[0].secret);
        assert_eq!(t.private_key.as_deref(), Some("-----BEGIN"));
    }

    #[test]
    fn unknown_members_and_kinds_survive_and_nothing_prints() {
        let o = json!({"kind":"wifi","name":"n","ssid":"home","future":{"x":1}});
        let (t, back): (Overview, _) = round_trip(&o);
        assert_eq!(back, o);
        assert_eq!(t.item_kind(), ItemKind::Other);
        assert_eq!(format!("{t:?}"), "Overview([REDACTED])");
        let d = json!({"password":"hunter2","custom":[{"label":"l","value":"s3cret","secret":false,"x":2}],"later":[1]});
        let (t, back): (Details, _) = round_trip(&d);
        assert_eq!(back, d);
        assert!(!format!("{t:?}").contains("hunter2"));
        assert!(!format!("{:?}", t.custom).contains("s3cret"));
        // Absent fields are omitted, never null.
        let empty = serde_json::to_string(&Details::default()).unwrap();
        assert_eq!(empty, "{}");
    }
}
