//! The state machine, table-driven: every (state, operation) pair, first
//! on the rules themselves, then through the keyring's operations on real
//! keys.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/lifecycle.rs"]
mod lifecycle;

use cosign_keys::keyring::blocking::Keyring;
use cosign_keys::keyring::{Compromise, KeyRecord, KeyState, Operation};
use cosign_keys::{Error, Timestamp};

use lifecycle::{alice, config, new_key, t, TempDir};

/// The states a key can be in, with the two deactivated variants that the
/// rules tell apart by time and by the retired mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Row {
    PreActive,
    Active,
    /// Deactivated, transition window still open.
    InWindow,
    /// Deactivated, window over, not yet retired.
    WindowEnded,
    /// Deactivated and retired.
    Retired,
    Compromised,
    Destroyed,
}

const NOW: &str = "2027-06-01T00:00:00Z";

/// `Some(state)`: allowed, leading there; `None`: refused.
fn expected(row: Row, op: Operation) -> Option<KeyState> {
    use KeyState as S;
    use Operation as O;
    use Row as R;
    match (row, op) {
        (R::PreActive, O::Activate) => Some(S::Active),
        (R::PreActive, O::Compromise) | (R::Active, O::Compromise) => Some(S::Compromised),
        (R::PreActive, O::Destroy) => Some(S::Destroyed),
        (R::Active, O::Deactivate) => Some(S::Deactivated),
        (R::InWindow | R::WindowEnded | R::Retired, O::Compromise) => Some(S::Compromised),
        (R::WindowEnded, O::Retire) => Some(S::Deactivated),
        (R::Retired, O::Destroy) => Some(S::Destroyed),
        (R::Compromised, O::Destroy) => Some(S::Destroyed),
        _ => None,
    }
}

const ROWS: [Row; 7] = [
    Row::PreActive,
    Row::Active,
    Row::InWindow,
    Row::WindowEnded,
    Row::Retired,
    Row::Compromised,
    Row::Destroyed,
];

