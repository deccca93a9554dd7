package pluginconf

import (
	"reflect"
	"testing"
)

type rule struct {
	Name     string `json:"name"`
	Conflict string `json:"conflict"`
}

type conf struct {
	Rules  []rule `json:"rules"`
	DryRun bool   `json:"dry_run"`
	Target string `json:"target"`
}

func TestMerge(t *testing.T) {
	cfg := []byte(`{"rules":[{"name":"a","conflict":"rename"}],"dry_run":false,"target":"/t"}`)
	tests := []struct {
		input string
		want  conf
	}{
		{``, conf{Rules: []rule{{"a", "rename"}}, Target: "/t"}},
		{`null`, conf{Rules: []rule{{"a", "rename"}}, Target: "/t"}},
		{`{"dry_run":true}`, conf{Rules: []rule{{"a", "rename"}}, DryRun: true, Target: "/t"}},
		// The input's list replaces the config's: no field of rule "a" leaks in.
		{`{"rules":[{"name":"b"}]}`, conf{Rules: []rule{{Name: "b"}}, Target: "/t"}},
	}
	for _, tt := range tests {
		var got conf
		if err := Merge(cfg, []byte(tt.input), &got); err != nil {
			t.Fatalf("%s: %v", tt.input, err)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %+v, want %+v", tt.input, got, tt.want)
		}
	}
	for _, bad := range []string{`[1]`, `{"dry_run":"x"}`, `{`} {
		var got conf
		if err := Merge(cfg, []byte(bad), &got); err == nil {
			t.Errorf("input %s accepted", bad)
		}
	}
}

func FuzzMerge(f *testing.F) {
	f.Add([]byte(`{"a":1}`), []byte(`{"b":2}`))
	f.Fuzz(func(t *testing.T, config, input []byte) {
		var v map[string]any
		_ = Merge(config, input, &v)
	})
}

// TestMergeKeepsOutputSubject: a subject trigger's input is the event,
// whose "subject" is the subject that triggered the run; it must not
// replace the configured summary subject (issue 12: a trigger on
// backup.run made the summary go to backup.run, 853 runs in 30 s).
func TestMergeKeepsOutputSubject(t *testing.T) {
	type out struct {
		Subject string `json:"subject"`
		Target  string `json:"target"`
	}
	event := `{"subject":"backup.run","data":{"x":1},"seq":7,"time":"2026-12-07T00:00:00Z"}`
	tests := []struct {
		name, config, input string
		want                out
	}{
		{"event keeps the configured subject", `{"subject":"backup.completed","target":"/t"}`, event, out{"backup.completed", "/t"}},
		{"event sets none when none is configured", `{"target":"/t"}`, event, out{"", "/t"}},
		{"other keys still override", `{"subject":"s","target":"/t"}`, `{"subject":"x","target":"/u"}`, out{"s", "/u"}},
	}
	for _, tt := range tests {
		var got out
		if err := Merge([]byte(tt.config), []byte(tt.input), &got); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got != tt.want {
			t.Errorf("%s: got %+v, want %+v", tt.name, got, tt.want)
		}
	}
}
