//! `bv share`: one-time secret links, the same format as the sharing pages
//! (www/share, www/s; docs/SPEC.md § Sharing pages), so a link made here
//! opens in a browser and the reverse.
//!
//! The share key is made here and printed only inside the link's fragment;
//! the server receives ciphertext, an expiry and a view budget.

mod format;

use std::fs;
use std::io::{BufRead, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use blindvault::attachment::{AttachmentKey, Decryptor, Encryptor, CHUNK_SIZE};
use blindvault::context::Context;
use blindvault::encoding::{b64u_decode, b64u_encode};
use blindvault::password_envelope::{open_with_password, seal_with_password};
use blindvault::secret::SecretString;
use clap::{Args, Subcommand};
use serde::Deserialize;
use serde_json::json;
use zeroize::Zeroizing;

use super::Ctx;
use crate::client::Client;
use crate::exit::{CliError, CliResult, Kind};
use format::{Link, Meta};

#[derive(Subcommand)]
pub enum ShareCmd {
    /// Encrypt text (stdin) or a file into a one-time link; prints the link
    /// and a separate delete link. Needs `bv login` (no master password).
    Create(CreateArgs),
    /// Open a share link (uses one view): prints the text, or writes --out.
    Open {
        /// The whole link, quoted: https://HOST/s/#<id>.<key>
        url: String,
        /// Write the secret to this new file instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Read the share's passphrase from the first line of stdin.
        #[arg(long)]
        passphrase_stdin: bool,
    },
    /// Delete a share early with its delete link.
    Delete {
        /// The delete link: https://HOST/s/#d.<id>.<token>
        url: String,
    },
}

#[derive(Args)]
pub struct CreateArgs {
    /// A file to share (at most 8 MiB).
    #[arg(long, conflicts_with = "text")]
    file: Option<PathBuf>,
    /// `-`: the text is read from stdin (the default). Never a secret as an argument.
    #[arg(long)]
    text: Option<String>,
    /// How long the link works: 5m to 30d (s, m, h, d, w).
    #[arg(long, default_value = "1h", value_parser = format::parse_duration)]
    expires: i64,
    /// How many times it can be opened (1 = burn after reading), 1 to 100.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(i64).range(1..=format::VIEWS_MAX))]
    views: i64,
    /// Also require a passphrase: the first line of stdin (the text, if any, follows it).
    #[arg(long)]
    passphrase_stdin: bool,
}

pub fn run(ctx: &Ctx, cmd: ShareCmd) -> CliResult<()> {
    match cmd {
        ShareCmd::Create(args) => create(ctx, &args),
        ShareCmd::Open {
            url,
            out,
            passphrase_stdin,
        } => open(&url, out.as_deref(), passphrase_stdin),
        ShareCmd::Delete { url } => delete(ctx, &url),
    }
}

fn share_context() -> CliResult<Context> {
    Context::share(format::CONTEXT_ID).map_err(|e| CliError::other(e.to_string()))
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// One line of stdin without its line ending.
fn read_stdin_line(what: &str) -> CliResult<SecretString> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| CliError::other(format!("cannot read the {what} from stdin: {e}")))?;
    let trimmed = line.strip_suffix('\n').unwrap_or(&line);
    let trimmed = trimmed.strip_suffix('\r').unwrap_or(trimmed).to_owned();
    zeroize::Zeroize::zeroize(&mut line);
    if trimmed.is_empty() {
        return Err(CliError::usage(format!("the {what} on stdin is empty")));
    }
    Ok(SecretString::new(trimmed))
}

/// Reads at most `limit` bytes, refusing more (nothing is sent then).
fn read_limited(r: impl Read, limit: u64, what: &str) -> CliResult<Zeroizing<Vec<u8>>> {
    let mut buf = Zeroizing::new(Vec::new());
    r.take(limit + 1)
        .read_to_end(&mut buf)
        .map_err(|e| CliError::other(format!("cannot read the {what}: {e}")))?;
    if buf.len() as u64 > limit {
        return Err(CliError::usage(format!(
            "the {what} is larger than the share limit of {limit} bytes"
        )));
    }
    Ok(buf)
}

