//! `azurekms://` against a real Azure Key Vault emulator (Lowkey Vault,
//! scripts/servers/azure-kv.sh) over verified TLS.
//!
//! Needs the environment of `eval "$(scripts/servers/azure-kv.sh env)"`
//! (`COSIGN_KEYS_TEST_AZURE_VAULT`, `COSIGN_KEYS_AZURE_TOKEN`,
//! `COSIGN_KEYS_AZURE_CA_BUNDLE`); without it every test is skipped with a
//! one-line reason, and fails when `COSIGN_KEYS_REQUIRE_AZURE=1`
//! (scripts/test.sh).
//!
//! The tests need the `azure` feature; their bodies live in `with_feature/azure.rs`. Built without
//! it, this binary holds one ignored test that says so instead of passing with nothing run.

#[cfg(feature = "azure")]
#[allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic
#[path = "with_feature/azure.rs"]
mod with_feature;

#[cfg(not(feature = "azure"))]
#[test]
#[ignore = "built without the `azure` feature: cargo test -p cosign-keys --features azure --test azure"]
fn needs_the_azure_feature() {}
