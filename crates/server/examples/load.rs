//! Load generator: a SECOND PROCESS that drives a running server over
//! loopback HTTP/1.1 (keep-alive connections, one per concurrent client) and
//! reports requests/s, p50 and p99 for login, item writes and full sync of a
//! vault with `--items` items. Results go to docs/BENCHMARKS.md "Server";
//! timings are never asserted in tests.
//!
//! ```text
//! target/release/blindvault-server --listen 127.0.0.1:8787 --data-dir /tmp/bv &
//! cargo run --release -p blindvault-server --example load -- --port 8787
//! ```
//!
//! Bounded on purpose: only 127.0.0.1, a fixed request count per phase and a
//! wall-clock cap (`--max-secs`) after which a phase stops early.
//!
//! Server replies and arguments are untrusted: anything unexpected stops the
//! run with a message saying what failed (exit status 1), never a panic.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper::Request;
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use tokio::net::TcpStream;

#[path = "support/fail.rs"]
mod fail;
use fail::{Context, Fail};

/// An unexpected status. The body is quoted (shortened) only for an error
/// status: a success reply could hold a token.
fn bad_status(what: &str, expect: u16, st: u16, body: &[u8]) -> Fail {
    let mut msg = format!("{what}: expected HTTP {expect}, got {st}");
    if st >= 400 {
        let text: String = String::from_utf8_lossy(body).chars().take(300).collect();
        msg.push_str(&format!(": {text}"));
    }
    Fail(msg)
}

const USAGE: &str =
    "usage: load [--port N] [--items N] [--clients N] [--logins N] [--syncs N] [--max-secs N]";

struct Opts {
    port: u16,
    items: usize,
    clients: usize,
    logins: usize,
    syncs: usize,
    max_secs: u64,
}

