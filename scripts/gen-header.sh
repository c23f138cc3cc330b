#!/usr/bin/env bash
# Regenerates include/cosign_keys.h from cosign-keys-ffi with a pinned
# cbindgen (installed into the cargo bin dir if missing or another version).
# Usage: scripts/gen-header.sh [OUTPUT]   (default: include/cosign_keys.h)
set -euo pipefail
cd "$(dirname "$0")/.."

CBINDGEN_VERSION="0.29.2"
out="${1:-include/cosign_keys.h}"

cbindgen_bin="$(command -v cbindgen || true)"
if [[ -z "$cbindgen_bin" ]] || [[ "$("$cbindgen_bin" --version)" != "cbindgen $CBINDGEN_VERSION" ]]; then
    echo "gen-header.sh: installing cbindgen $CBINDGEN_VERSION" >&2
    cargo install cbindgen --locked --version "$CBINDGEN_VERSION" >&2
    cbindgen_bin="${CARGO_HOME:-$HOME/.cargo}/bin/cbindgen"
fi

mkdir -p "$(dirname "$out")"
"$cbindgen_bin" --quiet --config cosign-keys-ffi/cbindgen.toml --crate cosign-keys-ffi \
    --output "$out" cosign-keys-ffi
