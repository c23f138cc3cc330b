#!/usr/bin/env bash
# The error table is declared once, in cosign-keys/src/error.rs (`error_table!`).
# This script writes the bindings' copies of it:
#   cosign-keys-ffi/src/status/codes.rs   the CK_* constants (cosign-keys/examples/errtable.rs)
#   include/cosign_keys.h                 from those, by scripts/gen-header.sh (pinned cbindgen)
#   bindings/go/codes.go                  from the header, by bindings/go/internal/gencodes
#   cosign-keys-py/python/cosign_keys/errors.py   its ErrorCode enum and code -> class table
# Usage: scripts/gen-errtable.sh          regenerate them all
#        scripts/gen-errtable.sh --check  fail if a committed copy (other than the header,
#                                         which scripts/check-header.sh checks) is stale
set -euo pipefail
cd "$(dirname "$0")/.."

check=0
case "${1:-}" in
    --check) check=1 ;;
    "") ;;
    *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

ffi_codes=cosign-keys-ffi/src/status/codes.rs
py_errors=cosign-keys-py/python/cosign_keys/errors.py
go_codes=bindings/go/codes.go

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

cargo build --locked --quiet -p cosign-keys --example errtable
target_dir="$(cargo metadata --no-deps --format-version 1 --locked |
    grep -o '"target_directory":"[^"]*"' | cut -d'"' -f4)"
errtable="$target_dir/debug/examples/errtable"
"$errtable" ffi >"$tmp/codes.rs"
"$errtable" python "$py_errors" >"$tmp/errors.py"

# Go's codes.go is generated from the header; in check mode from the committed one.
header=include/cosign_keys.h
if [[ $check -eq 0 ]]; then
    cp "$tmp/codes.rs" "$ffi_codes"
    cp "$tmp/errors.py" "$py_errors"
    scripts/gen-header.sh
fi
have_go=0
if command -v go >/dev/null 2>&1; then
    have_go=1
    (cd bindings/go && GOTOOLCHAIN=local GOFLAGS=-buildvcs=false \
        go run ./internal/gencodes -header "../../$header" -out "$tmp/codes.go")
fi

if [[ $check -eq 0 ]]; then
    if [[ $have_go -eq 1 ]]; then
        cp "$tmp/codes.go" "$go_codes"
        echo "gen-errtable.sh: wrote $ffi_codes, $header, $py_errors and $go_codes"
    else
        echo "gen-errtable.sh: wrote $ffi_codes, $header and $py_errors; no go toolchain, $go_codes not written" >&2
    fi
    exit 0
fi

stale=0
for pair in "$ffi_codes:$tmp/codes.rs" "$py_errors:$tmp/errors.py"; do
    if ! diff -u "${pair%%:*}" "${pair#*:}"; then stale=1; fi
done
if [[ $have_go -eq 1 ]]; then
    diff -u "$go_codes" "$tmp/codes.go" || stale=1
else
    echo "gen-errtable.sh: no go toolchain; $go_codes not checked (bindings/go/run-tests.sh checks it)" >&2
fi
if [[ $stale -ne 0 ]]; then
    echo "gen-errtable.sh: a copy of the error table is stale; run scripts/gen-errtable.sh and commit" >&2
    exit 1
fi
echo "gen-errtable.sh: the bindings' copies of the error table are up to date"
