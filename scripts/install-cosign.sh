#!/usr/bin/env bash
# Build pinned upstream cosign releases (v2 and v3) from source with the local Go toolchain.
#
# Each version goes into its own cache dir:
#   ${COSIGN_KEYS_CACHE:-$HOME/.cache/cosign-keys}/cosign/<version>/bin/cosign
# Idempotent: a version whose binary already exists and runs `cosign version` is skipped.
# On success prints, one per line (suitable for `eval "$(scripts/install-cosign.sh)"`):
#   COSIGN_V2=/path/to/cosign
#   COSIGN_V3=/path/to/cosign
# Build logs go to stderr.
#
# Pins were chosen with `go list -m -versions github.com/sigstore/cosign/v2` (and /v3)
# against the Go module proxy; bump them deliberately.
set -euo pipefail

COSIGN_V2_VERSION="v2.6.5"
COSIGN_V3_VERSION="v3.1.3"

CACHE_ROOT="${COSIGN_KEYS_CACHE:-$HOME/.cache/cosign-keys}/cosign"

if ! command -v go >/dev/null 2>&1; then
    echo "install-cosign.sh: 'go' not found in PATH" >&2
    exit 1
fi

# Build one cosign release; prints the binary path on stdout.
build_cosign() {
    local module="$1" version="$2"
    local dir="$CACHE_ROOT/$version"
    local bin="$dir/bin/cosign"

    if [[ -x "$bin" ]] && "$bin" version >/dev/null 2>&1; then
        echo "install-cosign.sh: cosign $version already built at $bin" >&2
        printf '%s\n' "$bin"
        return 0
    fi

    echo "install-cosign.sh: building $module@$version (this takes several minutes)..." >&2
    mkdir -p "$dir/bin"
    local start=$SECONDS
    # GOBIN: install target. GOFLAGS=-mod=mod: resolve deps from the module's own go.mod.
    # GOTOOLCHAIN=local: never download another Go toolchain; use the installed one.
    # CGO_ENABLED=0: pure Go build, no C toolchain needed.
    if ! GOBIN="$dir/bin" GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0 \
        go install "$module/cmd/cosign@$version" >&2; then
        echo "install-cosign.sh: build of $module@$version failed" >&2
        return 1
    fi
    if ! "$bin" version >/dev/null 2>&1; then
        echo "install-cosign.sh: $bin built but 'cosign version' fails" >&2
        return 1
    fi
    echo "install-cosign.sh: built cosign $version in $((SECONDS - start))s" >&2
    printf '%s\n' "$bin"
}

v2_bin="$(build_cosign github.com/sigstore/cosign/v2 "$COSIGN_V2_VERSION")"
v3_bin="$(build_cosign github.com/sigstore/cosign/v3 "$COSIGN_V3_VERSION")"

printf 'COSIGN_V2=%s\n' "$v2_bin"
printf 'COSIGN_V3=%s\n' "$v3_bin"
