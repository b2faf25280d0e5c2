//! One module per command group; `run` dispatches.

mod account;
mod attach;
mod audit;
mod export;
pub(crate) mod folders;
mod generate;
mod history;
mod import;
pub(crate) mod item;
mod members;
mod rotate;
pub(crate) mod share;
mod tokens;
mod vault;
pub(crate) mod vaults;

use crate::cli::{AccountCmd, AttachCmd, Cli, Command, ItemCmd, RotateCmd, TokenCmd, VaultCmd};
use crate::client::Client;
use crate::exit::{CliError, CliResult};
use crate::keys::{self, Keyring};
use crate::output::Out;
use crate::password::Source;
use crate::session::Session;
use crate::token::Token;

/// What every command gets from the global flags.
pub struct Ctx {
    pub server: Option<String>,
    pub out: Out,
    pub password: Source,
}

impl Ctx {
    /// The server for commands that start a session.
    pub fn server_for_login(&self) -> CliResult<String> {
        if let Some(s) = &self.server {
            return Ok(s.clone());
        }
        match Session::load()? {
            Some(s) => Ok(s.server),
            None => Err(CliError::usage(
                "no server: pass --server URL or set BV_SERVER",
            )),
        }
    }

    /// The session and a client for its server. The token only ever goes
    /// to the server that issued it.
    pub fn session_client(&self) -> CliResult<(Session, Client)> {
        let session = Session::require()?;
        if let Some(s) = &self.server {
            if s.trim_end_matches('/') != session.server.trim_end_matches('/') {
                return Err(CliError::usage(format!(
                    "logged in to {}, not {s}: run `bv login` for that server",
                    session.server
                )));
            }
        }
        let client = Client::new(&session.server, Some(session.token.clone()))?;
        Ok((session, client))
    }

    /// A client and the keys that open vaults: with `BV_TOKEN`, the service
    /// token alone (no session, no master password, no KDF); otherwise the
    /// session and the master password.
    pub fn open(&self) -> CliResult<(Client, Keyring)> {
        if let Some(text) = std::env::var_os("BV_TOKEN").filter(|t| !t.is_empty()) {
            let text = text
                .into_string()
                .map_err(|_| CliError::usage("BV_TOKEN is not valid UTF-8"))?;
            let token = Token::parse(&text)?;
            let server = match &self.server {
                Some(s) => s.clone(),
                None => Session::load()?.map(|s| s.server).ok_or_else(|| {
                    CliError::usage("BV_TOKEN needs a server: pass --server URL or set BV_SERVER")
                })?,
            };
            let client = Client::new(&server, Some(token.bearer()))?;
            return Ok((client, Keyring::Token(Box::new(token))));
        }
        let (_session, client) = self.session_client()?;
        let account = keys::unlock_session(&client, &self.password)?;
        Ok((client, Keyring::Account(Box::new(account))))
    }
}

pub fn run(cli: Cli) -> CliResult<()> {
    let ctx = Ctx {
        server: cli.server,
        out: Out { json: cli.json },
        password: Source {
            from_stdin: cli.password_stdin,
        },
    };
    match cli.command {
        Command::Account(AccountCmd::Register { email }) => account::register(&ctx, &email),
        Command::Login { email } => account::login(&ctx, &email),
        Command::Logout => account::logout(&ctx),
        Command::Status => account::status(&ctx),
        Command::Vault(VaultCmd::Create { name }) => vault::create(&ctx, &name),
        Command::Vault(VaultCmd::List) => vault::list(&ctx),
        Command::Item(ItemCmd::Add(args)) => item::add(&ctx, &args),
        Command::Item(ItemCmd::Get {
            path,
            field,
            reveal,
        }) => item::get(&ctx, &path, field.as_deref(), reveal),
        Command::Item(ItemCmd::List { path }) => item::list(&ctx, path.as_deref()),
        Command::Item(ItemCmd::Rm { path }) => item::rm(&ctx, &path),
        Command::Item(ItemCmd::Edit(args)) => item::edit(&ctx, &args),
        Command::Item(ItemCmd::History {
            path,
            field,
            reveal,
        }) => item::history(&ctx, &path, field.as_deref(), reveal),
        Command::Vault(VaultCmd::Share {
            name,
            email,
            role,
            fingerprint,
        }) => members::share(&ctx, &name, &email, role, fingerprint.as_deref()),
        Command::Vault(VaultCmd::Pending) => members::pending(&ctx),
        Command::Vault(VaultCmd::Accept { name, fingerprint }) => {
            members::accept(&ctx, &name, fingerprint.as_deref())
        }
        Command::Vault(VaultCmd::Members { name }) => members::members(&ctx, &name),
        Command::Vault(VaultCmd::RemoveMember { name, email }) => {
            members::remove_member(&ctx, &name, &email)
        }
        Command::Attach(AttachCmd::Add { path, file }) => attach::add(&ctx, &path, &file),
        Command::Attach(AttachCmd::Get { path, name, out }) => {
            attach::get(&ctx, &path, &name, &out)
        }
        Command::Export { out } => export::run(&ctx, &out),
        Command::Import {
            file,
            format,
            vault,
        } => import::run(&ctx, &file, format, vault.as_deref()),
        Command::Token(TokenCmd::Create {
            name,
            vault,
            role,
            days,
        }) => tokens::create(&ctx, &name, &vault, role, days),
        Command::Token(TokenCmd::List) => tokens::list(&ctx),
        Command::Token(TokenCmd::Revoke { name }) => tokens::revoke(&ctx, &name),
        Command::Audit { vault, verify } => audit::run(&ctx, vault.as_deref(), verify),
        Command::Generate(args) => generate::run(&ctx, &args),
        Command::Rotate(RotateCmd::Postgres(args)) => {
            rotate::run(&ctx, crate::rotate::engine::Engine::Postgres, &args)
        }
        Command::Rotate(RotateCmd::Mysql(args)) => {
            rotate::run(&ctx, crate::rotate::engine::Engine::Mysql, &args)
        }
        Command::Share(cmd) => share::run(&ctx, cmd),
    }
}
