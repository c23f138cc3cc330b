#!/usr/bin/env bash
# Builds the C ABI (release), compiles the C tests and example with
# -Wall -Wextra -Werror, runs the tests under valgrind (no leaks, no invalid
# reads or writes, no use of uninitialised memory), and runs the example
# against the shared library found through the rendered pkg-config file.
# Honours CARGO_TARGET_DIR. Installs valgrind with apt-get if it is missing.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

step() { printf '\n==> %s\n' "$*"; }

if ! command -v valgrind >/dev/null 2>&1; then
    step "installing valgrind"
    apt-get update -qq && apt-get install -y -qq valgrind >/dev/null
fi
cc_bin="${CC:-cc}"

step "building the C ABI (release)"
libdir="$(scripts/build-ffi.sh)"
export PKG_CONFIG_PATH="$libdir/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
cflags=(-std=c11 -Wall -Wextra -Werror -O1 -g)

step "compiling the test (static library) and the example (shared library, via pkg-config)"
# Static: link the archive by path (the directory also holds the .so).
"$cc_bin" "${cflags[@]}" -I"$root/include" -I"$here/tests" "$here/tests/test_ck.c" \
    "$libdir/libcosign_keys.a" -lpthread -ldl -lm -lrt -lutil -o "$out/test_ck"
# shellcheck disable=SC2046 # pkg-config output is a list of flags
"$cc_bin" "${cflags[@]}" "$here/examples/sign.c" $(pkg-config --cflags --libs cosign_keys) \
    -Wl,-rpath,"$libdir" -o "$out/sign"

step "C tests under valgrind"
valgrind --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=1 \
    --track-origins=yes -q "$out/test_ck" "$root/tests/vectors"

step "C example"
mkdir "$out/keys"
"$out/sign" "$out/keys" "example password"
test "$(stat -c %a "$out/keys/cosign.key")" = 600

step "C lifecycle tests (keyring, audit, backup) under valgrind"
"$cc_bin" "${cflags[@]}" -I"$root/include" -I"$here/tests" "$here/tests/test_lifecycle.c" \
    "$libdir/libcosign_keys.a" -lpthread -ldl -lm -lrt -lutil -o "$out/test_lifecycle"
valgrind --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=1 \
    --track-origins=yes -q "$out/test_lifecycle"
