//go:build cosignkeys_dynamic

package cosignkeys

// With -tags cosignkeys_dynamic: link the shared library found through
// pkg-config (cosign_keys.pc, rendered by scripts/build-ffi.sh into
// <target>/release/pkgconfig). The library must then be on the loader's path
// at run time (LD_LIBRARY_PATH or an rpath).

// #cgo pkg-config: cosign_keys
import "C"
