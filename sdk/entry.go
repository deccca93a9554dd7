package sdk

import (
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"

	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// Ctx is what an entry point receives: the call's input (the run's event
// or the caller's JSON).
type Ctx struct {
	input []byte
}

// Input returns the raw input bytes.
func (c Ctx) Input() []byte { return c.input }

// Decode unmarshals the JSON input into v; an empty input leaves v alone.
func (c Ctx) Decode(v any) error {
	if len(c.input) == 0 {
		return nil
	}
	if err := json.Unmarshal(c.input, v); err != nil {
		return fmt.Errorf("decode input: %w", err)
	}
	return nil
}

// Handler is an entry point's body: it returns the output (JSON-encoded
// unless it is []byte or json.RawMessage; nil for none) or an error.
type Handler func(ctx Ctx) (any, error)

// runHandler runs h on input, turning a panic into an error, and returns
// the output bytes. It is Run's logic, kept free of host calls so it is
// testable natively.
func runHandler(input []byte, h Handler) (out []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("plugin panic: %v\n%s", r, debug.Stack())
		}
	}()
	res, err := h(Ctx{input: input})
	if err != nil {
		return nil, err
	}
	return encodeOutput(res)
}

// failureText is what Run sets as a failed entry's error (extism
// SetError). When err wraps a host function's answer (an *Error), it is
// that answer's abi.Error as JSON, with err's whole text as the message,
// so the host keeps the class: a permission_denied or invalid_argument
// the plugin returned fails the run at once instead of being retried.
// Any other error is its text.
func failureText(err error) string {
	var he *Error
	if !errors.As(err, &he) || he.Code == "" {
		return err.Error()
	}
	b, jerr := json.Marshal(abi.Error{Code: he.Code, Message: err.Error(), Retryable: he.Retryable})
	if jerr != nil {
		return err.Error()
	}
	return string(b)
}

// encodeOutput encodes an entry point's result.
func encodeOutput(res any) ([]byte, error) {
	switch v := res.(type) {
	case nil:
		return nil, nil
	case []byte:
		return v, nil
	case json.RawMessage:
		return v, nil
	}
	b, err := json.Marshal(res)
	if err != nil {
		return nil, fmt.Errorf("encode output: %w", err)
	}
	return b, nil
}
