//! `attach add PATH FILE`, `attach get PATH NAME --out FILE` (SPEC §
//! Attachments; § Command-line client, Attachments).
//!
//! ```text
//! FILE ─64 KiB reads─▶ Encryptor (c2sp chunked, ctx bv1/attachment/<home>/<item>/<att>)
//!      ─▶ PUT …/attachments/<att> (streamed body) ─▶ then the item's details
//!         get {"id": att, "meta": AttachmentMeta envelope (name, size, type, key)}
//! GET …/attachments/<att> ─▶ Decryptor ─▶ temporary file ─finish ok─▶ rename to --out
//! ```
//! Memory stays bounded by a few chunks whatever the file size. A download
//! that fails verification leaves no output file: only a successful end
//! proves the content whole (SPEC § Attachments, Decryption).

use super::item::{self, Found};
use super::Ctx;
use crate::exit::{CliError, CliResult, Kind};
use blindvault::attachment::{AttachmentKey, AttachmentMeta, Decryptor, Encryptor};
use blindvault::context::Context;
use blindvault::keys::SymmetricKey;
use indicatif::ProgressBar;
use serde_json::{json, Value};
use std::fs::File;
use std::io::{IsTerminal, Read, Write};
use std::path::Path;

const READ_SIZE: usize = 64 * 1024;

fn progress(len: u64, what: &str) -> Option<ProgressBar> {
    std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new(len);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{msg} {bar:30} {bytes}/{total_bytes} {bytes_per_sec}",
        ) {
            bar.set_style(style);
        }
        bar.set_message(what.to_owned());
        bar
    })
}

/// Encrypts a file as it is read: the request body of the upload.
struct EncryptingReader {
    file: File,
    enc: Option<Encryptor>,
    out: Vec<u8>,
    pos: usize,
    bar: Option<ProgressBar>,
    error: Option<blindvault::Error>,
}

