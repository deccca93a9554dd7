package openapi

import (
	"testing"
	"time"
)

// URLExpiry follows tickstep/aliyunpan internal/utils/utils.go
// GetExpiredTimeSecFromOSSUrl: V4 relative to x-oss-date, V2/V3 absolute,
// V1 Expires.
func TestURLExpiry(t *testing.T) {
	date := time.Date(2023, 12, 20, 8, 30, 18, 0, time.UTC)
	for _, tc := range []struct {
		name, url string
		want      time.Time
		ok        bool
	}{
		{"v4 relative", "https://h/o?x-oss-signature-version=OSS4-HMAC-SHA256&x-oss-date=20231220T083018Z&x-oss-expires=3600", date.Add(time.Hour), true},
		{"v4 no date", "https://h/o?x-oss-signature-version=OSS4-HMAC-SHA256&x-oss-expires=3600", time.Time{}, false},
		{"v2 absolute", "https://h/o?x-oss-signature-version=OSS2&x-oss-expires=1703064618", time.Unix(1703064618, 0), true},
		{"no version absolute", "https://h/o?x-oss-expires=1703064618", time.Unix(1703064618, 0), true},
		{"no version relative with date", "https://h/o?x-oss-date=20231220T083018Z&x-oss-expires=900", date.Add(900 * time.Second), true},
		{"v1", "https://h/o?Expires=1703064618&OSSAccessKeyId=k&Signature=s", time.Unix(1703064618, 0), true},
		{"none", "https://h/o", time.Time{}, false},
	} {
		got, ok := URLExpiry(tc.url)
		if ok != tc.ok || !got.Equal(tc.want) {
			t.Errorf("%s: URLExpiry = %v, %v; want %v, %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}

// Times go out with milliseconds and "" reads as the zero time.
func TestTimeJSON(t *testing.T) {
	b, _ := Time{time.Date(2024, 1, 2, 3, 4, 5, 678123456, time.UTC)}.MarshalJSON()
	if string(b) != `"2024-01-02T03:04:05.678Z"` {
		t.Fatalf("marshal = %s", b)
	}
	var v Time
	if err := v.UnmarshalJSON([]byte(`""`)); err != nil || !v.IsZero() {
		t.Fatalf(`"" = %v, %v`, v, err)
	}
	if err := v.UnmarshalJSON([]byte(`"2024-01-02T03:04:05.678Z"`)); err != nil || v.Nanosecond() != 678e6 {
		t.Fatalf("ms = %v, %v", v, err)
	}
}
