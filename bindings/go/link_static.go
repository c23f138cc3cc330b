//go:build !cosignkeys_dynamic

package cosignkeys

// Default: link libcosign_keys.a statically from the workspace's release
// build (scripts/build-ffi.sh, or `cargo build --release -p cosign-keys-ffi`),
// so binaries need no shared library at run time. The archive is named
// explicitly because the same directory also holds libcosign_keys.so. To use
// another build directory, prepend it: CGO_LDFLAGS=-L/path/to/release
// (run-tests.sh does this for CARGO_TARGET_DIR).

// #cgo LDFLAGS: -L${SRCDIR}/../../target/release -l:libcosign_keys.a -lpthread -ldl -lm -lrt -lutil
import "C"
