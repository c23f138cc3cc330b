//! Split knowledge: a backup passphrase split into `n` printable shares, any
//! `k` of which recover it (Shamir's secret sharing over GF(256), from the
//! `blahaj` crate). Fewer than `k` shares carry no information about it.
//!
//! A share is one line of text:
//!
//! ```text
//! CKS1-<set id: 16 hex>-<k>OF<n>-<index>-<share bytes: hex>-<check: 8 hex>
//! CKS1-9F2C1AB04E77D310-3OF5-2-02A1…-5C01D2E7
//! ```
//!
//! The set id (random per split) ties the shares of one backup together, so
//! shares of different backups are refused instead of combining into a wrong
//! passphrase; `k` and `n` let recovery say exactly how many shares are
//! missing; the check (the first 4 bytes of SHA-256 over everything before
//! it) catches a share mistyped or damaged on paper. None of these reveal
//! anything about the secret.

use std::collections::BTreeMap;

use zeroize::Zeroizing;

use crate::{sha256, Error, Result};

const PREFIX: &str = "CKS1";

fn failed(reason: impl Into<String>) -> Error {
    Error::RecoveryFailed {
        reason: reason.into(),
    }
}

/// Upper-case hex of share bytes, written straight into a wiped buffer.
fn secret_hex_upper(bytes: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    let mut out = Zeroizing::new(vec![0u8; bytes.len() * 2]);
    base16ct::upper::encode(bytes, &mut out)
        .map_err(|_| failed("internal error: hex buffer of the wrong size"))?;
    Ok(out)
}

/// Decodes the (upper-case) hex payload of a share into a wiped buffer,
/// in constant time.
fn secret_unhex(text: &str) -> Option<Zeroizing<Vec<u8>>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    let mut out = Zeroizing::new(vec![0u8; text.len() / 2]);
    base16ct::upper::decode(text, &mut out).ok()?;
    Some(out)
}

fn check_of(body: &str) -> String {
    base16ct::upper::encode_string(&sha256(body.as_bytes())[..4])
}

/// The shares of one split, as printable text. Secret (any `k` of them
/// recover the passphrase): no `Debug`, `Clone` or `Display`, wiped on drop.
pub struct ShareSet {
    shares: Vec<Zeroizing<String>>,
    set_id: String,
    threshold: u8,
}

impl ShareSet {
    /// The shares, one printable line each (hand each to a different person).
    #[must_use]
    pub fn expose_shares(&self) -> Vec<&str> {
        self.shares.iter().map(|s| s.as_str()).collect()
    }

    /// The set id printed in every share.
    #[must_use]
    pub fn set_id(&self) -> &str {
        &self.set_id
    }

    /// How many shares recover the secret.
    #[must_use]
    pub fn threshold(&self) -> u8 {
        self.threshold
    }

    /// How many shares there are.
    #[must_use]
    pub fn len(&self) -> usize {
        self.shares.len()
    }

    /// Whether there are none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.shares.is_empty()
    }
}

/// Splits `secret` into `n` shares with threshold `k` (2 ≤ k ≤ n ≤ 255).
pub(crate) fn split(secret: &[u8], k: u8, n: u8) -> Result<ShareSet> {
    if k < 2 || n < k {
        return Err(Error::InvalidArgument {
            name: "shares",
            reason: format!(
                "need 2 <= threshold <= shares <= 255, got threshold {k} of {n} (a threshold of \
                 1 would make every share the passphrase itself)"
            ),
        });
    }
    let mut set = [0u8; 8];
    crate::rand::fill(&mut set)?;
    let set_id = base16ct::upper::encode_string(&set);
    let dealer = blahaj::Sharks(k).dealer(secret);
    let shares = dealer
        .take(usize::from(n))
        .map(|share| {
            let bytes = Zeroizing::new(Vec::from(&share));
            let index = bytes.first().copied().unwrap_or_default();
            let hex = secret_hex_upper(&bytes)?;
            let head = format!("{PREFIX}-{set_id}-{k}OF{n}-{index}-");
            // Sized up front: no reallocation leaves a copy of the share behind.
            let mut line = Zeroizing::new(String::with_capacity(head.len() + hex.len() + 9));
            line.push_str(&head);
            for &c in hex.iter() {
                line.push(char::from(c));
            }
            let check = check_of(&line);
            line.push('-');
            line.push_str(&check);
            Ok(line)
        })
        .collect::<Result<_>>()?;
    Ok(ShareSet {
        shares,
        set_id,
        threshold: k,
    })
}

struct Parsed {
    set_id: String,
    k: u8,
    n: u8,
    index: u8,
    bytes: Zeroizing<Vec<u8>>,
}

