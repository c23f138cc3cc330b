//! Argument parsing shared by the keyring, audit and backup exports
//! (`ck_keyring_*`, `ck_audit_*`, `ck_backup_*`): optional strings, paths,
//! times, actors and option documents in; and the one way their results go
//! out, a JSON document in a `ck_buf`.

use std::ffi::c_char;
use std::path::Path;

use ckcore::keyring::to_json;
use ckcore::{Actor, Timestamp};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::buf::{ck_buf, write_buf};
use crate::fs::os_str;
use crate::guard::{cstr_bytes, utf8, FfiError, Out};

/// A string argument that may be NULL (absent).
///
/// # Safety
/// As [`utf8`].
pub(crate) unsafe fn optional_utf8<'a>(
    ptr: *const c_char,
    name: &'static str,
) -> Result<Option<&'a str>, FfiError> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: forwarded contract; not NULL.
    unsafe { utf8(ptr, name) }.map(Some)
}

/// A file or directory path argument (bytes in the system's encoding).
///
/// # Safety
/// As [`utf8`].
pub(crate) unsafe fn path<'a>(
    ptr: *const c_char,
    name: &'static str,
) -> Result<&'a Path, FfiError> {
    // SAFETY: forwarded contract.
    let bytes = unsafe { cstr_bytes(ptr, name) }?;
    if bytes.is_empty() {
        return Err(FfiError::invalid(name, "is empty"));
    }
    Ok(Path::new(os_str(bytes)?))
}

/// A time argument: an RFC 3339 UTC time (`2026-11-25T11:26:45Z`), or NULL
/// for the current time.
///
/// # Safety
/// As [`utf8`].
pub(crate) unsafe fn time(ptr: *const c_char, name: &'static str) -> Result<Timestamp, FfiError> {
    // SAFETY: forwarded contract.
    match unsafe { optional_utf8(ptr, name) }? {
        None => Ok(Timestamp::now()),
        Some(text) => Ok(Timestamp::parse(text)?),
    }
}

/// Who acts (required) and why (NULL: no reason given), on this host.
///
/// # Safety
/// As [`utf8`], for both pointers.
pub(crate) unsafe fn actor(who: *const c_char, reason: *const c_char) -> Result<Actor, FfiError> {
    // SAFETY: forwarded contract.
    let who = unsafe { utf8(who, "who") }?;
    // SAFETY: forwarded contract.
    let reason = unsafe { optional_utf8(reason, "reason") }?.unwrap_or_default();
    Ok(Actor::checked(who, None, reason)?)
}

/// Parses an optional JSON options document (NULL: all defaults). Unknown
/// fields are refused, so a misspelt option never passes silently.
///
/// # Safety
/// As [`utf8`].
pub(crate) unsafe fn options<T: DeserializeOwned + Default>(
    ptr: *const c_char,
    name: &'static str,
) -> Result<T, FfiError> {
    // SAFETY: forwarded contract.
    match unsafe { optional_utf8(ptr, name) }? {
        None => Ok(T::default()),
        Some(text) => serde_json::from_str(text)
            .map_err(|e| FfiError::invalid(name, format!("is not a valid options document: {e}"))),
    }
}

/// Writes `value` as JSON (the core's serialization) into a new buffer.
///
/// # Safety
/// As [`Out::write`].
pub(crate) unsafe fn write_json<T: Serialize>(
    out: Out<*mut ck_buf>,
    value: &T,
) -> Result<(), FfiError> {
    // SAFETY: forwarded contract.
    unsafe { write_buf(out, to_json(value).as_bytes()) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::{CK_INVALID_ARGUMENT, CK_NULL_PARAMETER};

    #[derive(serde::Deserialize, Default, Debug)]
    #[serde(deny_unknown_fields)]
    struct Opts {
        #[serde(default)]
        overwrite: bool,
    }

    #[test]
    fn times_default_to_now_and_must_be_utc() {
        // SAFETY: NULL or static NUL-terminated strings.
        unsafe {
            let before = Timestamp::now();
            assert!(time(std::ptr::null(), "now").unwrap() >= before);
            assert_eq!(
                time(c"2026-01-05T09:00:00Z".as_ptr(), "now").unwrap(),
                Timestamp::parse("2026-01-05T09:00:00Z").unwrap()
            );
            assert_eq!(
                time(c"2026-01-05 09:00".as_ptr(), "now")
                    .unwrap_err()
                    .status,
                CK_INVALID_ARGUMENT
            );
        }
    }

    #[test]
    fn who_is_required_and_options_refuse_unknown_fields() {
        // SAFETY: NULL or static NUL-terminated strings.
        unsafe {
            assert_eq!(
                actor(std::ptr::null(), c"r".as_ptr()).unwrap_err().status,
                CK_NULL_PARAMETER
            );
            assert_eq!(
                actor(c"alice".as_ptr(), std::ptr::null()).unwrap().reason,
                ""
            );
            assert!(!options::<Opts>(std::ptr::null(), "o").unwrap().overwrite);
            assert!(
                options::<Opts>(cr#"{"overwrite":true}"#.as_ptr(), "o")
                    .unwrap()
                    .overwrite
            );
            assert_eq!(
                options::<Opts>(cr#"{"overwrit":true}"#.as_ptr(), "o")
                    .unwrap_err()
                    .status,
                CK_INVALID_ARGUMENT
            );
            assert_eq!(
                path(c"".as_ptr(), "p").unwrap_err().status,
                CK_INVALID_ARGUMENT
            );
        }
    }
}
