//! The JSON plaintexts inside an item's two envelopes.
//!
//! The core only seals and opens bytes; these structs are the shared shape
//! that the CLI and the web front end read and write, generous enough for
//! logins, databases, notes and SSH keys. Members this version does not know
//! are kept in `extra` and written back unchanged, so an older client does not
//! drop a newer client's fields when it saves. Both types zeroize on drop and
//! never print their contents (names and URLs are confidential too).

use core::fmt;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// What kind of item this is; unknown kinds read as `Other`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, Zeroize)]
#[serde(rename_all = "lowercase")]
pub enum ItemType {
    #[default]
    Login,
    Database,
    Note,
    Ssh,
    #[serde(other)]
    Other,
}

/// What lists, search and autofill need; opened for every item at unlock.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
pub struct Overview {
    #[serde(rename = "type", default)]
    pub kind: ItemType,
    pub name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub urls: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Folder id inside the vault (folder names are their own envelopes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub folder: Option<String>,
    #[serde(flatten)]
    #[zeroize(skip)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// The secret fields, opened on demand.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
pub struct Details {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// An `otpauth://` URI or a base32 seed (RFC 6238).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totp: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<CustomField>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<DatabaseDetails>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssh: Option<SshDetails>,
    #[serde(flatten)]
    #[zeroize(skip)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// A user-defined field; `hidden` ones are masked in the UI until revealed.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, Zeroize)]
pub struct CustomField {
    pub name: String,
    pub value: String,
    #[serde(default)]
    pub hidden: bool,
}

/// Connection details of a database item (used by the CLI's rotation).
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, Zeroize)]
pub struct DatabaseDetails {
    /// `postgresql`, `mysql`, `mariadb`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
}

/// An SSH key item (OpenSSH formats).
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, Zeroize)]
pub struct SshDetails {
    pub private_key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passphrase: Option<String>,
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
redacted_debug!(Overview, Details, CustomField, DatabaseDetails, SshDetails);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn unknown_members_survive_a_round_trip_and_nothing_prints() {
        let json = r#"{"type":"database","name":"Prod","urls":["https://db"],"future":{"x":1}}"#;
        let o: Overview = serde_json::from_str(json).unwrap();
        assert_eq!(o.kind, ItemType::Database);
        assert_eq!(o.extra["future"]["x"], 1);
        let back: serde_json::Value =
            serde_json::from_str(&serde_json::to_string(&o).unwrap()).unwrap();
        assert_eq!(
            back,
            serde_json::from_str::<serde_json::Value>(json).unwrap()
        );
        assert_eq!(format!("{o:?}"), "Overview([REDACTED])");
        let d: Details = serde_json::from_str(
            r#"{"password":"hunter2","database":{"host":"h","port":5432},"fields":[{"name":"pin","value":"1234","hidden":true}]}"#,
        )
        .unwrap();
        assert_eq!(d.database.as_ref().unwrap().port, Some(5432));
        assert!(!format!("{d:?}").contains("hunter2"));
        let k: Overview = serde_json::from_str(r#"{"type":"wifi","name":"n"}"#).unwrap();
        assert_eq!(k.kind, ItemType::Other);
    }
}
