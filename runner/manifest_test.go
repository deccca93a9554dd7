package runner

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

const goodManifest = `
name: backup
version: 1.2.0
description: back up folders
exports:
  - run
  - name: verify
    description: check the last backup
triggers:
  - schedule: "0 3 * * *"
    timezone: Asia/Shanghai
    catchup: latest
    overlap: queue
  - subject: drive.events.>
    entry: verify
    input: {full: true, paths: [/a, /b]}
config:
  target: {type: string, default: /backup}
  sources: {type: list, items: string, required: true}
  every: {type: duration, default: 90}
limits:
  timeout: 2m
  max_instances: 2
`

func TestParseManifestGood(t *testing.T) {
	m, err := ParseManifest("dir", []byte(goodManifest))
	if err != nil {
		t.Fatal(err)
	}
	if m.Name != "backup" || m.Entry != "run" || len(m.Exports) != 2 || m.Exports[1].Description == "" {
		t.Fatalf("manifest = %+v", m)
	}
	if m.Limits.Timeout.D() != 2*time.Minute || m.Limits.MaxInstances != 2 || m.Limits.MemoryPages != DefaultMemoryPages ||
		m.Limits.MaxInputBytes != DefaultMaxInputBytes || m.Limits.Backoff.D() != DefaultBackoff {
		t.Fatalf("limits = %+v", m.Limits)
	}
	t0, t1 := m.Triggers[0], m.Triggers[1]
	if t0.Entry != "run" || t0.Catchup != CatchupLatest || t0.Overlap != OverlapQueue || t0.CatchupWindow.D() != DefaultCatchupWindow {
		t.Fatalf("trigger 0 = %+v", t0)
	}
	if t1.Entry != "verify" || t1.Overlap != OverlapSkip || string(t1.Input) != `{"full":true,"paths":["/a","/b"]}` {
		t.Fatalf("trigger 1 = %+v input %s", t1, t1.Input)
	}
	if m.Config["every"].Default != "1m30s" {
		t.Fatalf("duration default = %v", m.Config["every"].Default)
	}
}

