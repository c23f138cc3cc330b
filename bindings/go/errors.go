package cosignkeys

/*
#include "cosign_keys.h"
*/
import "C"

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unsafe"
)

// ErrorCode is a stable status code of the library: the same numbers as the
// C ABI's ck_status and the Rust core's ErrorCode (constants in codes.go,
// generated from the header).
type ErrorCode uint32

// String is the code's stable name, e.g. "DECRYPTION_FAILED".
func (c ErrorCode) String() string {
	if name := C.ck_status_name(C.ck_status(c)); name != nil {
		return C.GoString(name)
	}
	return fmt.Sprintf("ErrorCode(%d)", uint32(c))
}

// Error is every error this package returns: a stable code, a message that
// says what happened (never a password or key bytes) and the error's fields
// as data.
//
// Details is the "details" object of the core's error document (see
// ck_error_json): the error's fields by name, e.g. "record" for
// ErrAuditTampered, "status" for ErrBackend, "limit" and "variable" for
// ErrInputTooLarge, "expected" and "found" for ErrKeyMismatch. Numbers are
// json.Number. It is nil for errors made in Go (a closed handle).
//
// errors.Is(err, ErrX) compares codes, so it works with the sentinels of
// codes.go whatever the message.
type Error struct {
	Code    ErrorCode
	Msg     string
	Details map[string]any
}

func (e *Error) Error() string {
	if e.Msg == "" {
		return "cosignkeys: " + e.Code.String()
	}
	return fmt.Sprintf("cosignkeys: %s [%s]", e.Msg, e.Code)
}

// Is reports whether target is an *Error with the same code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// statusError turns a status and its optional error object into a Go error
// (nil for CK_OK), copying the message and freeing the object.
func statusError(st C.ck_status, cerr *C.ck_error) error {
	if st == C.CK_OK {
		if cerr != nil {
			C.ck_error_free(cerr)
		}
		return nil
	}
	e := &Error{Code: ErrorCode(st)}
	if cerr != nil {
		var doc struct {
			Message string         `json:"message"`
			Details map[string]any `json:"details"`
		}
		dec := json.NewDecoder(bytes.NewReader(errorJSON(cerr)))
		dec.UseNumber()
		if dec.Decode(&doc) == nil {
			e.Msg, e.Details = doc.Message, doc.Details
		}
		C.ck_error_free(cerr)
	}
	return e
}

// errorJSON copies the error document of cerr (ck_error_json).
func errorJSON(cerr *C.ck_error) []byte {
	var small [512]C.char
	n := C.ck_error_json(cerr, &small[0], C.size_t(len(small)))
	if int(n) < len(small) {
		return C.GoBytes(unsafe.Pointer(&small[0]), C.int(n))
	}
	big := make([]byte, int(n)+1)
	C.ck_error_json(cerr, (*C.char)(unsafe.Pointer(&big[0])), C.size_t(len(big)))
	return big[:n]
}

// closedError is what a method of a closed handle returns.
func closedError(what string) error {
	return &Error{Code: CodeHandleClosed, Msg: "the " + what + " is closed"}
}
