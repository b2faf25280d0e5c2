//! Quoting the role names (untrusted: they come from vault items) and the
//! password literals put into `ALTER ROLE` / `ALTER USER` statements, which
//! cannot take bind parameters.

/// A PostgreSQL quoted identifier: `"` … `"` with `"` doubled (PostgreSQL
/// docs § 4.1.1). NUL cannot occur in a role name and is refused.
pub fn pg_ident(name: &str) -> Result<String, String> {
    if name.is_empty() || name.contains('\0') {
        return Err("the role name is empty or contains NUL".to_owned());
    }
    Ok(format!("\"{}\"", name.replace('"', "\"\"")))
}

/// A PostgreSQL string literal, as `quote_literal()` makes it: `'` doubled,
/// and when a backslash occurs, the `E''` form with `\` doubled, which
/// reads the same whatever `standard_conforming_strings` is.
pub fn pg_literal(value: &str) -> String {
    let doubled = value.replace('\'', "''");
    if value.contains('\\') {
        format!("E'{}'", doubled.replace('\\', "\\\\"))
    } else {
        format!("'{doubled}'")
    }
}

/// A MySQL/MariaDB string literal. Backslash is an escape character unless
/// the session's sql_mode has NO_BACKSLASH_ESCAPES (MySQL manual § 11.1.1),
/// so the caller says which mode is on.
pub fn mysql_literal(value: &str, no_backslash_escapes: bool) -> Result<String, String> {
    if value.contains('\0') {
        return Err("the password contains NUL".to_owned());
    }
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        match c {
            '\'' => out.push_str("''"),
            '\\' if !no_backslash_escapes => out.push_str("\\\\"),
            _ => out.push(c),
        }
    }
    out.push('\'');
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn hostile_names_and_values_stay_inside_their_quotes() {
        assert_eq!(
            pg_ident(r#"a"; DROP ROLE x; --"#).unwrap(),
            r#""a""; DROP ROLE x; --""#
        );
        assert!(pg_ident("").is_err());
        assert_eq!(pg_literal("it's"), "'it''s'");
        assert_eq!(pg_literal(r"a\'b"), r"E'a\\''b'");
        assert_eq!(mysql_literal(r"a\'b", false).unwrap(), r"'a\\''b'");
        assert_eq!(mysql_literal(r"a\'b", true).unwrap(), r"'a\''b'");
        assert!(mysql_literal("a\0", false).is_err());
    }
}