/// A record in `row`'s state at [`NOW`], built from the manifest format.
fn record(row: Row) -> KeyRecord {
    let key = cosign_keys::PrivateKey::generate(cosign_keys::Algorithm::EcdsaP256).unwrap();
    let (state, extra) = match row {
        Row::PreActive => ("pre-active", String::new()),
        Row::Active => ("active", r#","activated_at":"2026-01-01T00:00:00Z""#.into()),
        Row::InWindow => (
            "deactivated",
            r#","activated_at":"2026-01-01T00:00:00Z","deactivated_at":"2027-05-20T00:00:00Z","trusted_until":"2027-06-19T00:00:00Z""#.into(),
        ),
        Row::WindowEnded => (
            "deactivated",
            r#","activated_at":"2026-01-01T00:00:00Z","deactivated_at":"2027-04-01T00:00:00Z","trusted_until":"2027-05-01T00:00:00Z""#.into(),
        ),
        Row::Retired => (
            "deactivated",
            r#","activated_at":"2026-01-01T00:00:00Z","deactivated_at":"2027-04-01T00:00:00Z","trusted_until":"2027-05-01T00:00:00Z","retired_at":"2027-05-02T00:00:00Z""#.into(),
        ),
        Row::Compromised => (
            "compromised",
            r#","compromised_at":"2027-05-02T00:00:00Z","compromise":{"reason":"r","incident":"i"}"#.into(),
        ),
        Row::Destroyed => ("destroyed", r#","destroyed_at":"2027-05-02T00:00:00Z""#.into()),
    };
    let json = format!(
        r#"{{"id":1,"fingerprint":"{}","algorithm":"ecdsa-p256","location":{{"kind":"store","uri":"keys","version":1}},"public_key":{},"state":"{state}","created_at":"2026-01-01T00:00:00Z"{extra},"history":[]}}"#,
        key.fingerprint(),
        serde_json::to_string(&key.public_key().to_pem()).unwrap()
    );
    serde_json::from_str(&json).unwrap()
}

#[test]
fn every_state_and_operation_pair_follows_the_table() {
    let now = Timestamp::parse(NOW).unwrap();
    let mut checked = 0;
    for row in ROWS {
        let rec = record(row);
        for &op in Operation::ALL {
            let got = rec.check(op, now);
            match (expected(row, op), got) {
                (Some(state), Ok(next)) => assert_eq!(next, state, "{row:?} {op:?}"),
                (
                    None,
                    Err(Error::InvalidTransition {
                        key,
                        state,
                        operation,
                    }),
                ) => {
                    assert_eq!(operation, op.as_str());
                    assert!(key.contains("#1"), "{key}");
                    assert!(!state.is_empty());
                }
                (want, got) => panic!("{row:?} {op:?}: expected {want:?}, got {got:?}"),
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 35);
    // The bare state table agrees wherever time and the retired mark do not matter.
    for &state in KeyState::ALL {
        for &op in Operation::ALL {
            let row = match state {
                KeyState::PreActive => Row::PreActive,
                KeyState::Active => Row::Active,
                KeyState::Compromised => Row::Compromised,
                KeyState::Destroyed => Row::Destroyed,
                _ => continue, // deactivated: the rows above cover its variants
            };
            assert_eq!(state.next(op), expected(row, op), "{state} {op}");
        }
    }
}

/// Brings a fresh keyring's key #1 into `row` through the public operations
/// (key #2 is then the active key, except in the `Active` row).
fn keyring_in(row: Row, dir: &TempDir) -> Option<Keyring> {
    let store = dir.path("keys").to_str().unwrap().to_owned();
    let keyring = Keyring::open(config(&dir.0)).unwrap();
    let t0 = t("2026-01-01T00:00:00Z");
    keyring.rotate(&new_key(&store), &alice(), t0).unwrap();
    let t1 = t("2027-05-20T00:00:00Z");
    let incident = Compromise {
        reason: "test".into(),
        incident: "INC-1".into(),
    };
    match row {
        Row::PreActive => return None, // only inside an interrupted rotation
        Row::Active => {}
        Row::InWindow => {
            keyring.rotate(&new_key(&store), &alice(), t1).unwrap();
        }
        Row::WindowEnded | Row::Retired | Row::Destroyed => {
            keyring
                .rotate(&new_key(&store), &alice(), t("2027-04-01T00:00:00Z"))
                .unwrap();
            if row != Row::WindowEnded {
                keyring
                    .retire(Some("1"), &alice(), t("2027-05-02T00:00:00Z"))
                    .unwrap();
            }
            if row == Row::Destroyed {
                keyring
                    .destroy("1", &alice(), t("2027-05-03T00:00:00Z"))
                    .unwrap();
            }
        }
        Row::Compromised => {
            keyring.rotate(&new_key(&store), &alice(), t1).unwrap();
            keyring.revoke("1", &incident, &alice(), t1).unwrap();
        }
    }
    Some(keyring)
}

#[test]
fn the_keyring_operations_follow_the_table_on_real_keys() {
    let now = Timestamp::parse(NOW).unwrap();
    let incident = Compromise {
        reason: "table".into(),
        incident: "INC-2".into(),
    };
    for row in ROWS {
        for op in [Operation::Retire, Operation::Compromise, Operation::Destroy] {
            let dir = TempDir::new(&format!("table-{row:?}-{op:?}"));
            let Some(keyring) = keyring_in(row, &dir) else {
                continue;
            };
            let before = keyring.manifest().unwrap().unwrap();
            let result = match op {
                Operation::Retire => keyring.retire(Some("1"), &alice(), now).map(|_| ()),
                Operation::Compromise => keyring.revoke("1", &incident, &alice(), now).map(|_| ()),
                Operation::Destroy => keyring.destroy("1", &alice(), now).map(|_| ()),
                _ => unreachable!(),
            };
            let after = keyring.manifest().unwrap().unwrap();
            match (expected(row, op), result) {
                (Some(state), Ok(())) => assert_eq!(after.0.keys[0].state, state, "{row:?} {op:?}"),
                (None, Err(Error::InvalidTransition { .. })) => {
                    assert_eq!(
                        after, before,
                        "{row:?} {op:?}: a refused operation changes nothing"
                    );
                }
                (want, got) => panic!("{row:?} {op:?}: expected {want:?}, got {got:?}"),
            }
            keyring.audit_log().verify(None).unwrap();
        }
    }
}
