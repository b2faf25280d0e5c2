//! `account register`, `login`, `logout`, `status`.

use super::Ctx;
use crate::client::Client;
use crate::exit::{CliError, CliResult, Kind};
use crate::keys::{self, AccountKeys};
use crate::session::Session;
use blindvault::account;
use blindvault::kdf::{KdfParams, MasterKey};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
struct Prelogin {
    account_id: String,
    kdf: serde_json::Value,
}

#[derive(Deserialize)]
struct LoginAnswer {
    token: String,
    expires_at: i64,
    account: AccountKeys,
}

pub fn register(ctx: &Ctx, email: &str) -> CliResult<()> {
    let server = ctx.server_for_login()?;
    let client = Client::new(&server, None)?;
    let password = ctx.password.read_new()?;
    let account_id = keys::random_id()?;
    let params = KdfParams::generate().map_err(|e| crate::exit::core(&e))?;
    let master = keys::derive(&password, &params)?;
    let (reg, mut unlocked) =
        account::register_with_master_key(&master, params.clone(), &account_id)
            .map_err(|e| crate::exit::core(&e))?;
    let identity = unlocked
        .issue_identity(email)
        .map_err(|e| crate::exit::core(&e))?;
    let body = json!({
        "account_id": reg.account_id,
        "email": email,
        "kdf": reg.kdf,
        "wrapped_account_key": reg.wrapped_account_key,
        "public_key": reg.public_key,
        "wrapped_private_key": reg.wrapped_private_key,
        "auth_key": reg.auth_key,
        "identity": identity.identity,
        "wrapped_signing_key": identity.wrapped_signing_key,
    });
    client.post_unit("/accounts", Some(&body)).map_err(|e| {
        if e.kind == Kind::Conflict {
            CliError::new(Kind::Conflict, "an account with this email already exists")
        } else {
            e
        }
    })?;
    // Log in through the normal path (prelogin included) so registration and
    // login cannot drift; the master key is reused if the server kept our KDF.
    let session = login_with(
        &client,
        &server,
        email,
        |pre| {
            if *pre == params {
                Ok(None)
            } else {
                // The server answers a taken email with the same 201 as a
                // new account (no email enumeration, SPEC § Server) and
                // prelogin then names the existing account's parameters.
                Err(CliError::new(
                    Kind::Conflict,
                    "this email already has an account (the server kept other KDF parameters than the ones just registered); nothing derived from the password was sent to log in: use `bv login`",
                ))
            }
        },
        Some(&master),
    )?;
    ctx.out.show(
        || format!("Registered and logged in as {} on {}.", session.email, session.server),
        || json!({"account_id": session.account_id, "email": session.email, "server": session.server}),
    );
    Ok(())
}

pub fn login(ctx: &Ctx, email: &str) -> CliResult<()> {
    let server = ctx.server_for_login()?;
    let client = Client::new(&server, None)?;
    let session = login_with(
        &client,
        &server,
        email,
        |_| Ok(Some(ctx.password.read("Master password: ")?)),
        None,
    )?;
    ctx.out.show(
        || format!("Logged in as {} on {}.", session.email, session.server),
        || {
            json!({"account_id": session.account_id, "email": session.email,
                  "server": session.server, "expires_at": session.expires_at})
        },
    );
    Ok(())
}

/// prelogin → KDF checked → password (from `ask`, or `known` master key) →
/// derive → login with the auth key → keys verified → session saved.
fn login_with(
    client: &Client,
    server: &str,
    email: &str,
    ask: impl FnOnce(&KdfParams) -> CliResult<Option<blindvault::secret::SecretString>>,
    known: Option<&MasterKey>,
) -> CliResult<Session> {
    let pre: Prelogin = client.post("/accounts/prelogin", &json!({ "email": email }))?;
    // Before anything is derived: a downgraded KDF stops here (exit 4).
    let params = keys::checked_kdf(&pre.kdf)?;
    let derived;
    let master = match (ask(&params)?, known) {
        (Some(password), _) => {
            derived = keys::derive(&password, &params)?;
            &derived
        }
        (None, Some(m)) => m,
        (None, None) => return Err(CliError::other("no master password")),
    };
    let body = json!({
        "account_id": pre.account_id,
        "auth_key": master.auth_key().encode_for_server(),
    });
    let answer: LoginAnswer = client.post("/accounts/login", &body).map_err(|e| {
        if e.message.starts_with("not authenticated") {
            CliError::auth("wrong email or master password")
        } else {
            e
        }
    })?;
    if answer.account.account_id != pre.account_id {
        return Err(CliError::integrity(
            "the server logged us in to another account than prelogin named",
        ));
    }
    let mut unlocked = keys::unlock(master, &answer.account)?;
    let authed = Client::new(server, Some(answer.token.clone()))?;
    keys::ensure_identity(&authed, &mut unlocked, &answer.account)?;
    let session = Session {
        server: server.trim_end_matches('/').to_owned(),
        email: answer.account.email.clone(),
        account_id: answer.account.account_id.clone(),
        token: answer.token,
        expires_at: answer.expires_at,
    };
    session.save()?;
    Ok(session)
}

pub fn logout(ctx: &Ctx) -> CliResult<()> {
    let Some(session) = Session::load()? else {
        ctx.out
            .show(|| "Not logged in.".into(), || json!({"logged_out": false}));
        return Ok(());
    };
    let client = Client::new(&session.server, Some(session.token.clone()))?;
    // An expired token is already gone on the server; any other failure is
    // reported, but the local file goes either way.
    let remote = client.post_unit("/accounts/logout", None);
    Session::delete()?;
    match remote {
        Ok(()) => {}
        Err(e) if e.kind == Kind::Auth => {}
        Err(e) => {
            return Err(CliError::other(format!(
                "the session file was deleted, but the server did not end the session: {e}"
            )))
        }
    }
    ctx.out
        .show(|| "Logged out.".into(), || json!({"logged_out": true}));
    Ok(())
}

pub fn status(ctx: &Ctx) -> CliResult<()> {
    let (session, client) = ctx.session_client()?;
    // The token is checked on the server; no password is needed for this.
    let me: AccountKeys = client.get("/accounts/me").map_err(|e| {
        if e.kind == Kind::Auth {
            CliError::auth("the session has expired or was ended: run `bv login`")
        } else {
            e
        }
    })?;
    // The statement is public and self-signed; whether it is *ours* is
    // checked at every unlock (keys::unlock), which needs the password.
    let fingerprint = me
        .identity
        .as_deref()
        .and_then(|t| blindvault::identity::Identity::parse(t).ok())
        .filter(|i| i.account_id() == me.account_id)
        .map(|i| i.fingerprint());
    ctx.out.show(
        || {
            let fp = fingerprint.as_deref().map_or_else(
                || " No identity yet: the next command that asks for the master password makes one.".to_owned(),
                |f| format!(" Your identity fingerprint: {f} (others compare it when they share with you)."),
            );
            format!(
                "Logged in as {} ({}) on {}; the session expires at {} (Unix time).{fp}",
                me.email, me.account_id, session.server, session.expires_at
            )
        },
        || {
            json!({"logged_in": true, "email": me.email, "account_id": me.account_id,
                   "server": session.server, "expires_at": session.expires_at,
                   "fingerprint": fingerprint})
        },
    );
    Ok(())
}
