//! `awskms://` against a real moto server over HTTPS (scripts/servers/moto.sh).
//!
//! Needs the environment of `eval "$(scripts/servers/moto.sh env)"`
//! (`COSIGN_KEYS_TEST_AWSKMS_ENDPOINT`, `AWS_*`, `AWS_CA_BUNDLE`); without
//! `COSIGN_KEYS_TEST_AWSKMS_ENDPOINT` every test is skipped with a message.
//! scripts/test.sh always starts moto, so nothing is skipped there.
//!
//! moto 5.2.5 (the newest release) ignores `MessageType=DIGEST` and signs
//! `hash(digest)` instead (tests/servers/NOTES.md). Blob signing avoids it
//! (RAW up to 4096 bytes); where a digest is sent, [`assert_signs_digest`]
//! accepts either a correct signature over the digest or exactly moto's
//! known deviation, so the right digest still has to reach the server.
//!
//! The tests need the `aws` feature; their bodies live in `with_feature/awskms.rs`. Built without
//! it, this binary holds one ignored test that says so instead of passing with nothing run.

#[cfg(feature = "aws")]
#[allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic
#[path = "with_feature/awskms.rs"]
mod with_feature;

#[cfg(not(feature = "aws"))]
#[test]
#[ignore = "built without the `aws` feature: cargo test -p cosign-keys --features aws --test awskms"]
fn needs_the_aws_feature() {}