func TestParseManifestErrors(t *testing.T) {
	base := "name: p\nversion: 1\nexports: [run]\n"
	tests := []struct {
		name, yaml, want string
	}{
		{"empty", "", "plugin.yaml is empty"},
		{"unknown top key", base + "colour: red\n", `unknown key "colour"`},
		{"unknown limits key", base + "limits: {memry_pages: 3}\n", `unknown key "memry_pages"`},
		{"unknown export key", "name: p\nversion: 1\nexports: [{name: run, args: 1}]\n", `unknown key "args" in exports item`},
		{"no name", "version: 1\nexports: [run]\n", "plugin dir: name: is required"},
		{"bad name", "name: Bad Name\nversion: 1\nexports: [run]\n", "name: \"Bad Name\" must be lower-case"},
		{"no version", "name: p\nexports: [run]\n", "plugin p: version: is required"},
		{"no exports", "name: p\nversion: 1\n", "exports: list at least one"},
		{"reserved export", "name: p\nversion: 1\nexports: [_initialize]\n", "reserved"},
		{"duplicate export", "name: p\nversion: 1\nexports: [a, a]\n", "listed twice"},
		{"bad entry", base + "entry: nope\n", "entry: \"nope\" is not one of the exports"},
		{"wasm escapes", base + "wasm: ../x.wasm\n", "wasm: \"../x.wasm\" must be a relative path"},
		{"wasm absolute", base + "wasm: /x.wasm\n", "must be a relative path"},
		{"bad timeout", base + "limits: {timeout: soon}\n", `"soon" is not a duration`},
		{"negative timeout", base + "limits: {timeout: -1s}\n", "limits.timeout"},
		{"too many pages", base + "limits: {memory_pages: 70000}\n", "limits.memory_pages"},
		{"too many instances", base + "limits: {max_instances: 1000}\n", "limits.max_instances"},
		{"trigger neither", base + "triggers: [{entry: run}]\n", "triggers[0]: needs a subject or a schedule"},
		{"trigger both", base + "triggers: [{subject: a, schedule: '@daily'}]\n", "has both"},
		{"bad cron", base + "triggers: [{schedule: '61 * * * *'}]\n", "triggers[0].schedule"},
		{"bad tz", base + "triggers: [{schedule: '@daily', timezone: Mars/Base}]\n", "triggers[0].timezone"},
		{"bad catchup", base + "triggers: [{schedule: '@daily', catchup: some}]\n", "triggers[0].catchup: \"some\""},
		{"bad overlap", base + "triggers: [{subject: a.b, overlap: maybe}]\n", "triggers[0].overlap"},
		{"catchup on subject", base + "triggers: [{subject: a.b, catchup: all}]\n", "applies only to a schedule"},
		{"bad subject", base + "triggers: [{subject: 'a..b'}]\n", "empty token"},
		{"bad wildcard", base + "triggers: [{subject: 'a.>.b'}]\n", "must be the last token"},
		{"trigger entry", base + "triggers: [{subject: a, entry: x}]\n", "triggers[0].entry"},
		{"config no type", base + "config: {a: {default: 1}}\n", "config.a.type: is required"},
		{"config bad type", base + "config: {a: {type: float}}\n", "config.a.type: \"float\""},
		{"config bad default", base + "config: {a: {type: int, default: abc}}\n", "config.a.default: want an integer"},
		{"config required+default", base + "config: {a: {type: int, default: 1, required: true}}\n", "config.a.required"},
		{"two documents", base + "---\nname: q\n", "one YAML document"},
		{"not a mapping", "- a\n- b\n", "plugin dir:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseManifest("dir", []byte(tc.yaml))
			if err == nil {
				t.Fatalf("no error; want %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not contain %q", err, tc.want)
			}
			var me *ManifestError
			if !errors.As(err, &me) {
				t.Fatalf("error %T is not a *ManifestError", err)
			}
		})
	}
}

