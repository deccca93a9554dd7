package runner

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wasmdrive/wasmdrive/runner/cronspec"
	"go.yaml.in/yaml/v3"
)

// Catch-up policies of a schedule trigger after downtime.
const (
	CatchupSkip   = "skip"   // missed slots are dropped
	CatchupLatest = "latest" // only the latest missed slot runs
	CatchupAll    = "all"    // every missed slot within catchup_window runs
)

// Overlap policies when a trigger fires while the previous run is going.
const (
	OverlapSkip  = "skip"  // drop the new run
	OverlapQueue = "queue" // run it after the previous one
	OverlapAllow = "allow" // run both
)

// Trigger starts runs of a plugin: exactly one of Subject (a NATS subject,
// wildcards allowed) or Schedule (a cron expression). The triggers layer
// implements the semantics; the manifest parser only checks shapes.
type Trigger struct {
	Subject       string    `yaml:"subject" json:"subject,omitempty"`
	Schedule      string    `yaml:"schedule" json:"schedule,omitempty"`
	Timezone      string    `yaml:"timezone" json:"timezone,omitempty"`             // IANA name; default UTC
	Catchup       string    `yaml:"catchup" json:"catchup,omitempty"`               // skip (default), latest, all
	CatchupWindow Duration  `yaml:"catchup_window" json:"catchup_window,omitempty"` // how far back "all"/"latest" look; default 24h
	Overlap       string    `yaml:"overlap" json:"overlap,omitempty"`               // skip (default), queue, allow
	Entry         string    `yaml:"entry" json:"entry,omitempty"`                   // default: the manifest's entry
	Input         JSONValue `yaml:"input" json:"input,omitempty"`                   // fixed input; default: the event
}

// JSONValue is any YAML value kept as JSON.
type JSONValue json.RawMessage

// UnmarshalYAML converts the YAML value to JSON.
func (j *JSONValue) UnmarshalYAML(n *yaml.Node) error {
	var v any
	if err := n.Decode(&v); err != nil {
		return err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("line %d: value cannot be JSON (mapping keys must be strings): %w", n.Line, err)
	}
	*j = b
	return nil
}

// MarshalJSON writes the raw JSON (null when empty).
func (j JSONValue) MarshalJSON() ([]byte, error) {
	if len(j) == 0 {
		return []byte("null"), nil
	}
	return j, nil
}

// UnmarshalJSON keeps the raw JSON.
func (j *JSONValue) UnmarshalJSON(b []byte) error {
	*j = append((*j)[:0], b...)
	return nil
}

// DefaultCatchupWindow is how far back catch-up looks when unset.
const DefaultCatchupWindow = 24 * time.Hour

func (t *Trigger) validate(p string, m *Manifest, bad badFunc) {
	switch {
	case t.Subject == "" && t.Schedule == "":
		bad(p, "needs a subject or a schedule")
	case t.Subject != "" && t.Schedule != "":
		bad(p, "has both subject and schedule; use two triggers")
	case t.Subject != "":
		if err := ValidSubject(t.Subject); err != nil {
			bad(p+".subject", "%v", err)
		}
		for _, f := range []struct{ name, v string }{{"timezone", t.Timezone}, {"catchup", t.Catchup}} {
			if f.v != "" {
				bad(p+"."+f.name, "applies only to a schedule trigger")
			}
		}
		if t.CatchupWindow != 0 {
			bad(p+".catchup_window", "applies only to a schedule trigger")
		}
	default:
		if _, err := cronspec.ParseCron(t.Schedule, nil); err != nil {
			bad(p+".schedule", "%v", err)
		}
		if t.Timezone != "" {
			if _, err := time.LoadLocation(t.Timezone); err != nil {
				bad(p+".timezone", "%q is not an IANA time zone (e.g. Asia/Shanghai): %v", t.Timezone, err)
			}
		}
		switch t.Catchup {
		case "":
			t.Catchup = CatchupSkip
		case CatchupSkip, CatchupLatest, CatchupAll:
		default:
			bad(p+".catchup", "%q is not skip, latest or all", t.Catchup)
		}
		switch {
		case t.CatchupWindow == 0:
			t.CatchupWindow = Duration(DefaultCatchupWindow)
		case t.CatchupWindow < 0:
			bad(p+".catchup_window", "must be positive")
		}
	}
	switch t.Overlap {
	case "":
		t.Overlap = OverlapSkip
	case OverlapSkip, OverlapQueue, OverlapAllow:
	default:
		bad(p+".overlap", "%q is not skip, queue or allow", t.Overlap)
	}
	if t.Entry == "" {
		t.Entry = m.Entry
	} else if !m.HasExport(t.Entry) {
		bad(p+".entry", "%q is not one of the exports", t.Entry)
	}
	if len(t.Input) > 0 && len(t.Input) > DefaultMaxInputBytes {
		bad(p+".input", "is larger than %d bytes", DefaultMaxInputBytes)
	}
}

// ValidSubject checks a NATS subject: dot-separated non-empty tokens without
// spaces; "*" matches one token and ">" (last) the rest.
func ValidSubject(s string) error {
	if s == "" || len(s) > 255 {
		return fmt.Errorf("subject %q must be 1..255 characters", s)
	}
	toks := strings.Split(s, ".")
	for i, tok := range toks {
		switch {
		case tok == "":
			return fmt.Errorf("subject %q has an empty token", s)
		case strings.ContainsAny(tok, " \t\r\n"):
			return fmt.Errorf("subject %q contains white space", s)
		case tok == ">" && i != len(toks)-1:
			return fmt.Errorf("subject %q: '>' must be the last token", s)
		case len(tok) > 1 && strings.ContainsAny(tok, "*>"):
			return fmt.Errorf("subject %q: wildcards must be whole tokens", s)
		}
	}
	return nil
}

// ParseTriggers decodes and validates the operator's trigger overrides
// (config plugins.enabled.NAME.triggers) against m, as plugin.yaml would be.
func ParseTriggers(m *Manifest, raw []map[string]any) ([]Trigger, error) {
	b, err := yaml.Marshal(raw)
	if err != nil {
		return nil, fmt.Errorf("plugin %s: triggers: %w", m.Name, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var ts []Trigger
	if err := dec.Decode(&ts); err != nil {
		return nil, &ManifestError{Plugin: m.Name, Field: "plugins.enabled." + m.Name + ".triggers", Reason: cleanYAMLError(err)}
	}
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, &ManifestError{Plugin: m.Name, Field: "plugins.enabled." + m.Name + "." + field, Reason: fmt.Sprintf(format, args...)})
	}
	for i := range ts {
		ts[i].validate(fmt.Sprintf("triggers[%d]", i), m, bad)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return ts, nil
}