fn create(ctx: &Ctx, args: &CreateArgs) -> CliResult<()> {
    if let Some(t) = &args.text {
        if t != "-" {
            return Err(CliError::usage(
                "--text takes only `-` (stdin): a secret in an argument shows in ps and shell history",
            ));
        }
    }
    let (session, client) = ctx.session_client()?;
    let passphrase = if args.passphrase_stdin {
        Some(read_stdin_line("passphrase")?)
    } else {
        None
    };
    let key = AttachmentKey::generate().map_err(|e| CliError::other(e.to_string()))?;
    let mut meta = Meta {
        v: 1,
        kind: "text".into(),
        max_views: args.views,
        expires_at: now() + args.expires,
        passphrase: passphrase.is_some(),
        name: None,
        size: None,
    };
    let (mut enc, mut ct) =
        Encryptor::new(&key, &share_context()?).map_err(|e| CliError::other(e.to_string()))?;
    let core = |e: blindvault::Error| CliError::other(format!("encryption failed: {e}"));
    if let Some(path) = &args.file {
        let file = fs::File::open(path)
            .map_err(|e| CliError::usage(format!("cannot open {}: {e}", path.display())))?;
        let size = file
            .metadata()
            .map_err(|e| CliError::other(format!("cannot read {}: {e}", path.display())))?
            .len();
        if size > format::MAX_FILE_BYTES {
            return Err(CliError::usage(format!(
                "{} is {size} bytes; the share limit is {} bytes (8 MiB)",
                path.display(),
                format::MAX_FILE_BYTES
            )));
        }
        meta.kind = "file".into();
        meta.name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        meta.size = Some(size);
        if let Some(p) = &passphrase {
            let content = read_limited(file, format::MAX_FILE_BYTES, "file")?;
            meta.size = Some(content.len() as u64);
            let sealed = seal_with_password(&content, p.expose_secret()).map_err(core)?;
            ct.extend(enc.push(&format::plain_prefix(&meta)?).map_err(core)?);
            ct.extend(enc.push(sealed.as_bytes()).map_err(core)?);
        } else {
            // Chunk by chunk: the plaintext file is never held whole.
            ct.extend(enc.push(&format::plain_prefix(&meta)?).map_err(core)?);
            let mut reader = file.take(format::MAX_FILE_BYTES + 1);
            let mut buf = Zeroizing::new(vec![0u8; CHUNK_SIZE]);
            let mut total = 0u64;
            loop {
                let n = reader
                    .read(&mut buf)
                    .map_err(|e| CliError::other(format!("cannot read {}: {e}", path.display())))?;
                if n == 0 {
                    break;
                }
                total += n as u64;
                if total > format::MAX_FILE_BYTES {
                    return Err(CliError::usage("the file grew past the share limit"));
                }
                ct.extend(enc.push(&buf[..n]).map_err(core)?);
            }
        }
    } else {
        let text = read_limited(std::io::stdin().lock(), format::MAX_TEXT_BYTES, "text")?;
        if text.is_empty() {
            return Err(CliError::usage("no text on stdin to share"));
        }
        if std::str::from_utf8(&text).is_err() {
            return Err(CliError::usage(
                "the text is not UTF-8: share it with --file instead",
            ));
        }
        ct.extend(enc.push(&format::plain_prefix(&meta)?).map_err(core)?);
        match &passphrase {
            Some(p) => {
                let sealed = seal_with_password(&text, p.expose_secret()).map_err(core)?;
                ct.extend(enc.push(sealed.as_bytes()).map_err(core)?);
            }
            None => ct.extend(enc.push(&text).map_err(core)?),
        }
    }
    ct.extend(enc.finish().map_err(core)?);

    #[derive(Deserialize)]
    struct Created {
        id: String,
        delete_token: String,
        expires_at: i64,
    }
    let created: Created = client.post(
        "/shares",
        &json!({
            "ciphertext": b64u_encode(&ct),
            "expires_in_secs": args.expires,
            "max_views": args.views,
        }),
    )?;
    let server = session.server.trim_end_matches('/');
    let key_text = Zeroizing::new(b64u_encode(key.expose_secret()));
    let link = Zeroizing::new(format!("{server}/s/#{}.{}", created.id, key_text.as_str()));
    let delete_link = format!("{server}/s/#d.{}.{}", created.id, created.delete_token);
    ctx.out.show(
        || {
            format!(
                "{}\ndelete link (keep it yourself): {delete_link}",
                link.as_str()
            )
        },
        || {
            json!({
                "link": link.as_str(),
                "delete_link": delete_link,
                "id": created.id,
                "expires_at": created.expires_at,
                "max_views": args.views,
            })
        },
    );
    Ok(())
}

#[derive(Deserialize)]
struct Opened {
    ciphertext: String,
    views_left: i64,
    expires_at: i64,
}

