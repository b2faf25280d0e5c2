//! Reading the master password: `BV_PASSWORD`, `--password-stdin`, or a
//! prompt without echo on the terminal. Never a command-line argument (it
//! would show in `ps` and shell history).

use crate::exit::{CliError, CliResult};
use blindvault::secret::SecretString;
use std::io::{BufRead, IsTerminal};

pub struct Source {
    pub from_stdin: bool,
}

impl Source {
    pub fn read(&self, prompt: &str) -> CliResult<SecretString> {
        if let Ok(p) = std::env::var("BV_PASSWORD") {
            return Ok(SecretString::new(p));
        }
        if self.from_stdin {
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line).map_err(|e| {
                CliError::other(format!("cannot read the password from stdin: {e}"))
            })?;
            // Only the line ending goes; other whitespace is part of the password.
            let trimmed = line.strip_suffix('\n').unwrap_or(&line);
            let trimmed = trimmed.strip_suffix('\r').unwrap_or(trimmed).to_owned();
            zeroize::Zeroize::zeroize(&mut line);
            return Ok(SecretString::new(trimmed));
        }
        if !std::io::stdin().is_terminal() && !std::io::stderr().is_terminal() {
            return Err(CliError::usage(
                "no master password: set BV_PASSWORD, pass --password-stdin, or run in a terminal",
            ));
        }
        rpassword::prompt_password(prompt)
            .map(SecretString::new)
            .map_err(|e| CliError::other(format!("cannot read the password: {e}")))
    }

    /// For registration: asked twice when typed at a prompt.
    pub fn read_new(&self) -> CliResult<SecretString> {
        let first = self.read("New master password: ")?;
        if std::env::var_os("BV_PASSWORD").is_some() || self.from_stdin {
            return Ok(first);
        }
        let again = self.read("Repeat the master password: ")?;
        // Constant time, as every comparison of secrets in this project.
        let same: bool = subtle::ConstantTimeEq::ct_eq(
            first.expose_secret().as_bytes(),
            again.expose_secret().as_bytes(),
        )
        .into();
        if !same {
            return Err(CliError::usage("the two passwords differ"));
        }
        Ok(first)
    }
}

/// The export password: `BV_EXPORT_PASSWORD`, else a prompt without echo
/// (typed twice when `confirm`). It must not be the master password: an
/// export travels and is stored in places the vault is not.
pub fn read_export_password(confirm: bool) -> CliResult<SecretString> {
    let pw = match std::env::var("BV_EXPORT_PASSWORD") {
        Ok(p) => SecretString::new(p),
        Err(_) => {
            if !std::io::stdin().is_terminal() && !std::io::stderr().is_terminal() {
                return Err(CliError::usage(
                    "no export password: set BV_EXPORT_PASSWORD or run in a terminal",
                ));
            }
            let first = rpassword::prompt_password("Export password: ")
                .map(SecretString::new)
                .map_err(|e| CliError::other(format!("cannot read the password: {e}")))?;
            if confirm {
                let again = rpassword::prompt_password("Repeat the export password: ")
                    .map(SecretString::new)
                    .map_err(|e| CliError::other(format!("cannot read the password: {e}")))?;
                if !ct_eq(&first, &again) {
                    return Err(CliError::usage("the two passwords differ"));
                }
            }
            first
        }
    };
    if pw.expose_secret().is_empty() {
        return Err(CliError::usage("the export password is empty"));
    }
    if confirm && std::env::var_os("BV_TOKEN").is_none() {
        // The master password is compared when it came from BV_PASSWORD;
        // a typed one is not kept around after the keys are derived.
        if let Ok(m) = std::env::var("BV_PASSWORD") {
            if ct_eq(&pw, &SecretString::new(m)) {
                return Err(CliError::usage(
                    "the export password must differ from the master password",
                ));
            }
        }
    }
    Ok(pw)
}

fn ct_eq(a: &SecretString, b: &SecretString) -> bool {
    subtle::ConstantTimeEq::ct_eq(a.expose_secret().as_bytes(), b.expose_secret().as_bytes()).into()
}
