//! `vault-kv://` against a real OpenBao (scripts/servers/openbao.sh): token
//! and AppRole auth, read-only and wrong tokens, check-and-set under
//! concurrent writers, versions, delete and destroy, the public companion
//! for verifiers, the keyring document, TLS with VAULT_CACERT, and a sealed
//! or unreachable server.
//!
//! The tests need the `vault` feature; their bodies live in `with_feature/vault_kv.rs`. Built without
//! it, this binary holds one ignored test that says so instead of passing with nothing run.

#[cfg(feature = "vault")]
#[allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic
#[path = "with_feature/vault_kv.rs"]
mod with_feature;

#[cfg(not(feature = "vault"))]
#[test]
#[ignore = "built without the `vault` feature: cargo test -p cosign-keys --features vault --test vault_kv"]
fn needs_the_vault_feature() {}
