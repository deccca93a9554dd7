package openapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// TimeLayout is how the Open API writes times: UTC with milliseconds,
// "2024-01-02T03:04:05.678Z" (REFERENCE.md: iOS CreateFile.swift
// local_created_at, tickstep-api file_upload_api.go, alist upload.go).
const TimeLayout = "2006-01-02T15:04:05.000Z"

// Time is a time on the wire. It is sent in TimeLayout and accepts any RFC
// 3339 time back; "" and null (a permanent share's expiration) decode as the
// zero time, which is sent as "".
type Time struct{ time.Time }

// MarshalJSON writes TimeLayout, or "" for the zero time.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte(`""`), nil
	}
	return json.Marshal(t.UTC().Format(TimeLayout))
}

// UnmarshalJSON reads an RFC 3339 time with or without fractional seconds;
// "" and null are the zero time.
func (t *Time) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) || bytes.Equal(b, []byte(`""`)) {
		t.Time = time.Time{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("time %s: %w", b, err)
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("time %q is not RFC 3339 (the Open API writes %s): %w", s, TimeLayout, err)
	}
	t.Time = v
	return nil
}

// TimeOf returns a *Time for t, or nil when t is zero (an omitted field).
func TimeOf(t time.Time) *Time {
	if t.IsZero() {
		return nil
	}
	return &Time{t.UTC()}
}
