package main

import (
	"encoding/json"
	"io"
	"reflect"
)

// jsonList returns v, or an empty slice of its type when v is a nil
// slice, so an empty list prints as [] rather than null.
func jsonList(v any) any {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Slice && rv.IsNil() {
		return reflect.MakeSlice(rv.Type(), 0, 0).Interface()
	}
	return v
}

// writeJSONLine writes v as one compact JSON object and a newline: a
// line of NDJSON (JSON Lines), for outputs that stream records such as
// `runs logs --json`.
func writeJSONLine(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
