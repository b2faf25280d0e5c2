//! The rotation state kept in a database item's details (SPEC § Command-
//! line client, Rotation): `password` is the one in use; `pendingPassword`,
//! when present, is a new one that may or may not have been set on the
//! server yet. Every other member is kept as it is (a newer client's
//! members included).

use blindvault::secret::SecretString;
use serde_json::{Map, Value};
use zeroize::{Zeroize, Zeroizing};

pub const PENDING: &str = "pendingPassword";

/// An item's details, opened; its JSON is wiped when dropped.
pub struct Details(Map<String, Value>);

impl Details {
    pub fn parse(bytes: &[u8]) -> Option<Self> {
        serde_json::from_slice(bytes).ok().map(Self)
    }

    fn secret(&self, member: &str) -> Option<SecretString> {
        self.0
            .get(member)
            .and_then(Value::as_str)
            .map(|s| SecretString::new(s.to_owned()))
    }

    pub fn password(&self) -> Option<SecretString> {
        self.secret("password")
            .filter(|p| !p.expose_secret().is_empty())
    }

    pub fn pending(&self) -> Option<SecretString> {
        self.secret(PENDING)
    }

    /// The details with `pendingPassword` set (the current one untouched).
    pub fn with_pending(&self, new: &SecretString) -> Zeroizing<Vec<u8>> {
        let mut m = self.0.clone();
        m.insert(
            PENDING.into(),
            Value::String(new.expose_secret().to_owned()),
        );
        to_bytes(m)
    }

    /// The details with `password` = `value` and no `pendingPassword`.
    pub fn committed(&self, value: &SecretString) -> Zeroizing<Vec<u8>> {
        let mut m = self.0.clone();
        m.remove(PENDING);
        m.insert(
            "password".into(),
            Value::String(value.expose_secret().to_owned()),
        );
        to_bytes(m)
    }
}

fn to_bytes(m: Map<String, Value>) -> Zeroizing<Vec<u8>> {
    let mut v = Value::Object(m);
    let out = Zeroizing::new(v.to_string().into_bytes());
    if let Value::Object(m) = &mut v {
        wipe(m);
    }
    out
}

fn wipe(m: &mut Map<String, Value>) {
    for (_, v) in m.iter_mut() {
        if let Value::String(s) = v {
            s.zeroize();
        }
    }
}

impl Drop for Details {
    fn drop(&mut self) {
        wipe(&mut self.0);
    }
}
