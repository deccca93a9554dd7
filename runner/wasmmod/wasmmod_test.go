package wasmmod

import (
	"errors"
	"os"
	"slices"
	"testing"
)

func TestInspect(t *testing.T) {
	b, err := os.ReadFile("testdata/min.wasm") // wat2wasm testdata/min.wat
	if err != nil {
		t.Fatal(err)
	}
	info, err := Inspect(b)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"_initialize", "run"}; !slices.Equal(info.Exports, want) {
		t.Errorf("exports = %v, want %v", info.Exports, want)
	}
	if want := []string{"extism:host/env.input_length", "extism:host/user.wd_drive_get"}; !slices.Equal(info.Imports, want) {
		t.Errorf("imports = %v, want %v", info.Imports, want)
	}
}

func TestInspectErrors(t *testing.T) {
	good, err := os.ReadFile("testdata/min.wasm")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"bad magic", []byte("\x00asX\x01\x00\x00\x00")},
		{"bad version", []byte("\x00asm\x02\x00\x00\x00")},
		{"truncated", good[:len(good)-3]},
		{"section past end", append([]byte("\x00asm\x01\x00\x00\x00"), 7, 100, 1)},
		{"long leb", append([]byte("\x00asm\x01\x00\x00\x00"), 7, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01)},
		{"huge count", append([]byte("\x00asm\x01\x00\x00\x00"), 7, 5, 0xff, 0xff, 0xff, 0xff, 0x0f)},
	}
	for _, tc := range tests {
		if _, err := Inspect(tc.in); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	if _, err := Inspect([]byte("hello world")); !errors.Is(err, ErrNotWasm) {
		t.Errorf("err = %v, want ErrNotWasm", err)
	}
}

func FuzzInspect(f *testing.F) {
	if b, err := os.ReadFile("testdata/min.wasm"); err == nil {
		f.Add(b)
	}
	f.Add([]byte("\x00asm\x01\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := Inspect(b)
		if err == nil && info == nil {
			t.Fatal("nil info without error")
		}
	})
}
