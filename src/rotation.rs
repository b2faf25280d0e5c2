//! The re-keyed part of a vault key rotation (docs/SPEC.md § Key rotation):
//! the vault's name, every item key and every folder under the new key, as
//! `POST /vaults/{v}/rotate` takes them. The client adds the new key's copies
//! (`Roster::seal_copies`), `tokens`, the signed `log_entry` and the vault's
//! `base_revision`; the server applies it all in one transaction or none.
//!
//! ```text
//! {"name":"<JWE>","items":{"<id>":{"base_revision":N,"envelope":"<transport>"},...},
//!  "folders":{"<id>":{"base_revision":N,"envelope":"<JWE>"},...}}
//! ```
//!
//! Items keep their overview, details and attachments byte for byte: only
//! the wrap of each item key changes. The output is ciphertext and public
//! ids only, so it is returned as JSON text, built here rather than through a
//! serde map type (each one costs the unlock page's module a few KB).

use crate::context::{validate_id, Context};
use crate::encoding::{b64u_decode, b64u_encode};
use crate::keys::SymmetricKey;
use crate::{Error, Result};
use core::fmt;
use core::fmt::Write as _;

/// An item or folder as the server lists it. An item's `envelope` is its
/// transport form, `BASE64URL(UTF-8(item blob JSON))` (§ Web vault,
/// "Transport of an item"); a folder's is the JWE of its name.
pub struct Row<'a> {
    pub id: &'a str,
    pub revision: i64,
    pub envelope: &'a str,
}

/// Which row could not be re-keyed, and why (a server's data that does not
/// open under the old key).
#[derive(Debug)]
pub struct Refused {
    pub what: &'static str,
    pub id: String,
    pub error: Error,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.what, self.id, self.error)
    }
}

impl std::error::Error for Refused {}

/// The rotation's `name`, `items` and `folders` under `new_key`, from the
/// vault's current ones under `old_key`; JSON object text.
pub fn rekey(
    vault_id: &str,
    name: &str,
    old_key: &SymmetricKey,
    new_key: &SymmetricKey,
    items: &[Row<'_>],
    folders: &[Row<'_>],
) -> core::result::Result<String, Refused> {
    let sealed_name = crate::names::seal_vault_name(new_key, vault_id, name)
        .map_err(|e| refused("vault", vault_id, e))?;
    let mut out = String::with_capacity(64 + items.len() * 1100 + folders.len() * 300);
    // Every string written is a JWE, base64url or a validated id: nothing
    // to escape.
    let _ = write!(out, r#"{{"name":"{sealed_name}","items":"#);
    write_rows(&mut out, items, "item", |r| {
        rekey_item(vault_id, r, old_key, new_key)
    })?;
    out.push_str(r#","folders":"#);
    write_rows(&mut out, folders, "folder", |r| {
        rekey_folder(vault_id, r, old_key, new_key)
    })?;
    out.push('}');
    Ok(out)
}

/// `{"<id>":{"base_revision":N,"envelope":"<rekeyed>"},...}` into `out`.
fn write_rows(
    out: &mut String,
    rows: &[Row<'_>],
    what: &'static str,
    rekeyed: impl Fn(&Row<'_>) -> Result<String>,
) -> core::result::Result<(), Refused> {
    out.push('{');
    for (i, row) in rows.iter().enumerate() {
        let env = rekeyed(row).map_err(|e| refused(what, row.id, e))?;
        let comma = if i == 0 { "" } else { "," };
        let _ = write!(
            out,
            r#"{comma}"{}":{{"base_revision":{},"envelope":"{env}"}}"#,
            row.id, row.revision
        );
    }
    out.push('}');
    Ok(())
}

fn refused(what: &'static str, id: &str, error: Error) -> Refused {
    Refused {
        what,
        id: id.to_owned(),
        error,
    }
}

fn rekey_item(
    vault: &str,
    row: &Row<'_>,
    old: &SymmetricKey,
    new: &SymmetricKey,
) -> Result<String> {
    validate_id(row.id)?;
    let bytes = b64u_decode(row.envelope, "item envelope")?;
    let blob = core::str::from_utf8(&bytes)
        .map_err(|_| Error::InvalidPayload("the item envelope is not UTF-8"))?;
    let re = crate::item::rewrap(blob, row.id, (old, vault), (new, vault))?;
    Ok(b64u_encode(re.as_bytes()))
}

fn rekey_folder(
    vault: &str,
    row: &Row<'_>,
    old: &SymmetricKey,
    new: &SymmetricKey,
) -> Result<String> {
    validate_id(row.id)?;
    let ctx = Context::folder(vault, row.id)?;
    let pt = old.open(row.envelope, &ctx)?;
    new.seal(pt.expose_secret(), &ctx)
}
