//! `generate`: a password or passphrase from the core's generator (SPEC §
//! Generator). Needs no account. stdout gets the secret alone.

use super::Ctx;
use crate::cli::GenerateArgs;
use crate::exit::CliResult;
use blindvault::generator::{
    generate_passphrase, generate_password, PassphraseOptions, PasswordOptions,
};
use serde_json::json;

pub fn run(ctx: &Ctx, a: &GenerateArgs) -> CliResult<()> {
    let generated = match a.words {
        Some(words) => generate_passphrase(&PassphraseOptions {
            words,
            ..PassphraseOptions::default()
        }),
        None => generate_password(&PasswordOptions {
            length: a.length,
            symbols: !a.no_symbols,
            ..PasswordOptions::default()
        }),
    }
    .map_err(|e| crate::exit::CliError::usage(e.to_string()))?;
    let secret = generated.secret.expose_secret();
    ctx.out.show(
        || secret.to_owned(),
        || json!({"secret": secret, "entropy_bits": generated.entropy_bits}),
    );
    Ok(())
}
