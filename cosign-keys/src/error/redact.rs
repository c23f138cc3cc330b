//! Redaction of user-given URIs before an error shows them.
//!
//! A location is usually typed or pasted by a person, and a pasted URI may
//! carry a credential even though this crate never reads one from a URI:
//! `vault-kv://user:s3cret@host/...`, `...?token=...`, `...?sig=...`,
//! `pkcs11:...;pin-value=1234`. An error message is logged, printed and sent
//! across the C, Go and Python boundaries, so it only ever holds the URI's
//! redacted form.

/// What replaces a hidden part.
const MASK: &str = "***";

/// The most bytes a redacted URI takes, its trailing `…` included.
const MAX_SHOWN: usize = 200;

/// Words that mark an attribute outside the query (`;name=value`, as in a
/// PKCS #11 URI's path) as one whose value is hidden too.
/// (`token=` is left out: in a PKCS #11 path it is the token's label.)
const SECRET_WORDS: &[&str] = &["pin", "pass", "pwd", "secret", "sig", "cred", "auth", "api"];

/// `uri` in a form safe to show in an error message or a log:
///
/// - userinfo (`user:password@` before the host) becomes `***@`;
/// - every query parameter keeps its name and has its value replaced by
///   `***` (a parameter without `=` is replaced whole);
/// - `;name=value` / `&name=value` attributes before the query whose name
///   looks like a credential (`pin-value`, `password`, `sig`, ...) have
///   their value replaced;
/// - a fragment becomes `#***`;
/// - control and bidirectional-override characters are escaped (`\n`,
///   `\u{202e}`);
/// - the result is at most 200 bytes, cut on a character boundary and ended
///   with `…` when longer.
///
/// A short URI with none of these parts comes back unchanged. Parts of a URI
/// (a host, a path) go through it too when a message quotes them.
pub(crate) fn redact_uri(uri: &str) -> String {
    let (before_fragment, fragment) = match uri.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (uri, None),
    };
    let (before_query, query) = match before_fragment.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (before_fragment, None),
    };

    let mut out = String::with_capacity(uri.len().min(MAX_SHOWN * 2));

    // Userinfo. With `scheme://`, the authority runs from after it to the
    // next `/`, and everything before its last `@` is a user name and maybe
    // a password. Without it (a mistyped `scheme:/user:pw@h`, `scheme:u:pw@h`,
    // a quoted `user:pw@host`), a "scheme" may itself be the user name, so
    // everything from the start to the last `@` before the first `/` after
    // the scheme and its slashes is hidden.
    let scheme = scheme_end(before_query);
    let after_slashes = scheme.map_or(0, |end| {
        end + before_query[end..]
            .bytes()
            .take_while(|&b| b == b'/')
            .count()
    });
    let mask_from = match scheme {
        Some(end) if before_query[end..].starts_with("//") => after_slashes,
        _ => 0,
    };
    let authority_start = after_slashes;
    let authority_end = before_query[authority_start..]
        .find('/')
        .map_or(before_query.len(), |i| authority_start + i);
    let rest = match before_query[mask_from..authority_end].rfind('@') {
        Some(at) => {
            out.push_str(&before_query[..mask_from]);
            out.push_str(MASK);
            &before_query[mask_from + at..]
        }
        None => before_query,
    };
    push_pairs(&mut out, rest, false);

    if let Some(query) = query {
        out.push('?');
        push_pairs(&mut out, query, true);
    }
    if let Some(fragment) = fragment {
        out.push('#');
        if !fragment.is_empty() {
            out.push_str(MASK);
        }
    }
    bounded(&escape_controls(&out))
}

/// The end of a leading URI scheme and its colon (`[A-Za-z][A-Za-z0-9+.-]*:`),
/// if `s` starts with one.
fn scheme_end(s: &str) -> Option<usize> {
    let colon = s.find(':')?;
    let scheme = &s.as_bytes()[..colon];
    let valid = scheme.first().is_some_and(u8::is_ascii_alphabetic)
        && scheme
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'.' | b'-'));
    valid.then_some(colon + 1)
}

/// Copies `s`, split at `&` and `;`, masking values: all of them in a query,
/// only those whose name looks like a credential elsewhere.
fn push_pairs(out: &mut String, s: &str, is_query: bool) {
    for piece in s.split_inclusive(['&', ';']) {
        let (piece, separator) = match piece.strip_suffix(['&', ';']) {
            Some(p) => (p, &piece[p.len()..]),
            None => (piece, ""),
        };
        match piece.split_once('=') {
            Some((name, value)) => {
                out.push_str(name);
                out.push('=');
                if !value.is_empty() && (is_query || names_a_secret(name)) {
                    out.push_str(MASK);
                } else {
                    out.push_str(value);
                }
            }
            // In a query, a bare item may be a token itself.
            None if is_query && !piece.is_empty() => out.push_str(MASK),
            None => out.push_str(piece),
        }
        out.push_str(separator);
    }
}

