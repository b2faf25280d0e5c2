//! One module per command group; `run` dispatches.

mod account;
mod generate;
mod item;
mod vault;
mod vaults;

use crate::cli::{AccountCmd, Cli, Command, ItemCmd, VaultCmd};
use crate::client::Client;
use crate::exit::{CliError, CliResult};
use crate::output::Out;
use crate::password::Source;
use crate::session::Session;

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
        Command::Generate(args) => generate::run(&ctx, &args),
    }
}
