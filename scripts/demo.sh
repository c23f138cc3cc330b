#!/usr/bin/env bash
# The main job on the embedded default (a local directory, no server):
# generate a Cosign key pair, fingerprint it, sign a blob, verify it, and
# change the key's password. Keys go to ./cosign-keys-demo (or $1).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-cosign-keys-demo}"
cargo build --release --quiet --manifest-path "$root/Cargo.toml" -p cosign-keys-cli
ck="$root/target/release/cosign-keys"
mkdir -p "$out"
cd "$out"
export COSIGN_PASSWORD="${COSIGN_PASSWORD:-demo-password}"
[ -e cosign.key ] || "$ck" generate-key-pair
echo "--- fingerprint of cosign.pub (no password needed)"
"$ck" fingerprint --key cosign.pub
echo "--- sign and verify a blob"
echo "artifact built at $(date -u +%FT%TZ)" > artifact.txt
"$ck" sign-blob --key cosign.key --output-signature artifact.txt.sig artifact.txt >/dev/null
"$ck" verify-blob --key cosign.pub --signature artifact.txt.sig artifact.txt
echo "--- change the password (same key, same fingerprint)"
COSIGN_NEW_PASSWORD="$COSIGN_PASSWORD" "$ck" change-password --key cosign.key
"$ck" fingerprint --key cosign.key
echo "--- files in $(pwd)"
ls -l cosign.key cosign.pub artifact.txt artifact.txt.sig
