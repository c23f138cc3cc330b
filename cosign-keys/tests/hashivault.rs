//! `hashivault://` against a real OpenBao transit engine
//! (scripts/servers/openbao.sh): create, public key, sign and verify with
//! our verifier for every algorithm, batch signing order and per-item
//! errors, rotation and versions, refusals (wrong or read-only token,
//! missing key, unsupported algorithm), AppRole and a non-default mount.
//! The sealed and unreachable cases share the client with the KV store and
//! are in `vault_kv.rs`; cosign interop is `tests/interop/kms-hashivault.sh`.
//!
//! The tests need the `vault` feature; their bodies live in `with_feature/hashivault.rs`. Built without
//! it, this binary holds one ignored test that says so instead of passing with nothing run.

#[cfg(feature = "vault")]
#[allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic
#[path = "with_feature/hashivault.rs"]
mod with_feature;

#[cfg(not(feature = "vault"))]
#[test]
#[ignore = "built without the `vault` feature: cargo test -p cosign-keys --features vault --test hashivault"]
fn needs_the_vault_feature() {}
