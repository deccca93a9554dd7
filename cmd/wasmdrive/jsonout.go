package main

import "reflect"

// jsonList returns v, or an empty slice of its type when v is a nil
// slice, so an empty list prints as [] rather than null.
func jsonList(v any) any {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Slice && rv.IsNil() {
		return reflect.MakeSlice(rv.Type(), 0, 0).Interface()
	}
	return v
}
