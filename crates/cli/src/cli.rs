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
    /// Add, read, edit, list and remove items. PATH is VAULT/FOLDER/.../ITEM.
    #[command(subcommand)]
    Item(ItemCmd),
    /// Encrypted file attachments of an item (streamed, chunked encryption).
    #[command(subcommand)]
    Attach(AttachCmd),
    /// Write every vault this account can open to one password-protected file.
    Export {
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Import items from a bv export, a Bitwarden JSON export or a CSV file.
    Import {
        file: std::path::PathBuf,
        #[arg(long, value_enum, default_value = "blindvault")]
        format: ImportFormat,
        /// Vault for bitwarden-json and csv imports (created if missing;
        /// default "Imported"). A bv export keeps its own vault names.
        #[arg(long)]
        vault: Option<String>,
    },
    /// Service tokens for unattended use (BV_TOKEN).
    #[command(subcommand)]
    Token(TokenCmd),
    /// Show a vault's audit log; --verify recomputes its hash chain here.
    Audit {
        #[arg(long)]
        vault: Option<String>,
        #[arg(long)]
        verify: bool,
    },
    /// Generate a random password or (with --words) a passphrase.
    Generate(GenerateArgs),
    /// Rotate the passwords of every database item under PATH (cron-safe).
    #[command(subcommand)]
    Rotate(RotateCmd),
    /// One-time secret links, the sharing pages' format: create, open, delete.
    #[command(subcommand)]
    Share(crate::commands::share::ShareCmd),
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
    /// Give the account with EMAIL access to vault NAME (shows its key's fingerprint).
    Share {
        name: String,
        #[arg(long)]
        email: String,
        #[arg(long, value_enum)]
        role: Role,
        /// Their identity fingerprint as they read it out (`bv status`):
        /// needed at first contact when there is no terminal to confirm at.
        #[arg(long)]
        fingerprint: Option<String>,
    },
    /// List a vault's members (from its signed member log), roles and fingerprints.
    Members { name: String },
    /// Vaults shared with you that you have not accepted, and who shared them.
    Pending,
    /// Accept a vault shared with you (after comparing the sharer's fingerprint).
    Accept {
        name: String,
        /// The sharer's identity fingerprint, at first contact without a terminal.
        #[arg(long)]
        fingerprint: Option<String>,
    },
    /// Remove a member, then rotate the vault key (all or nothing).
    RemoveMember {
        name: String,
        #[arg(long)]
        email: String,
    },
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Role {
    Read,
    Write,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Read => "read",
            Role::Write => "write",
            Role::Admin => "admin",
        }
    }
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum TokenRole {
    Read,
    Write,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ImportFormat {
    Blindvault,
    BitwardenJson,
    Csv,
}

#[derive(Subcommand)]
pub enum TokenCmd {
    /// Mint a token for one vault; prints it once (bvst.<id>.<secret>.<key>).
    Create {
        name: String,
        #[arg(long)]
        vault: String,
        #[arg(long, value_enum)]
        role: TokenRole,
        /// Lifetime in days (1 to 366).
        #[arg(long, default_value_t = 90)]
        days: i64,
    },
    /// List the tokens of the vaults this account administers.
    List,
    /// Revoke the token named NAME (or with that id).
    Revoke { name: String },
}

#[derive(Subcommand)]
pub enum AttachCmd {
    /// Encrypt FILE and attach it to the item at PATH.
    Add {
        path: String,
        file: std::path::PathBuf,
    },
    /// Decrypt the attachment NAME of the item at PATH into FILE.
    Get {
        path: String,
        name: String,
        #[arg(long)]
        out: std::path::PathBuf,
    },
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
    /// List items under VAULT[/FOLDER/...] (recursively), or of every vault.
    List { path: Option<String> },
    /// Change fields of an item (same flags as add); refuses a stale write.
    Edit(Box<EditArgs>),
    /// Show the item's earlier versions (newest first).
    History {
        path: String,
        /// Print only this field of each version, one per line.
        #[arg(long)]
        field: Option<String>,
        /// Also show secret fields.
        #[arg(long)]
        reveal: bool,
    },
    /// Move an item to the trash.
    Rm { path: String },
}

#[derive(Args)]
pub struct AddArgs {
    pub path: String,
    #[arg(long = "type", value_enum, default_value = "login")]
    pub kind: Kind,
    #[command(flatten)]
    pub values: ItemValues,
    /// Use this item id instead of a random one (scripts that must not
    /// create the same item twice: a second run gets a conflict, exit 5).
    #[arg(long, hide = true)]
    pub id: Option<String>,
}

#[derive(Args)]
pub struct EditArgs {
    pub path: String,
    /// Refused: an item keeps its kind.
    #[arg(long = "type", value_enum)]
    pub kind: Option<Kind>,
    #[command(flatten)]
    pub values: ItemValues,
    /// Apply only if the item is still at this revision (else exit 5).
    #[arg(long)]
    pub if_revision: Option<i64>,
}

/// The values `item add` and `item edit` set.
#[derive(Args)]
pub struct ItemValues {
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

#[derive(Subcommand)]
pub enum RotateCmd {
    /// PostgreSQL roles: ALTER ROLE … PASSWORD.
    Postgres(RotateArgs),
    /// MySQL/MariaDB users: ALTER USER CURRENT_USER() IDENTIFIED BY ….
    Mysql(RotateArgs),
}

#[derive(Args)]
pub struct RotateArgs {
    /// VAULT, VAULT/FOLDER/... (recursive) or one item's path.
    pub path: String,
    /// Connect and check every item, change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Also send the summary to a Slack-compatible webhook URL, or by
    /// email with mailto:ADDRESS (through BV_SMTP_URL).
    #[arg(long, value_name = "URL|mailto:ADDRESS")]
    pub notify: Option<String>,
}

pub fn parse() -> Cli {
    Cli::parse()
}
