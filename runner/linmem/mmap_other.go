//go:build !linux

package linmem

import "errors"

const supported = false

func reserve(int) ([]byte, error) { return nil, errors.New("linmem: not supported") }
func release([]byte)              {}
func unmap([]byte)                {}
