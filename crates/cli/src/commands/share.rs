//! `bv share`: one-time secret links, the same format as the sharing pages
//! (www/share, www/s; docs/SPEC.md § Sharing pages), so a link made here
//! opens in a browser and the reverse. Every rule of that format (payload
//! metadata, framing, limits, links) is the core's `blindvault::share_link`;
//! this file adds flags, I/O and messages.
//!
//! The share key is made here and printed only inside the link's fragment;
//! the server receives ciphertext, an expiry and a view budget.

use std::fs;
use std::io::{BufRead, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use blindvault::attachment::{AttachmentKey, Encryptor, CHUNK_SIZE};
use blindvault::encoding::b64u_encode;
use blindvault::secret::SecretString;
use blindvault::share_link::{self as sl, Fragment, ShareError, ShareMeta, SharePayload};
use clap::{Args, Subcommand};
use serde::Deserialize;
use serde_json::json;
use zeroize::Zeroizing;

use super::Ctx;
use crate::client::Client;
use crate::exit::{CliError, CliResult, Kind};

/// The server's answer to `open`: the largest share ciphertext plus the
/// JSON around it (the server's own body limit for `POST /shares`).
const MAX_OPEN_ANSWER_BYTES: u64 = sl::MAX_CIPHERTEXT_CHARS as u64 + 4096;

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
    #[arg(long, default_value = "1h", value_parser = parse_duration)]
    expires: i64,
    /// How many times it can be opened (1 = burn after reading), 1 to 100.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(i64).range(1..=i64::from(sl::VIEWS_MAX)))]
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

/// `90s`, `15m`, `1h`, `7d`, `2w`, or plain seconds, within the core's
/// lifetime bounds (5 minutes to 30 days).
fn parse_duration(s: &str) -> Result<i64, String> {
    let s = s.trim();
    let (num, unit) = match s.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => s.split_at(i),
        None => (s, "s"),
    };
    let n: i64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a duration like 30m, 1h or 7d"))?;
    let mult = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 604_800,
        _ => return Err(format!("unknown unit in `{s}`: use s, m, h, d or w")),
    };
    let secs = n.checked_mul(mult).ok_or("duration too long")?;
    match u64::try_from(secs).map(sl::check_lifetime) {
        Ok(Ok(())) => Ok(secs),
        _ => Err("the expiry must be between 5m and 30d".into()),
    }
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A core refusal while making a share (a bug or an impossible input:
/// every flag was checked before).
fn refused(e: ShareError) -> CliError {
    CliError::other(format!("cannot make the share: {e}"))
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
    let pass = passphrase.as_ref().map(SecretString::expose_secret);
    // clap bounded both (1..=VIEWS_MAX, parse_duration); the core checks again.
    let views = u32::try_from(args.views).map_err(|_| refused(ShareError::Views))?;
    let lifetime = u64::try_from(args.expires).map_err(|_| refused(ShareError::Lifetime))?;
    let key = AttachmentKey::generate().map_err(|e| CliError::other(e.to_string()))?;
    let core = |e: blindvault::Error| CliError::other(format!("encryption failed: {e}"));
    let (mut enc, mut ct) = Encryptor::new(&key, &sl::context().map_err(core)?).map_err(core)?;
    if let Some(path) = &args.file {
        let file = fs::File::open(path)
            .map_err(|e| CliError::usage(format!("cannot open {}: {e}", path.display())))?;
        let size = file
            .metadata()
            .map_err(|e| CliError::other(format!("cannot read {}: {e}", path.display())))?
            .len();
        if sl::check_file_size(size).is_err() {
            return Err(CliError::usage(format!(
                "{} is {size} bytes; the share limit is {} bytes (8 MiB)",
                path.display(),
                sl::MAX_FILE_BYTES
            )));
        }
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        if let Some(p) = pass {
            let content = read_limited(file, sl::MAX_FILE_BYTES, "file")?;
            let meta = ShareMeta::file(name, content.len() as u64, views, lifetime, now(), true)
                .map_err(refused)?;
            let plain = sl::encode_payload(&meta, &content, Some(p)).map_err(refused)?;
            ct.extend(enc.push(&plain).map_err(core)?);
        } else {
            // Chunk by chunk: the plaintext file is never held whole.
            let meta =
                ShareMeta::file(name, size, views, lifetime, now(), false).map_err(refused)?;
            ct.extend(
                enc.push(&sl::encode_prefix(&meta).map_err(refused)?)
                    .map_err(core)?,
            );
            let mut reader = file.take(sl::MAX_FILE_BYTES + 1);
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
                if total > sl::MAX_FILE_BYTES {
                    return Err(CliError::usage("the file grew past the share limit"));
                }
                ct.extend(enc.push(&buf[..n]).map_err(core)?);
            }
            // The metadata announced `size` bytes; readers refuse any other count.
            if total != size {
                return Err(CliError::other(format!(
                    "{} changed while it was read; nothing was sent",
                    path.display()
                )));
            }
        }
    } else {
        let text = read_limited(std::io::stdin().lock(), sl::MAX_TEXT_BYTES as u64, "text")?;
        match sl::check_text(&text) {
            Ok(()) => {}
            Err(ShareError::EmptyText) => return Err(CliError::usage("no text on stdin to share")),
            Err(ShareError::TextNotUtf8) => {
                return Err(CliError::usage(
                    "the text is not UTF-8: share it with --file instead",
                ))
            }
            Err(e) => return Err(CliError::usage(e.to_string())),
        }
        let meta = ShareMeta::text(views, lifetime, now(), pass.is_some()).map_err(refused)?;
        let plain = sl::encode_payload(&meta, &text, pass).map_err(refused)?;
        ct.extend(enc.push(&plain).map_err(core)?);
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
    let odd = |e: ShareError| CliError::other(format!("the server's answer makes no link: {e}"));
    let link = sl::link::share_link(&session.server, &created.id, &key).map_err(odd)?;
    let delete_link =
        sl::link::delete_link(&session.server, &created.id, &created.delete_token).map_err(odd)?;
    ctx.out.show(
        || {
            format!(
                "{}\ndelete link (keep it yourself): {}",
                link.as_str(),
                delete_link.as_str()
            )
        },
        || {
            json!({
                "link": link.as_str(),
                "delete_link": delete_link.as_str(),
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
    let bad = || {
        CliError::usage(
            "not a share link: expected https://HOST/s/#<id>.<key> (quote it for the shell)",
        )
    };
    let link = sl::parse_link(url).map_err(|_| bad())?;
    let Fragment::Share { id, key } = link.fragment else {
        return Err(bad());
    };
    if let Some(path) = out {
        if path.exists() {
            return Err(CliError::usage(format!(
                "{} exists; bv share open never overwrites a file",
                path.display()
            )));
        }
    }
    let client = Client::new(&link.origin, None)?.with_answer_limit(MAX_OPEN_ANSWER_BYTES);
    let opened: Opened = client
        .post(&format!("/shares/{id}/open"), &json!({}))
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
    let payload = sl::open_payload(&key, &opened.ciphertext).map_err(|_| integrity())?;
    let meta = payload.meta();
    if !meta.limits_match(opened.views_left, opened.expires_at) {
        eprintln!(
            "bv: warning: the server reports more views or a later expiry than the sender chose ({} views, until {})",
            meta.max_views(),
            meta.expires_at()
        );
    }
    let content: Zeroizing<Vec<u8>> = if meta.passphrase() {
        unlock(&payload, passphrase_stdin)?
    } else {
        Zeroizing::new(payload.content().map_err(|_| integrity())?.to_vec())
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
    if !meta.is_text() {
        eprintln!(
            "bv: file {} ({} bytes); views left: {}",
            meta.name().map_or_else(|| "(unnamed)".into(), printable),
            content.len(),
            opened.views_left
        );
    }
    Ok(())
}

/// The sender's file name for the terminal: control characters (which
/// could move the cursor or recolour the screen) become `?`.
fn printable(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// The passphrase layer. On a terminal a wrong passphrase can be retried:
/// the payload is already here, so retrying uses no further view.
fn unlock(payload: &SharePayload, from_stdin: bool) -> CliResult<Zeroizing<Vec<u8>>> {
    let wrong = || {
        CliError::new(
            Kind::Auth,
            "wrong passphrase (the view is used; the share may have views left)",
        )
    };
    // Content that opens but does not fit the sender's metadata.
    let unfit =
        |e: ShareError| CliError::integrity(format!("the share's content is not valid: {e}"));
    let attempt = |p: &SecretString| match payload.unlock(p.expose_secret()) {
        Ok(content) => Ok(Some(content)),
        Err(ShareError::WrongPassphrase | ShareError::Core(_)) => Ok(None),
        Err(e) => Err(unfit(e)),
    };
    if from_stdin {
        let p = read_stdin_line("passphrase")?;
        return attempt(&p)?.ok_or_else(wrong);
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
        match attempt(&p)? {
            Some(content) => return Ok(content),
            None => eprintln!("bv: wrong passphrase, try again"),
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
    let bad = || CliError::usage("not a delete link: expected https://HOST/s/#d.<id>.<token>");
    let link = sl::parse_link(url).map_err(|_| bad())?;
    let Fragment::Delete { id, token } = link.fragment else {
        return Err(bad());
    };
    // Validates the server URL the same way every other command does.
    Client::new(&link.origin, None)?;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(std::time::Duration::from_secs(60)))
        .build()
        .into();
    let resp = agent
        .delete(&format!("{}/api/v1/shares/{id}", link.origin))
        .header("X-Delete-Token", token.as_str())
        .call()
        .map_err(|e| CliError::other(format!("cannot reach the server at {}: {e}", link.origin)))?;
    match resp.status().as_u16() {
        204 => {}
        403 | 404 => {
            return Err(CliError::other(
                "nothing to delete: it was already viewed, expired or deleted",
            ))
        }
        s => return Err(CliError::other(format!("server error: HTTP {s}"))),
    }
    ctx.out.show(|| "deleted".into(), || json!({"deleted": id}));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::parse_duration;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("1h"), Ok(3600));
        assert_eq!(parse_duration("5m"), Ok(300));
        assert_eq!(parse_duration("30d"), Ok(30 * 86_400));
        assert!(parse_duration("4m").is_err());
        assert!(parse_duration("31d").is_err());
        assert!(parse_duration("1y").is_err());
        assert!(parse_duration("99999999999999999w").is_err());
    }
}
