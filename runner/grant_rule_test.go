package runner

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/wasmdrive/wasmdrive/hostfuncs"
)

// TestEffectiveGrantRule: operator grants narrow the sections they set and
// keep the ones they leave out; kv stays; grants.extend adds; a bad grant
// names its key (README, "Grants"). Before, setting only local.read took
// away the drive, kv and emit the backup plugin declared.
func TestEffectiveGrantRule(t *testing.T) {
	m := &Manifest{Name: "backup", Capabilities: Grant{
		Functions: []string{"drive.read", "drive.write", "local", "kv", "emit"},
		Drive:     hostfuncs.DriveGrant{Read: []string{"/"}, Write: []string{"/"}},
		Local:     hostfuncs.LocalGrant{Read: []string{"/"}, Write: []string{"/"}},
		Emit:      []string{"backup.>"},
	}}
	tests := []struct {
		name, operator, want, wantErr string
	}{
		{"no operator grants", `null`,
			`{"functions":["drive.read","drive.write","local","kv","emit"],"drive":{"read":["/"],"write":["/"]},"local":{"read":["/"],"write":["/"]},"emit":["backup.>"]}`, ""},
		{"narrowing one path keeps the rest", `{"local":{"read":["/home/team/shared"]}}`,
			`{"functions":["drive.read","drive.write","local","kv","emit"],"drive":{"read":["/"],"write":["/"]},"local":{"read":["/home/team/shared"],"write":["/"]},"emit":["backup.>"]}`, ""},
		{"an empty list takes a section away", `{"drive":{"write":[]},"local":{"write":[]}}`,
			`{"functions":["drive.read","drive.write","local","kv","emit"],"drive":{"read":["/"]},"local":{"read":["/"]},"emit":["backup.>"]}`, ""},
		{"narrowing functions keeps kv", `{"functions":["drive.read"]}`,
			`{"functions":["drive.read","wd_kv_get","wd_kv_put","wd_kv_delete","wd_kv_list"],"drive":{"read":["/"],"write":["/"]},"local":{"read":["/"],"write":["/"]},"emit":["backup.>"]}`, ""},
		{"a subject outside the declared one is not granted by narrowing", `{"emit":["other.>"]}`,
			`{"functions":["drive.read","drive.write","local","kv","emit"],"drive":{"read":["/"],"write":["/"]},"local":{"read":["/"],"write":["/"]}}`, ""},
		{"extend adds", `{"drive":{"read":["/Backup"]},"extend":{"emit":["other.>"],"drive":{"share":["/Backup"]}}}`,
			`{"functions":["drive.read","drive.write","local","kv","emit"],"drive":{"read":["/Backup"],"write":["/"],"share":["/Backup"]},"local":{"read":["/"],"write":["/"]},"emit":["backup.>","other.>"]}`, ""},
		{"bad function", `{"functions":["nope"]}`, "", `plugin backup: plugins.enabled.backup.grants: functions: "nope" is not a host function`},
		{"bad extend path", `{"extend":{"local":{"read":["rel"]}}}`, "", `plugins.enabled.backup.grants.extend: local.read: "rel" must be an absolute path`},
		{"unknown key", `{"fuctions":["kv"]}`, "", `plugins.enabled.backup.grants: json: unknown field "fuctions"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var op map[string]any
			if err := json.Unmarshal([]byte(tc.operator), &op); err != nil {
				t.Fatal(err)
			}
			g, err := EffectiveGrant(m, op)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(g); err != nil {
				t.Fatal(err)
			}
			if got := strings.TrimSpace(b.String()); got != tc.want {
				t.Fatalf("grant = %s\nwant    %s", got, tc.want)
			}
		})
	}
}
