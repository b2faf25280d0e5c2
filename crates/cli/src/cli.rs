//! The command line (clap derive). Usage errors exit with 2, clap's default.

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(
    name = "bv",
    version,
    about = "Blindvault: a zero-knowledge secrets vault"
)]
pub struct Cli {
    /// Server URL, e.g. https://vault.example.com (default: the logged-in session's).
    #[arg(long, global = true, env = "BV_SERVER")]
    pub server: Option<String>,
    /// Print one JSON document instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// Read the master password from the first line of stdin (else
    /// BV_PASSWORD, else a prompt without echo).
    #[arg(long, global = true)]
    pub password_stdin: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Create an account.
    #[command(subcommand)]
    Account(AccountCmd),
    /// Log in and keep a session (the session file holds no key).
    Login {
        #[arg(long)]
        email: String,
    },
    /// End the session on the server and delete the session file.
    Logout,
    /// Show the session: server, account, whether the token is still valid.
    Status,
    /// Create and list vaults.
    #[command(subcommand)]
    Vault(VaultCmd),
    /// Add, read, list and remove items. PATH is VAULT/ITEM.
    #[command(subcommand)]
    Item(ItemCmd),
    /// Generate a random password or (with --words) a passphrase.
    Generate(GenerateArgs),
}

#[derive(Subcommand)]
pub enum AccountCmd {
    /// Register a new account, then log in.
    Register {
        #[arg(long)]
        email: String,
    },
}

#[derive(Subcommand)]
pub enum VaultCmd {
    /// Create a vault named NAME.
    Create { name: String },
    /// List the vaults this account can open.
    List,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Kind {
    Login,
    Database,
    Note,
    Ssh,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Login => "login",
            Kind::Database => "database",
            Kind::Note => "note",
            Kind::Ssh => "ssh",
        }
    }
}

#[derive(Subcommand)]
pub enum ItemCmd {
    /// Add an item at VAULT/ITEM.
    Add(Box<AddArgs>),
    /// Show an item; secrets only with --reveal, or one field with --field.
    Get {
        path: String,
        /// Print only this field's value (e.g. password, username, a custom label).
        #[arg(long)]
        field: Option<String>,
        /// Also show secret fields.
        #[arg(long)]
        reveal: bool,
    },
    /// List items of VAULT, or of every vault.
    List { path: Option<String> },
    /// Move an item to the trash.
    Rm { path: String },
}

#[derive(Args)]
pub struct AddArgs {
    pub path: String,
    #[arg(long = "type", value_enum, default_value = "login")]
    pub kind: Kind,
    #[arg(long)]
    pub username: Option<String>,
    /// The item's password (for ssh: the key's passphrase). Visible in `ps`:
    /// prefer --generate.
    #[arg(long, conflicts_with = "generate")]
    pub password: Option<String>,
    /// Generate a 20-character password for the item.
    #[arg(long)]
    pub generate: bool,
    #[arg(long)]
    pub url: Option<String>,
    #[arg(long)]
    pub host: Option<String>,
    #[arg(long)]
    pub port: Option<u16>,
    #[arg(long)]
    pub database: Option<String>,
    #[arg(long)]
    pub note: Option<String>,
    /// ssh: read the public key from this file.
    #[arg(long)]
    pub public_key_file: Option<std::path::PathBuf>,
    /// ssh: read the private key from this file.
    #[arg(long)]
    pub private_key_file: Option<std::path::PathBuf>,
    /// A custom field, KEY=VALUE (repeatable); stored as secret (masked).
    #[arg(long = "field", value_name = "KEY=VALUE")]
    pub fields: Vec<String>,
    /// Use this item id instead of a random one (scripts that must not
    /// create the same item twice: a second run gets a conflict, exit 5).
    #[arg(long, hide = true)]
    pub id: Option<String>,
}

#[derive(Args)]
pub struct GenerateArgs {
    /// Characters of a random password (8 to 128).
    #[arg(long, default_value_t = 20, conflicts_with = "words")]
    pub length: usize,
    /// Make a passphrase of N words (3 to 20) from the EFF large wordlist.
    #[arg(long)]
    pub words: Option<usize>,
    /// Leave out punctuation.
    #[arg(long, conflicts_with = "words")]
    pub no_symbols: bool,
}

pub fn parse() -> Cli {
    Cli::parse()
}
