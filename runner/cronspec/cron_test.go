package cronspec

import (
	"strings"
	"testing"
	"time"
)

func TestParseCron(t *testing.T) {
	utc := time.UTC
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, utc)
	tests := []struct {
		spec    string
		next    time.Time
		wantErr string
	}{
		{spec: "*/5 * * * *", next: from.Add(5 * time.Minute)},
		{spec: "30 * * * * *", next: from.Add(30 * time.Second)},
		{spec: "@hourly", next: from.Add(time.Hour)},
		{spec: "@daily", next: from.Add(24 * time.Hour)},
		{spec: "@every 90s", next: from.Add(90 * time.Second)},
		{spec: "0 3 * * *", next: from.Add(3 * time.Hour)},
		{spec: "", wantErr: "empty"},
		{spec: "* * *", wantErr: "want 5 fields"},
		{spec: "61 * * * *", wantErr: "want 5 fields"},
		{spec: "TZ=Asia/Shanghai 0 3 * * *", wantErr: "timezone field"},
		{spec: "@fortnightly", wantErr: "want 5 fields"},
	}
	for _, tt := range tests {
		c, err := ParseCron(tt.spec, nil)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseCron(%q) err = %v, want %q", tt.spec, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseCron(%q): %v", tt.spec, err)
			continue
		}
		if got := c.Next(from); !got.Equal(tt.next) {
			t.Errorf("%q.Next(%v) = %v, want %v", tt.spec, from, got, tt.next)
		}
	}
}

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Skipf("time zone data for %s not available: %v", name, err)
	}
	return loc
}

// TestSlotsAcrossDST checks the Vixie-cron DST rules of Cron in Berlin
// (spring forward 2026-03-29 02:00→03:00, fall back 2026-10-25 03:00→02:00).
func TestSlotsAcrossDST(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	u := func(d, h, m int, month time.Month) time.Time { return time.Date(2026, month, d, h, m, 0, 0, time.UTC) }
	tests := []struct {
		name     string
		spec     string
		from, to time.Time
		want     []time.Time
	}{
		{"daily 02:30 on spring-forward day runs at 03:30 CEST", "30 2 * * *", u(27, 12, 0, 3), u(30, 12, 0, 3),
			[]time.Time{u(28, 1, 30, 3), u(29, 1, 30, 3), u(30, 0, 30, 3)}},
		{"daily 02:30 on fall-back day runs once", "30 2 * * *", u(24, 12, 0, 10), u(26, 12, 0, 10),
			[]time.Time{u(25, 0, 30, 10), u(26, 1, 30, 10)}},
		{"hourly runs every real hour on fall-back day", "0 * * * *", u(24, 22, 30, 10), u(25, 3, 30, 10),
			[]time.Time{u(24, 23, 0, 10), u(25, 0, 0, 10), u(25, 1, 0, 10), u(25, 2, 0, 10), u(25, 3, 0, 10)}},
		{"hourly skips the missing hour on spring-forward day", "0 * * * *", u(28, 23, 30, 3), u(29, 2, 30, 3),
			[]time.Time{u(29, 0, 0, 3), u(29, 1, 0, 3), u(29, 2, 0, 3)}},
		{"6-field every 20 minutes at second 10 across fall back", "10 */20 2 * * *", u(25, 0, 0, 10), u(25, 1, 59, 10),
			[]time.Time{u(25, 0, 0, 10).Add(10 * time.Second), u(25, 0, 20, 10).Add(10 * time.Second), u(25, 0, 40, 10).Add(10 * time.Second)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseCron(tt.spec, berlin)
			if err != nil {
				t.Fatal(err)
			}
			got := c.Slots(tt.from, tt.to, 0)
			if len(got) != len(tt.want) {
				t.Fatalf("slots = %v, want %v", got, tt.want)
			}
			for i := range got {
				if !got[i].Equal(tt.want[i]) {
					t.Fatalf("slot %d = %v (%v), want %v", i, got[i], got[i].In(berlin), tt.want[i])
				}
			}
		})
	}
}

func TestSlotsMax(t *testing.T) {
	c, _ := ParseCron("@every 1m", nil)
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	got := c.Slots(from, from.Add(10*time.Minute), 3)
	if len(got) != 3 || !got[2].Equal(from.Add(10*time.Minute)) {
		t.Fatalf("slots = %v, want the latest 3", got)
	}
}
