package cosignkeys

/*
#include "cosign_keys.h"
*/
import "C"

import (
	"runtime"
	"sync"
)

// handle owns one C object for a Go wrapper type: the pointer (nil once
// closed), how to free it, and a read-write lock so that Close never frees
// the object while another goroutine is using it. P is the C pointer type
// (cgo's opaque structs are incomplete, so the pointer is the parameter).
type handle[P comparable] struct {
	mu   sync.RWMutex
	ptr  P
	free func(P)
	name string
}

// release frees the C object once; it reports whether it did.
func (h *handle[P]) release() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	var closed P
	if h.ptr == closed {
		return false
	}
	h.free(h.ptr)
	h.ptr = closed
	return true
}

// use runs f with the live pointer under the read lock.
func (h *handle[P]) use(f func(p P) error) error {
	h.mu.RLock()
	defer h.mu.RUnlock()
	var closed P
	if h.ptr == closed {
		return closedError(h.name)
	}
	err := f(h.ptr)
	// h points into the wrapper, so this keeps the wrapper (and its
	// finalizer) from running until the C call has returned.
	runtime.KeepAlive(h)
	return err
}

// bufCall runs a C function that fills a ck_buf, returning its bytes.
func (h *handle[P]) bufCall(f func(p P, out **C.ck_buf, cerr **C.ck_error) C.ck_status) ([]byte, error) {
	var result []byte
	err := h.use(func(p P) error {
		var out *C.ck_buf
		var cerr *C.ck_error
		if err := statusError(f(p, &out, &cerr), cerr); err != nil {
			return err
		}
		result = takeBuf(out)
		return nil
	})
	return result, err
}