/// Whether an attribute name (its last `:`/`/`-separated word) looks like
/// it names a credential.
fn names_a_secret(name: &str) -> bool {
    let word = name
        .rsplit([':', '/'])
        .next()
        .unwrap_or(name)
        .to_ascii_lowercase();
    SECRET_WORDS.iter().any(|w| word.contains(w))
}

/// Control characters and the invisible bidirectional controls, which can
/// make a message show something other than what it holds, as escapes.
fn escape_controls(s: &str) -> String {
    let is_hidden = |c: char| {
        c.is_control()
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !s.contains(is_hidden) {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if is_hidden(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// `s` cut to [`MAX_SHOWN`] bytes on a character boundary, with `…`.
fn bounded(s: &str) -> String {
    if s.len() <= MAX_SHOWN {
        return s.to_owned();
    }
    let mut cut = MAX_SHOWN - '…'.len_utf8();
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    let mut out = String::with_capacity(MAX_SHOWN);
    out.push_str(&s[..cut]);
    out.push('…');
    out
}

/// Test support: `err`'s message, `Debug` and details hold none of
/// `secrets` and stay short.
#[cfg(test)]
pub(crate) fn assert_shows_no_secret(err: &super::Error, secrets: &[&str]) {
    let shown = [
        err.to_string(),
        format!("{err:?}"),
        serde_json::Value::Object(err.details()).to_string(),
    ];
    for text in shown {
        for secret in secrets {
            assert!(!text.contains(secret), "`{secret}` shown in {text}");
        }
        // A reason quotes at most a few redacted parts beside the URI.
        assert!(text.len() < 1_000, "{} bytes: {text}", text.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_uris_are_unchanged() {
        for uri in [
            "",
            "keys/prod",
            "file:///srv/my%20keys",
            "vault-kv://secret/team@2026/cosign",
            "azurekms://myvault.vault.azure.net/release",
            "awskms://127.0.0.1:4566/arn:aws:kms:us-east-1:123456789012:alias/x",
            "pkcs11:token=x",
            "s3://bucket/key",
            "hashivault://bad key",
            "caf\u{e9}/cl\u{e9}s",
        ] {
            assert_eq!(redact_uri(uri), uri);
        }
    }

    #[test]
    fn userinfo_is_masked() {
        assert_eq!(
            redact_uri("vault-kv://user:s3cret@vault.example/secret/x"),
            "vault-kv://***@vault.example/secret/x"
        );
        assert_eq!(redact_uri("https://tok@h/p@q"), "https://***@h/p@q");
        // A quoted host, or a URI missing its `//`.
        assert_eq!(redact_uri("user:s3cret@evil"), "***@evil");
        assert_eq!(redact_uri("vault-kv:a:s3cret@h/x"), "***@h/x");
        // One slash, several, or a `://` later in the path: still hidden.
        assert_eq!(redact_uri("vault-kv:/user:s3cret@h/x"), "***@h/x");
        assert_eq!(
            redact_uri("awskms:///u:s3cret@h/alias/x"),
            "awskms:///***@h/alias/x"
        );
        assert_eq!(redact_uri("vault-kv:user:s3cret@h/a://b"), "***@h/a://b");
    }

    #[test]
    fn query_values_and_fragment_are_masked_names_kept() {
        assert_eq!(
            redact_uri("pkcs11:token=t;object=k?pin-value=1234&module-name=p11"),
            "pkcs11:token=t;object=k?pin-value=***&module-name=***"
        );
        assert_eq!(
            redact_uri("azure-secret://v/n?sig=abc;se=2026&bare#frag"),
            "azure-secret://v/n?sig=***;se=***&***#***"
        );
        assert_eq!(redact_uri("file:///x?prefix="), "file:///x?prefix=");
        assert_eq!(redact_uri("x#a?token=abc"), "x#***");
        assert_eq!(
            redact_uri("pkcs11:object=k;pin-value=1234"),
            "pkcs11:object=k;pin-value=***"
        );
    }

    #[test]
    fn controls_are_escaped_and_length_is_bounded() {
        assert_eq!(
            redact_uri("a\nb\u{1b}[31m\u{202e}c"),
            "a\\nb\\u{1b}[31m\\u{202e}c"
        );
        let long = format!("file:///{}", "\u{e9}".repeat(5_000));
        let shown = redact_uri(&long);
        assert!(shown.len() <= MAX_SHOWN, "{}", shown.len());
        assert!(shown.ends_with('…'));
        assert!(long.starts_with(shown.trim_end_matches('…')));
    }
}