fn opts() -> Result<Opts, Fail> {
    let mut o = Opts {
        port: 8787,
        items: 10_000,
        clients: 8,
        logins: 400,
        syncs: 20,
        max_secs: 120,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = |msg: String| Fail(format!("{msg}\n{USAGE}"));
    for pair in args.chunks(2) {
        let name = pair[0].as_str();
        let v = pair.get(1).map(String::as_str).unwrap_or("");
        let num = || {
            v.parse::<usize>()
                .map_err(|_| usage(format!("{name} needs a whole number")))
        };
        match name {
            "--port" => {
                o.port = v
                    .parse()
                    .ok()
                    .filter(|&p| p != 0)
                    .ok_or_else(|| usage("--port needs a number from 1 to 65535".into()))?;
            }
            "--items" => o.items = num()?,
            "--clients" => o.clients = num()?.max(1),
            "--logins" => o.logins = num()?,
            "--syncs" => o.syncs = num()?.max(1),
            "--max-secs" => o.max_secs = num()? as u64,
            other => return Err(usage(format!("unknown option {other}"))),
        }
    }
    Ok(o)
}

fn rand_b64(n: usize) -> Result<String, Fail> {
    let mut b = vec![0u8; n];
    getrandom::fill(&mut b).context("random bytes")?;
    Ok(URL_SAFE_NO_PAD.encode(b))
}

/// One keep-alive HTTP/1.1 connection to 127.0.0.1 (never anywhere else).
struct Conn {
    tx: SendRequest<Full<Bytes>>,
}

impl Conn {
    async fn open(port: u16) -> Result<Conn, Fail> {
        let to = format!("connect to 127.0.0.1:{port}");
        let tcp = TcpStream::connect(("127.0.0.1", port)).await.context(&to)?;
        tcp.set_nodelay(true).context(&to)?;
        let (tx, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp))
            .await
            .context(&to)?;
        tokio::spawn(conn);
        Ok(Conn { tx })
    }

    async fn call(
        &mut self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Result<(u16, Bytes), Fail> {
        let mut b = Request::builder()
            .method(method)
            .uri(path)
            .header("host", "127.0.0.1");
        if let Some(t) = token {
            b = b.header("authorization", format!("Bearer {t}"));
        }
        let body = match body {
            Some(v) => {
                b = b.header("content-type", "application/json");
                Bytes::from(v.to_string())
            }
            None => Bytes::new(),
        };
        let what = format!("{method} {path}");
        let req = b.body(Full::new(body)).context(&what)?;
        self.tx.ready().await.context(&what)?;
        let resp = self.tx.send_request(req).await.context(&what)?;
        let st = resp.status().as_u16();
        let body = resp.into_body().collect().await.context(&what)?;
        Ok((st, body.to_bytes()))
    }
}

struct Stats {
    name: String,
    n: usize,
    secs: f64,
    lat_ms: Vec<f64>,
    note: String,
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

impl Stats {
    fn print(mut self) {
        self.lat_ms.sort_by(|a, b| a.total_cmp(b));
        println!(
            "{:<28} {:>6} req {:>9.1} req/s  p50 {:>8.2} ms  p99 {:>8.2} ms  {}",
            self.name,
            self.n,
            self.n as f64 / self.secs,
            pct(&self.lat_ms, 0.50),
            pct(&self.lat_ms, 0.99),
            self.note
        );
    }
}

/// Runs `total` requests from `clients` concurrent connections; `make(i)`
/// gives request i as (method, path, body). Stops early at `deadline`; the
/// first failed request stops every client and is the phase's error.
async fn phase<F>(
    name: &str,
    o: &Opts,
    clients: usize,
    total: usize,
    token: Option<String>,
    expect: u16,
    make: F,
) -> Result<Stats, Fail>
where
    F: Fn(usize) -> (&'static str, String, Option<Value>) + Send + Sync + 'static,
{
    let next = Arc::new(AtomicUsize::new(0));
    let make = Arc::new(make);
    let deadline = Instant::now() + Duration::from_secs(o.max_secs);
    let t0 = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (next, make, token, port) = (next.clone(), make.clone(), token.clone(), o.port);
        let stop = next.clone();
        let run = async move {
            let mut c = Conn::open(port).await?;
            let mut lat = Vec::new();
            let mut bytes = 0usize;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total || Instant::now() > deadline {
                    break;
                }
                let (m, p, b) = make(i);
                let t = Instant::now();
                let (st, body) = c.call(m, &p, token.as_deref(), b.as_ref()).await?;
                lat.push(t.elapsed().as_secs_f64() * 1000.0);
                if st != expect {
                    return Err(bad_status(&format!("{m} {p}"), expect, st, &body));
                }
                bytes = body.len();
            }
            Ok((lat, bytes))
        };
        tasks.push(tokio::spawn(async move {
            let r: Result<_, Fail> = run.await;
            if r.is_err() {
                stop.store(total, Ordering::Relaxed); // the other clients stop too
            }
            r
        }));
    }
    let mut lat_ms = Vec::new();
    let mut bytes = 0;
    for t in tasks {
        let (l, b) = t
            .await
            .context(&format!("{name}: client task"))?
            .map_err(|e| Fail(format!("{name}: {e}")))?;
        lat_ms.extend(l);
        bytes = bytes.max(b);
    }
    let secs = t0.elapsed().as_secs_f64();
    Ok(Stats {
        name: format!("{name} ({clients} clients)"),
        n: lat_ms.len(),
        secs,
        lat_ms,
        note: format!("last body {bytes} B"),
    })
}

#[tokio::main]
async fn main() -> Result<(), Fail> {
    let o = opts()?;
    let mut c = Conn::open(o.port).await?;
    let id = format!("load{}", rand_b64(6)?.replace(['-', '_'], "x"));
    let auth = rand_b64(32)?;
    let reg = json!({"account_id": id, "email": format!("{id}@example.org"),
        "kdf": {"alg": "pbkdf2-sha256", "iterations": 600000, "salt": rand_b64(16)?},
        "wrapped_account_key": rand_b64(60)?, "public_key": rand_b64(32)?,
        "wrapped_private_key": rand_b64(60)?, "auth_key": auth});
    let (st, b) = c.call("POST", "/api/v1/accounts", None, Some(&reg)).await?;
    if st != 201 {
        return Err(bad_status("register account", 201, st, &b));
    }
    let login = json!({"account_id": id, "auth_key": auth});
    let (st, b) = c
        .call("POST", "/api/v1/accounts/login", None, Some(&login))
        .await?;
    if st != 200 {
        return Err(bad_status("login", 200, st, &b));
    }
    let token = serde_json::from_slice::<Value>(&b).context("login reply is not JSON")?["token"]
        .as_str()
        .context("login reply has no token")?
        .to_string();
    let vault = format!("v{id}");
    let body = json!({"id": vault, "name": rand_b64(40)?, "wrapped_vault_key": rand_b64(60)?});
    let (st, b) = c
        .call("POST", "/api/v1/vaults", Some(&token), Some(&body))
        .await?;
    if st != 201 {
        return Err(bad_status("create vault", 201, st, &b));
    }

    // A realistic item blob: overview, details and one more compact JWE
    // (SPEC "Items"), ~0.9 KB of base64url in all.
    let jwe = |ct: usize| -> Result<String, Fail> {
        Ok(format!(
            "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..{}.{}.{}",
            rand_b64(12)?,
            rand_b64(ct)?,
            rand_b64(16)?
        ))
    };
    let envelope = Arc::new(format!("{}.{}.{}", jwe(120)?, jwe(380)?, jwe(60)?));
    println!(
        "server 127.0.0.1:{}  items {}  envelope {} B  clients {}",
        o.port,
        o.items,
        envelope.len(),
        o.clients
    );

    phase("login", &o, o.clients, o.logins, None, 200, move |_| {
        ("POST", "/api/v1/accounts/login".into(), Some(login.clone()))
    })
    .await?
    .print();

    let (v, e) = (vault.clone(), envelope.clone());
    phase(
        "item create",
        &o,
        o.clients,
        o.items,
        Some(token.clone()),
        201,
        move |i| {
            let body = json!({"id": format!("i{i}"), "envelope": *e});
            ("POST", format!("/api/v1/vaults/{v}/items"), Some(body))
        },
    )
    .await?
    .print();

    let (v, e) = (vault.clone(), envelope.clone());
    let n_upd = o.items.min(2_000);
    phase(
        "item update",
        &o,
        o.clients,
        n_upd,
        Some(token.clone()),
        200,
        move |i| {
            let body = json!({"base_revision": 1, "envelope": *e});
            ("PUT", format!("/api/v1/vaults/{v}/items/i{i}"), Some(body))
        },
    )
    .await?
    .print();

    phase(
        "full sync",
        &o,
        1,
        o.syncs,
        Some(token.clone()),
        200,
        |_| ("GET", "/api/v1/sync".into(), None),
    )
    .await?
    .print();

    phase(
        "full sync",
        &o,
        2,
        o.syncs,
        Some(token.clone()),
        200,
        |_| ("GET", "/api/v1/sync".into(), None),
    )
    .await?
    .print();
    Ok(())
}
