#!/usr/bin/env bash
# Fails if the committed include/cosign_keys.h differs from what the pinned
# cbindgen generates from the current cosign-keys-ffi sources.
set -euo pipefail
cd "$(dirname "$0")/.."

fresh="$(mktemp -d)/cosign_keys.h"
trap 'rm -rf "$(dirname "$fresh")"' EXIT
scripts/gen-header.sh "$fresh"
if ! diff -u include/cosign_keys.h "$fresh"; then
    echo "check-header.sh: include/cosign_keys.h is stale; run scripts/gen-header.sh and commit it" >&2
    exit 1
fi
echo "check-header.sh: include/cosign_keys.h is up to date"