fn parse(position: usize, text: &str) -> Result<Parsed> {
    // The share text is secret: kept in a wiped buffer, sized up front.
    let mut text = {
        let mut joined = Zeroizing::new(String::with_capacity(text.len()));
        text.split_whitespace()
            .for_each(|part| joined.push_str(part));
        joined
    };
    text.make_ascii_uppercase();
    let not_share = || {
        failed(format!(
            "share {position} is not a cosign-keys share (expected \
             {PREFIX}-<set>-<k>OF<n>-<index>-<hex>-<check>)"
        ))
    };
    let (body, check) = text.rsplit_once('-').ok_or_else(not_share)?;
    let parts: Vec<&str> = body.split('-').collect();
    let [prefix, set_id, kn, index, payload] = parts[..] else {
        return Err(not_share());
    };
    if prefix != PREFIX {
        return Err(not_share());
    }
    if check_of(body) != check {
        return Err(failed(format!(
            "share {position} is corrupted (its checksum does not match): check it was copied \
             exactly"
        )));
    }
    let (k, n) = kn.split_once("OF").ok_or_else(not_share)?;
    let (k, n): (u8, u8) = (
        k.parse().map_err(|_| not_share())?,
        n.parse().map_err(|_| not_share())?,
    );
    let index: u8 = index.parse().map_err(|_| not_share())?;
    let bytes = secret_unhex(payload).ok_or_else(not_share)?;
    if bytes.len() < 2 || bytes[0] != index || k < 2 || n < k || index == 0 || index > n {
        return Err(not_share());
    }
    Ok(Parsed {
        set_id: set_id.to_owned(),
        k,
        n,
        index,
        bytes,
    })
}

/// Recovers the secret from shares of one set, checking everything a person
/// can get wrong: corrupted or foreign text, shares of different sets,
/// duplicates, and too few shares.
pub(crate) fn combine(texts: &[&str]) -> Result<Zeroizing<Vec<u8>>> {
    if texts.is_empty() {
        return Err(failed("no shares given"));
    }
    let parsed = texts
        .iter()
        .enumerate()
        .map(|(i, t)| parse(i + 1, t))
        .collect::<Result<Vec<_>>>()?;
    let first = &parsed[0];
    for p in &parsed[1..] {
        if p.set_id != first.set_id || p.k != first.k || p.n != first.n {
            return Err(failed(format!(
                "the shares come from different backups (sets {} and {}): use shares of one set",
                first.set_id, p.set_id
            )));
        }
    }
    let mut by_index: BTreeMap<u8, &Parsed> = BTreeMap::new();
    for p in &parsed {
        if by_index.insert(p.index, p).is_some() {
            return Err(failed(format!("share number {} was given twice", p.index)));
        }
    }
    if by_index.len() < usize::from(first.k) {
        return Err(failed(format!(
            "{} of {} shares needed, {} given (set {})",
            first.k,
            first.n,
            by_index.len(),
            first.set_id
        )));
    }
    let len = first.bytes.len();
    if parsed.iter().any(|p| p.bytes.len() != len) {
        return Err(failed(
            "the shares have different lengths: they are not of one set",
        ));
    }
    let shares = by_index
        .values()
        .map(|p| blahaj::Share::try_from(p.bytes.as_slice()))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| failed(format!("a share is malformed: {e}")))?;
    let secret = blahaj::Sharks(first.k)
        .recover(&shares)
        .map_err(|e| failed(e.to_string()))?;
    Ok(Zeroizing::new(secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_k_recover_and_k_minus_one_fail_clearly() {
        let set = split(b"thirty-two bytes of passphrase!!", 3, 5).unwrap();
        let s = set.expose_shares();
        for combo in [[0, 1, 2], [0, 2, 4], [4, 3, 1]] {
            let picked: Vec<&str> = combo.iter().map(|&i| s[i]).collect();
            assert_eq!(
                combine(&picked).unwrap().as_slice(),
                b"thirty-two bytes of passphrase!!"
            );
        }
        let err = combine(&[s[0], s[3]]).unwrap_err();
        assert!(
            err.to_string().contains("3 of 5 shares needed, 2 given"),
            "{err}"
        );
        let err = combine(&[s[0], s[0], s[1]]).unwrap_err();
        assert!(err.to_string().contains("twice"), "{err}");
    }

    #[test]
    fn foreign_corrupted_and_mixed_shares_are_refused() {
        let a = split(b"secret-a", 2, 3).unwrap();
        let b = split(b"secret-b", 2, 3).unwrap();
        let (a, b) = (a.expose_shares(), b.expose_shares());
        let err = combine(&[a[0], b[1]]).unwrap_err();
        assert!(err.to_string().contains("different backups"), "{err}");
        // One character changed in the share bytes.
        let mut damaged = a[1].to_owned();
        let pos = damaged.len() - 12;
        let c = if &damaged[pos..=pos] == "0" { "1" } else { "0" };
        damaged.replace_range(pos..=pos, c);
        let err = combine(&[a[0], &damaged]).unwrap_err();
        assert!(err.to_string().contains("share 2 is corrupted"), "{err}");
        let err = combine(&["hello", a[0]]).unwrap_err();
        assert!(
            err.to_string()
                .contains("share 1 is not a cosign-keys share"),
            "{err}"
        );
        // Case and spacing do not matter (shares are typed from paper).
        let spaced = a[2].to_ascii_lowercase().replace('-', " - ");
        let spaced = spaced.replace(" - ", "-");
        assert_eq!(combine(&[a[0], &spaced]).unwrap().as_slice(), b"secret-a");
    }
}
