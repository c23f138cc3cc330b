//! Where passwords come from: an environment variable (for scripts), else a
//! no-echo prompt on the terminal. Nothing here prints a password.

use std::io::IsTerminal;

use cosign_keys::Password;
use zeroize::Zeroizing;

use crate::{CliResult, Failure};

/// The password of an existing Cosign key (cosign's variable).
const ENV_PASSWORD: &str = "COSIGN_PASSWORD";
/// The new password for `change-password`.
const ENV_NEW_PASSWORD: &str = "COSIGN_NEW_PASSWORD";
/// The password of an encrypted key being imported.
const ENV_IMPORT_PASSWORD: &str = "COSIGN_KEYS_IMPORT_PASSWORD";

fn from_env(var: &str) -> Option<Password> {
    std::env::var_os(var).map(|v| Password::from(v.into_encoded_bytes()))
}

fn prompt(text: &str, var: &str) -> CliResult<Zeroizing<String>> {
    // Prompt only when a person is at the keyboard: with stdin redirected
    // (scripts, CI) a prompt on /dev/tty could wait forever.
    if !std::io::stdin().is_terminal() {
        return Err(Failure::Usage(format!(
            "no password given: set {var} (standard input is not a terminal)"
        )));
    }
    rpassword::prompt_password(text)
        .map(Zeroizing::new)
        .map_err(|e| Failure::Usage(format!("could not read the password ({e}); set {var}")))
}

fn prompt_twice(var: &str) -> CliResult<Password> {
    let first = prompt("Enter password for private key: ", var)?;
    let second = prompt("Enter password for private key again: ", var)?;
    if *first != *second {
        return Err(Failure::Usage("passwords do not match".into()));
    }
    Ok(Password::from(first.as_str()))
}

/// The password protecting an existing Cosign key file.
pub(crate) fn existing() -> CliResult<Password> {
    match from_env(ENV_PASSWORD) {
        Some(pw) => Ok(pw),
        None => Ok(Password::from(
            prompt("Enter password for private key: ", ENV_PASSWORD)?.as_str(),
        )),
    }
}

/// The password for a key being created (asked twice on a terminal).
pub(crate) fn for_new_key() -> CliResult<Password> {
    match from_env(ENV_PASSWORD) {
        Some(pw) => Ok(pw),
        None => prompt_twice(ENV_PASSWORD),
    }
}

/// The new password in `change-password` (asked twice on a terminal).
pub(crate) fn new_for_change() -> CliResult<Password> {
    match from_env(ENV_NEW_PASSWORD) {
        Some(pw) => Ok(pw),
        None => prompt_twice(ENV_NEW_PASSWORD),
    }
}

/// The password of an encrypted key being imported.
pub(crate) fn for_import() -> CliResult<Password> {
    match from_env(ENV_IMPORT_PASSWORD) {
        Some(pw) => Ok(pw),
        None => Ok(Password::from(
            prompt(
                "Enter password of the key being imported: ",
                ENV_IMPORT_PASSWORD,
            )?
            .as_str(),
        )),
    }
}
