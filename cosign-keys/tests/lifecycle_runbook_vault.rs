//! The key runbook on Vault KV (OpenBao): the keyring manifest, its ledger
//! and the keys all in `vault-kv://` secrets (saved with check-and-set);
//! after the disaster the keyring is recovered into fresh Vault paths.
//!
//! Needs the server `scripts/servers/openbao.sh` starts (VAULT_ADDR,
//! VAULT_TOKEN from `openbao.sh env`); skipped with a printed reason without
//! it, and a failure when COSIGN_KEYS_REQUIRE_VAULT=1 (scripts/test.sh).
//!
//! The tests need the `vault` feature; their bodies live in `with_feature/lifecycle_runbook_vault.rs`. Built without
//! it, this binary holds one ignored test that says so instead of passing with nothing run.

#[cfg(feature = "vault")]
#[allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic
#[path = "with_feature/lifecycle_runbook_vault.rs"]
mod with_feature;

#[cfg(not(feature = "vault"))]
#[test]
#[ignore = "built without the `vault` feature: cargo test -p cosign-keys --features vault --test lifecycle_runbook_vault"]
fn needs_the_vault_feature() {}
