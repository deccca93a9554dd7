package sdk

import (
	"encoding/json"
	"fmt"

	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// transport sends one request to host function fn and returns the envelope
// bytes (or, when binary is set and the host offers it, a binary answer:
// abi.CallBinary). It is the only place the guest touches the host: set by
// host_wasip1.go inside Wasm, and by tests natively.
var transport func(fn string, binary bool, req []byte) ([]byte, error)

// reqBuf is the buffer requests are encoded into (see call).
var reqBuf = make([]byte, 0, 512)

// call encodes req (nil for none), calls fn and decodes the envelope's
// result into res (nil to ignore it).
func call(fn string, req, res any) error {
	if transport == nil {
		return &Error{Func: fn, Code: abi.CodeInternal, Message: "not running inside a wasmdrive host (build with GOOS=wasip1)"}
	}
	var in []byte
	if req != nil {
		var err error
		var ok bool
		// Requests are encoded into one reused buffer: a call completes
		// before the next starts (the host copies what it keeps), and an
		// allocation costs far more inside Wasm than natively.
		if in, ok = appendRequest(reqBuf[:0], req); ok {
			if cap(in) <= 64<<10 { // keep a big batch's buffer no longer than its call
				reqBuf = in
			}
		} else if in, err = json.Marshal(req); err != nil {
			return &Error{Func: fn, Code: abi.CodeInvalidArgument, Message: "encode request: " + err.Error()}
		}
	}
	out, err := transport(fn, binaryResult(res), in)
	if err != nil {
		return &Error{Func: fn, Code: abi.CodeInternal, Message: err.Error()}
	}
	return decodeEnvelope(fn, out, res)
}

// envelopeInto decodes an envelope and its result in one pass: Result
// holds the caller's pointer, so encoding/json fills it directly (the result
// bytes are scanned once, not copied out and scanned again; scanning is the
// dominant cost of a host call inside Wasm).
type envelopeInto struct {
	OK     bool       `json:"ok"`
	Result any        `json:"result"`
	Error  *abi.Error `json:"error"`
}

// binaryResult reports whether res has a binary form (abi.CallBinary).
func binaryResult(res any) bool {
	switch res.(type) {
	case *File, *ListResult:
		return true
	}
	return false
}

// decodeBinary decodes a binary answer into res.
func decodeBinary(fn string, out []byte, res any) error {
	var err error
	switch r := res.(type) {
	case *File:
		err = abi.DecodeFile(out, r)
	case *ListResult:
		err = abi.DecodeList(out, r)
	default:
		err = fmt.Errorf("unexpected binary answer for %T", res)
	}
	if err != nil {
		return &Error{Func: fn, Code: abi.CodeInternal, Message: fmt.Sprintf("decode %s answer: %v", fn, err)}
	}
	return nil
}

// decodeEnvelope turns an envelope (or a binary answer) into res or an
// *Error.
func decodeEnvelope(fn string, out []byte, res any) error {
	if len(out) > 0 && out[0] == abi.BinaryOK {
		return decodeBinary(fn, out, res)
	}
	env, ok := fastEnvelope(out, res)
	if !ok {
		env = envelopeInto{Result: res}
		if res == nil {
			env.Result = &skipValue{}
		}
		if err := json.Unmarshal(out, &env); err != nil {
			return &Error{Func: fn, Code: abi.CodeInternal, Message: fmt.Sprintf("decode %s answer: %v", fn, err)}
		}
	}
	if !env.OK {
		if env.Error == nil {
			return &Error{Func: fn, Code: abi.CodeInternal, Message: "host answered ok=false without an error"}
		}
		return &Error{Func: fn, Code: env.Error.Code, Message: env.Error.Message, Retryable: env.Error.Retryable}
	}
	return nil
}

// skipValue accepts and ignores any JSON value.
type skipValue struct{}

// UnmarshalJSON ignores the value.
func (*skipValue) UnmarshalJSON([]byte) error { return nil }
