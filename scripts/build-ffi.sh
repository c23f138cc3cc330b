#!/usr/bin/env bash
# Builds the C ABI (libcosign_keys.so and libcosign_keys.a, release) and
# renders the pkg-config file into <target>/release/pkgconfig/. Honours
# CARGO_TARGET_DIR like cargo does. Prints the release directory on stdout
# (build output goes to stderr), for the C and Go test scripts:
#   libdir="$(scripts/build-ffi.sh)"
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"

cargo build --release --locked -p cosign-keys-ffi >&2

target_dir="$(cargo metadata --no-deps --format-version 1 --locked |
    grep -o '"target_directory":"[^"]*"' | cut -d'"' -f4)"
libdir="$target_dir/release"
for lib in libcosign_keys.a libcosign_keys.so; do
    [[ -f "$libdir/$lib" ]] || { echo "build-ffi.sh: $libdir/$lib was not built" >&2; exit 1; }
done

version="$(cargo metadata --no-deps --format-version 1 --locked |
    grep -o '"name":"cosign-keys-ffi","version":"[^"]*"' | cut -d'"' -f8)"
# What a static link of libcosign_keys.a needs besides it (rustc's
# `--print native-static-libs` for this target, Linux glibc).
libs_private="-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc"

mkdir -p "$libdir/pkgconfig"
sed -e "s|@PREFIX@|$root|" \
    -e "s|@LIBDIR@|$libdir|" \
    -e "s|@INCLUDEDIR@|$root/include|" \
    -e "s|@VERSION@|$version|" \
    -e "s|@LIBS_PRIVATE@|$libs_private|" \
    cosign-keys-ffi/cosign_keys.pc.in > "$libdir/pkgconfig/cosign_keys.pc"
echo "build-ffi.sh: $libdir/pkgconfig/cosign_keys.pc (version $version)" >&2
echo "$libdir"