fn open(url: &str, out: Option<&Path>, passphrase_stdin: bool) -> CliResult<()> {
    let link: Link = format::parse_link(url, false)?;
    if let Some(path) = out {
        if path.exists() {
            return Err(CliError::usage(format!(
                "{} exists; bv share open never overwrites a file",
                path.display()
            )));
        }
    }
    let key_bytes = Zeroizing::new(
        b64u_decode(&link.secret, "share key").map_err(|_| CliError::usage("bad share key"))?,
    );
    let key =
        AttachmentKey::from_slice(&key_bytes).map_err(|_| CliError::usage("bad share key"))?;
    let client = Client::new(&link.server, None)?.with_answer_limit(format::MAX_OPEN_ANSWER_BYTES);
    let opened: Opened = client
        .post(&format!("/shares/{}/open", link.id), &json!({}))
        .map_err(|e| {
            if e.message.starts_with("not found") {
                CliError::other(
                    "this share is not available: it was already viewed, expired or deleted, or never existed",
                )
            } else {
                e
            }
        })?;
    let integrity = || {
        CliError::integrity(
            "the server's data does not open with this link's key (damaged link or changed data); nothing shown",
        )
    };
    let ct = b64u_decode(&opened.ciphertext, "share").map_err(|_| integrity())?;
    let mut dec = Decryptor::new(&key, &share_context()?);
    let mut plain = Zeroizing::new(dec.push(&ct).map_err(|_| integrity())?);
    plain.extend(dec.finish().map_err(|_| integrity())?);
    let (meta, body) = format::decode_plain(&plain).ok_or_else(integrity)?;
    if !format::limits_match(&meta, opened.views_left, opened.expires_at) {
        eprintln!(
            "bv: warning: the server reports more views or a later expiry than the sender chose ({} views, until {})",
            meta.max_views, meta.expires_at
        );
    }
    let content: Zeroizing<Vec<u8>> = if meta.passphrase {
        let jwe = std::str::from_utf8(body).map_err(|_| integrity())?;
        unlock(jwe, passphrase_stdin)?
    } else {
        Zeroizing::new(body.to_vec())
    };
    match out {
        Some(path) => write_new(path, &content)?,
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(&content)
                .and_then(|()| stdout.flush())
                .map_err(|e| CliError::other(format!("cannot write to stdout: {e}")))?;
        }
    }
    if meta.kind == "file" {
        eprintln!(
            "bv: file {} ({} bytes); views left: {}",
            meta.name.as_deref().unwrap_or("(unnamed)"),
            content.len(),
            opened.views_left
        );
    }
    Ok(())
}

/// The passphrase layer. On a terminal a wrong passphrase can be retried:
/// the payload is already here, so retrying uses no further view.
fn unlock(jwe: &str, from_stdin: bool) -> CliResult<Zeroizing<Vec<u8>>> {
    let wrong = || {
        CliError::new(
            Kind::Auth,
            "wrong passphrase (the view is used; the share may have views left)",
        )
    };
    if from_stdin {
        let p = read_stdin_line("passphrase")?;
        return open_with_password(jwe, p.expose_secret())
            .map(|s| Zeroizing::new(s.expose_secret().to_vec()))
            .map_err(|_| wrong());
    }
    if !std::io::stderr().is_terminal() {
        return Err(CliError::usage(
            "this share needs a passphrase: pass --passphrase-stdin or run in a terminal",
        ));
    }
    for _ in 0..3 {
        let p = rpassword::prompt_password("Share passphrase: ")
            .map(SecretString::new)
            .map_err(|e| CliError::other(format!("cannot read the passphrase: {e}")))?;
        match open_with_password(jwe, p.expose_secret()) {
            Ok(s) => return Ok(Zeroizing::new(s.expose_secret().to_vec())),
            Err(_) => eprintln!("bv: wrong passphrase, try again"),
        }
    }
    Err(wrong())
}

/// Writes a new file completely or not at all: a temporary file beside it,
/// synced, then renamed over nothing (`create_new` refuses an existing one).
fn write_new(path: &Path, content: &[u8]) -> CliResult<()> {
    let io = |e: std::io::Error| CliError::other(format!("cannot write {}: {e}", path.display()));
    let name = path
        .file_name()
        .ok_or_else(|| CliError::usage("--out must name a file"))?;
    let tmp = path.with_file_name(format!(".{}.bv-part", name.to_string_lossy()));
    let _ = fs::remove_file(&tmp);
    let mut f = crate::session::private_file(&tmp).map_err(io)?;
    let written = f.write_all(content).and_then(|()| f.sync_all());
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(io(e));
    }
    if path.exists() {
        let _ = fs::remove_file(&tmp);
        return Err(CliError::usage(format!(
            "{} appeared meanwhile; not overwritten",
            path.display()
        )));
    }
    fs::rename(&tmp, path).map_err(io)
}

fn delete(ctx: &Ctx, url: &str) -> CliResult<()> {
    let link = format::parse_link(url, true)?;
    // Validates the server URL the same way every other command does.
    Client::new(&link.server, None)?;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(std::time::Duration::from_secs(60)))
        .build()
        .into();
    let resp = agent
        .delete(&format!("{}/api/v1/shares/{}", link.server, link.id))
        .header("X-Delete-Token", link.secret.as_str())
        .call()
        .map_err(|e| CliError::other(format!("cannot reach the server at {}: {e}", link.server)))?;
    match resp.status().as_u16() {
        204 => {}
        403 | 404 => {
            return Err(CliError::other(
                "nothing to delete: it was already viewed, expired or deleted",
            ))
        }
        s => return Err(CliError::other(format!("server error: HTTP {s}"))),
    }
    ctx.out
        .show(|| "deleted".into(), || json!({"deleted": link.id}));
    Ok(())
}