impl Read for EncryptingReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.pos == self.out.len() {
            let Some(enc) = self.enc.as_mut() else {
                return Ok(0);
            };
            let mut chunk = vec![0u8; READ_SIZE];
            let n = self.file.read(&mut chunk)?;
            let produced = if n == 0 {
                self.enc.take().map(Encryptor::finish)
            } else {
                if let Some(b) = &self.bar {
                    b.inc(n as u64);
                }
                Some(enc.push(&chunk[..n]))
            };
            zeroize::Zeroize::zeroize(&mut chunk);
            match produced {
                Some(Ok(bytes)) => {
                    self.out = bytes;
                    self.pos = 0;
                }
                Some(Err(e)) => {
                    self.error = Some(e);
                    return Err(std::io::Error::other("encryption failed"));
                }
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.out.len() - self.pos);
        buf[..n].copy_from_slice(&self.out[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

fn item_key_and_home(found: &Found) -> CliResult<(SymmetricKey, String)> {
    let vault = &found.synced.vaults[found.vi];
    let view = &found.item.view;
    let blob = super::vaults::blob_of(view).map_err(CliError::integrity)?;
    let bad = |e: blindvault::Error| CliError::from_server_data(&format!("item {}", view.id), &e);
    let key =
        blindvault::item::unwrap_item_key(&vault.key, &vault.id, &view.id, &blob).map_err(bad)?;
    let home = blindvault::item::home_vault(&blob).map_err(bad)?;
    Ok((key, home))
}

pub fn add(ctx: &Ctx, path: &str, file: &Path) -> CliResult<()> {
    let io = |e: std::io::Error| CliError::other(format!("cannot read {}: {e}", file.display()));
    let handle = File::open(file).map_err(io)?;
    let size = handle.metadata().map_err(io)?.len();
    let name = file
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| CliError::usage("FILE must have a UTF-8 file name"))?
        .to_owned();
    let found = item::find(ctx, path)?;
    let mut details = item::open_details(&found)?;
    let existing = attachments_of(&found, &details)?;
    if existing.iter().any(|(_, m)| m.name == name) {
        return Err(CliError::new(
            Kind::Conflict,
            format!("{path} already has an attachment named {name:?}"),
        ));
    }
    let (item_key, home) = item_key_and_home(&found)?;
    let view = &found.item.view;
    let att = crate::keys::random_id()?;
    let key = AttachmentKey::generate().map_err(|e| crate::exit::core(&e))?;
    let core = |e: blindvault::Error| crate::exit::core(&e);
    let context = Context::attachment(&home, &view.id, &att).map_err(core)?;
    let (enc, header) = Encryptor::new(&key, &context).map_err(core)?;
    let mut body = EncryptingReader {
        file: handle,
        enc: Some(enc),
        out: header,
        pos: 0,
        bar: progress(size, "encrypting and uploading"),
        error: None,
    };
    let sent = found.client.put_stream(
        &format!(
            "/vaults/{}/items/{}/attachments/{att}",
            view.vault_id, view.id
        ),
        &mut body,
    );
    if let Some(b) = &body.bar {
        b.finish_and_clear();
    }
    if let Some(e) = body.error {
        return Err(crate::exit::core(&e));
    }
    sent?;
    let meta = AttachmentMeta {
        name: name.clone(),
        size,
        mime: String::new(),
        key,
    }
    .seal(&item_key, &home, &view.id, &att)
    .map_err(core)?;
    let list = details
        .entry("attachments")
        .or_insert_with(|| Value::Array(Vec::new()));
    let Some(list) = list.as_array_mut() else {
        return Err(CliError::integrity("the item's attachments are not a list"));
    };
    list.push(json!({"id": att, "meta": meta}));
    let overview = found.item.overview.clone();
    let written = item::write_item(&found, view.revision, &overview, &details).map_err(|e| {
        CliError::new(
            e.kind,
            format!("the file was uploaded but the item could not record it ({e}); run the command again"),
        )
    })?;
    ctx.out.show(
        || format!("Attached {name:?} ({size} bytes) to {path}."),
        || json!({"id": att, "name": name, "size": size, "revision": written.revision}),
    );
    Ok(())
}

/// The attachments listed in an item's details, opened.
fn attachments_of(
    found: &Found,
    details: &item::Payload,
) -> CliResult<Vec<(String, AttachmentMeta)>> {
    let Some(list) = details.get("attachments") else {
        return Ok(Vec::new());
    };
    let Some(list) = list.as_array() else {
        return Err(CliError::integrity("the item's attachments are not a list"));
    };
    let (item_key, home) = item_key_and_home(found)?;
    let view = &found.item.view;
    let mut out = Vec::new();
    for a in list {
        let (Some(id), Some(meta)) = (
            a.get("id").and_then(Value::as_str),
            a.get("meta").and_then(Value::as_str),
        ) else {
            return Err(CliError::integrity("an attachment entry is not {id, meta}"));
        };
        let m = AttachmentMeta::open(&item_key, &home, &view.id, id, meta)
            .map_err(|e| CliError::from_server_data(&format!("attachment {id}"), &e))?;
        out.push((id.to_owned(), m));
    }
    Ok(out)
}

pub fn get(ctx: &Ctx, path: &str, name: &str, out: &Path) -> CliResult<()> {
    let found = item::find(ctx, path)?;
    let details = item::open_details(&found)?;
    let list = attachments_of(&found, &details)?;
    let Some((id, meta)) = list
        .into_iter()
        .find(|(id, m)| m.name == name || id == name)
    else {
        return Err(CliError::other(format!(
            "{path} has no attachment {name:?}"
        )));
    };
    let (_, home) = item_key_and_home(&found)?;
    let view = &found.item.view;
    let context = Context::attachment(&home, &view.id, &id).map_err(|e| crate::exit::core(&e))?;
    let mut stream = found.client.get_stream(&format!(
        "/vaults/{}/items/{}/attachments/{id}",
        view.vault_id, view.id
    ))?;
    let dir = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let werr = |e: std::io::Error| CliError::other(format!("cannot write {}: {e}", out.display()));
    let mut tmp = tempfile_in(dir).map_err(werr)?;
    let dec = Decryptor::new(&meta.key, &context);
    let bar = progress(meta.size, "downloading and decrypting");
    let result = decrypt_to(&mut *stream, dec, &mut tmp.1, bar.as_ref(), &id)
        .and_then(|()| std::fs::rename(&tmp.0, out).map_err(werr));
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp.0);
        return Err(e);
    }
    ctx.out.show(
        || format!("Wrote {name:?} to {}.", out.display()),
        || json!({"id": id, "name": meta.name, "size": meta.size, "out": out.display().to_string()}),
    );
    Ok(())
}

/// Streams the download through the decryptor into `file`; only a
/// successful `finish` (the final chunk verified) returns Ok.
fn decrypt_to(
    stream: &mut dyn Read,
    mut dec: Decryptor,
    file: &mut File,
    bar: Option<&ProgressBar>,
    id: &str,
) -> CliResult<()> {
    let werr = |e: std::io::Error| CliError::other(format!("cannot write the output: {e}"));
    let bad = |e: blindvault::Error| CliError::from_server_data(&format!("attachment {id}"), &e);
    let mut buf = vec![0u8; READ_SIZE];
    loop {
        let n = stream
            .read(&mut buf)
            .map_err(|e| CliError::other(format!("download interrupted: {e}")))?;
        if n == 0 {
            break;
        }
        let plain = dec.push(&buf[..n]).map_err(bad)?;
        file.write_all(&plain).map_err(werr)?;
        if let Some(b) = bar {
            b.inc(plain.len() as u64);
        }
    }
    let last = dec.finish().map_err(bad)?;
    file.write_all(&last).map_err(werr)?;
    file.sync_all().map_err(werr)
}

/// A new private file next to the output, renamed over it only once whole.
fn tempfile_in(dir: &Path) -> std::io::Result<(std::path::PathBuf, File)> {
    let mut suffix = [0u8; 8];
    getrandom::fill(&mut suffix).map_err(|_| std::io::Error::other("no randomness"))?;
    let path = dir.join(format!(
        ".bv-download-{}",
        blindvault::encoding::b64u_encode(&suffix)
    ));
    let file = crate::session::private_file(&path)?;
    Ok((path, file))
}