func TestApplyConfig(t *testing.T) {
	m, err := ParseManifest("dir", []byte(goodManifest))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		values map[string]any
		want   string // JSON, or "error: substring"
	}{
		{"defaults", map[string]any{"sources": []any{"/x"}}, `{"every":"1m30s","sources":["/x"],"target":"/backup"}`},
		{"env strings", map[string]any{"sources": "/x, /y", "every": "2h"}, `{"every":"2h0m0s","sources":["/x","/y"],"target":"/backup"}`},
		{"missing required", map[string]any{}, "error: config.sources: is required"},
		{"unknown key", map[string]any{"sources": []any{}, "colour": 1}, `error: config.colour: unknown key`},
		{"wrong type", map[string]any{"sources": []any{}, "target": []any{1}}, "error: config.target: want string, got a list"},
		{"bad item", map[string]any{"sources": []any{map[string]any{}}}, "error: config.sources: item 0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := m.ApplyConfig(tc.values)
			if want, isErr := strings.CutPrefix(tc.want, "error: "); isErr {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Fatalf("err = %v, want %q", err, want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Fatalf("config = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestCoerceScalar(t *testing.T) {
	tests := []struct {
		typ  string
		in   any
		want any
		ok   bool
	}{
		{TypeInt, "42", int64(42), true},
		{TypeInt, 4.5, nil, false},
		{TypeInt, 7, int64(7), true},
		{TypeNumber, "1.5", 1.5, true},
		{TypeNumber, "NaN", nil, false},
		{TypeBool, "true", true, true},
		{TypeBool, "yes", nil, false},
		{TypeString, 3, "3", true},
		{TypeDuration, "1h", "1h0m0s", true},
		{TypeDuration, true, nil, false},
		{TypeObject, map[string]any{"a": 1}, map[string]any{"a": 1}, true},
		{TypeObject, "x", nil, false},
	}
	for _, tc := range tests {
		got, err := coerceScalar(tc.typ, tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("%s %v: err = %v", tc.typ, tc.in, err)
			continue
		}
		if tc.ok {
			a, _ := json.Marshal(got)
			b, _ := json.Marshal(tc.want)
			if string(a) != string(b) {
				t.Errorf("%s %v = %s, want %s", tc.typ, tc.in, a, b)
			}
		}
	}
}

func TestParseTriggers(t *testing.T) {
	m, err := ParseManifest("dir", []byte(goodManifest))
	if err != nil {
		t.Fatal(err)
	}
	ts, err := ParseTriggers(m, []map[string]any{{"schedule": "@every 5m", "overlap": "allow"}})
	if err != nil || len(ts) != 1 || ts[0].Entry != "run" || ts[0].Overlap != OverlapAllow {
		t.Fatalf("triggers = %+v, %v", ts, err)
	}
	// The manifest accepts what the scheduler accepts: 6 fields have seconds first.
	for _, spec := range []string{"*/10 * * * * *", "0 30 2 * * 1-5", "@hourly", "0 3 * * *"} {
		if _, err := ParseTriggers(m, []map[string]any{{"schedule": spec}}); err != nil {
			t.Errorf("schedule %q: %v", spec, err)
		}
	}
	if _, err := ParseTriggers(m, []map[string]any{{"schedul": "@daily"}}); err == nil || !strings.Contains(err.Error(), `unknown key "schedul"`) {
		t.Fatalf("err = %v", err)
	}
}

func TestLocalRelPath(t *testing.T) {
	for p, want := range map[string]bool{
		"a.wasm": true, "build/a.wasm": true, "./a.wasm": true, "a/../b.wasm": true,
		"": false, "/a": false, "../a": false, "a/../../b": false, ".": false, "a/..": false,
	} {
		if got := localRelPath(p); got != want {
			t.Errorf("localRelPath(%q) = %v, want %v", p, got, want)
		}
	}
}

func FuzzParseManifest(f *testing.F) {
	f.Add([]byte(goodManifest))
	f.Add([]byte("name: p\nversion: 1\nexports: [run]\nlimits: {timeout: 1}\n"))
	f.Add([]byte("name: p\nversion: 1\nexports: [{name: a}]\ntriggers: [{subject: a.*}]\nconfig: {x: {type: list, items: int, default: [1]}}\n"))
	f.Add([]byte("&a [*a]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseManifest("fuzz", data)
		if err != nil {
			if m != nil {
				t.Fatal("manifest and error")
			}
			return
		}
		if m.Entry == "" || !m.HasExport(m.Entry) || m.Limits.MemoryPages == 0 || m.Limits.Timeout <= 0 || m.Limits.MaxInstances <= 0 {
			t.Fatalf("valid manifest without defaults: %+v", m)
		}
		if _, err := json.Marshal(m); err != nil {
			t.Fatalf("manifest does not marshal: %v", err)
		}
		if _, err := m.ApplyConfig(nil); err != nil && !strings.Contains(err.Error(), "is required") {
			t.Fatalf("defaults do not apply: %v", err)
		}
	})
}

// FuzzApplyConfig feeds operator values (as YAML, the way koanf reads
// them) to a schema: errors are fine, panics and unencodable configs not.
func FuzzApplyConfig(f *testing.F) {
	f.Add([]byte("sources: [/a, /b]\nevery: 2h\ntarget: x\n"))
	f.Add([]byte("sources: \"/a,/b\"\nevery: 7\n"))
	f.Add([]byte("sources: [{a: 1}]\ntarget: {x: y}\n"))
	m, err := ParseManifest("fuzz", []byte(goodManifest))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var values map[string]any
		if yaml.Unmarshal(data, &values) != nil {
			return
		}
		out, err := m.ApplyConfig(values)
		if err == nil && !json.Valid(out) {
			t.Fatalf("invalid config JSON %q", out)
		}
	})
}
