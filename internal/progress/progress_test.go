package progress

import (
	"bytes"
	"testing"
	"time"
)

func TestBytes(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{
		{0, "0 B"}, {1023, "1023 B"}, {1024, "1.0 KiB"}, {1536, "1.5 KiB"},
		{430 << 20, "430 MiB"}, {1 << 30, "1.0 GiB"}, {5 << 40, "5.0 TiB"},
	}
	for _, tt := range tests {
		if got := Bytes(tt.n); got != tt.want {
			t.Errorf("Bytes(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}

func TestETA(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"}, {45 * time.Second, "45s"}, {185 * time.Second, "3m05s"}, {130 * time.Minute, "2h10m"},
	}
	for _, tt := range tests {
		if got := ETA(tt.d); got != tt.want {
			t.Errorf("ETA(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestLine(t *testing.T) {
	var buf bytes.Buffer
	b := New(&buf, "put", 1000<<20)
	b.Add(250 << 20)
	b.FileDone()
	got := b.Line(b.start.Add(5 * time.Second))
	want := "put  25% [#####...............]  250 MiB / 1000 MiB  50 MiB/s  ETA 15s  1 files"
	if got != want {
		t.Fatalf("line\n got %q\nwant %q", got, want)
	}
	b.Finish()
	if buf.Len() != 0 {
		t.Fatalf("a bar on a non-terminal wrote %q", buf.String())
	}
}

func TestLineUnknownTotal(t *testing.T) {
	b := New(&bytes.Buffer{}, "get", 0)
	b.Add(2048)
	if got, want := b.Line(b.start.Add(time.Second)), "get  2.0 KiB  2.0 KiB/s"; got != want {
		t.Fatalf("got %q want %q", got, want)
	}
}
