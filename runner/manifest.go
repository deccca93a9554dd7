package runner

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// ManifestFile is the file name of a plugin's manifest inside its folder.
const ManifestFile = "plugin.yaml"

// Manifest defaults and bounds.
const (
	DefaultMemoryPages    = 512 // 32 MiB of linear memory
	DefaultTimeout        = 60 * time.Second
	DefaultMaxInstances   = 4
	DefaultMaxInputBytes  = 1 << 20
	DefaultMaxOutputBytes = 1 << 20
	DefaultBackoff        = 10 * time.Second
	DefaultMaxLogBytes    = 4 << 20 // per call, over every log source
	DefaultMaxLogLines    = 20000
	DefaultMaxEmits       = 10000 // events per call

	maxMemoryPages  = 65536
	maxInstances    = 64
	maxTimeout      = 24 * time.Hour
	maxPayloadBytes = 64 << 20
	maxRetries      = 100
	maxLogBytes     = 64 << 20
	maxLogLines     = 100000 // the log stream keeps at most 100000 lines per run (queue.Options.LogMaxLinesPerRun)
	maxEmits        = 1000000
)

// Manifest is a plugin's plugin.yaml. ParseManifest decodes it strictly
// (unknown keys are errors) and validates it; defaults are filled in.
//
//	name: backup
//	version: 1.0.0
//	description: Incremental backup of local folders.
//	exports: [run, verify]        # or - {name: run, description: ...}
//	entry: run                    # default entry; default: the first export
//	triggers:
//	  - schedule: "0 3 * * *"
//	    timezone: Asia/Shanghai
//	capabilities: {...}           # hostfuncs.Grant
//	config:
//	  target: {type: string, default: /backup}
//	limits: {memory_pages: 512, timeout: 60s, max_instances: 4}
type Manifest struct {
	Name        string `yaml:"name" json:"name"`
	Version     string `yaml:"version" json:"version"`
	Description string `yaml:"description" json:"description,omitempty"`
	// Wasm is the module's path relative to the plugin folder. Empty: build
	// from the Go source in the folder (see Builder).
	Wasm string `yaml:"wasm" json:"wasm,omitempty"`
	// Exports are the entry points a run may call.
	Exports []Export `yaml:"exports" json:"exports"`
	// Entry is the default entry point (default: the first export).
	Entry string `yaml:"entry" json:"entry"`
	// Triggers start runs (semantics live in the triggers layer).
	Triggers []Trigger `yaml:"triggers" json:"triggers,omitempty"`
	// Capabilities the plugin asks for; the operator's grant narrows them.
	Capabilities Grant `yaml:"capabilities" json:"capabilities"`
	// Config is the schema of the operator's config values, by key.
	Config map[string]ConfigField `yaml:"config" json:"config,omitempty"`
	Limits Limits                 `yaml:"limits" json:"limits"`
}

// Export is one entry point of a plugin.
type Export struct {
	Name        string `yaml:"name" json:"name"`
	Description string `yaml:"description" json:"description,omitempty"`
}

// UnmarshalYAML accepts a bare name or a {name, description} mapping.
func (e *Export) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		return n.Decode(&e.Name)
	}
	if err := checkKeys(n, "exports item", "name", "description"); err != nil {
		return err
	}
	type plain Export
	return n.Decode((*plain)(e))
}

// Limits bound one plugin's resource use.
type Limits struct {
	// MemoryPages caps each instance's linear memory (64 KiB pages). A Go
	// plugin needs about 64 pages once initialized.
	MemoryPages uint32 `yaml:"memory_pages" json:"memory_pages"`
	// Timeout of one call.
	Timeout Duration `yaml:"timeout" json:"timeout"`
	// MaxInstances caps concurrent calls (pooled instances) of the plugin.
	MaxInstances int `yaml:"max_instances" json:"max_instances"`
	// MaxInputBytes and MaxOutputBytes cap a call's input and output.
	MaxInputBytes  int64 `yaml:"max_input_bytes" json:"max_input_bytes"`
	MaxOutputBytes int64 `yaml:"max_output_bytes" json:"max_output_bytes"`
	// Retries and Backoff tell the queue how to retry a failed run.
	Retries int      `yaml:"retries" json:"retries"`
	Backoff Duration `yaml:"backoff" json:"backoff"`
	// MaxLogBytes and MaxLogLines cap what one call logs over every source
	// (stdout, stderr, pdk.Log, wd_log); later lines are dropped and one
	// marker line says how many.
	MaxLogBytes int64 `yaml:"max_log_bytes" json:"max_log_bytes"`
	MaxLogLines int   `yaml:"max_log_lines" json:"max_log_lines"`
	// MaxEmits caps the events one call may emit; later emits answer
	// quota_exceeded.
	MaxEmits int `yaml:"max_emits" json:"max_emits"`
}

// Duration is a time.Duration written as "30s", "5m" or a number of seconds.
type Duration time.Duration

// UnmarshalYAML parses a duration scalar.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: want a duration like 30s, got a %s", n.Line, kindName(n.Kind))
	}
	v, err := parseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*d = Duration(v)
	return nil
}

// MarshalText writes the duration like "1m30s".
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText parses "1m30s" or a number of seconds.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := parseDuration(string(b))
	*d = Duration(v)
	return err
}

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if v, err := time.ParseDuration(s); err == nil {
		return v, nil
	}
	var secs float64
	if _, err := fmt.Sscanf(s, "%g", &secs); err == nil && fmt.Sprint(secs) == s {
		return time.Duration(secs * float64(time.Second)), nil
	}
	return 0, fmt.Errorf("%q is not a duration like 30s, 5m or 1h30m", s)
}

// ManifestError is a validation error of one manifest field.
type ManifestError struct {
	Plugin string // plugin name or folder
	Field  string // e.g. "limits.timeout", "triggers[1].schedule"
	Reason string
}

// Error names the plugin and the field.
func (e *ManifestError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("plugin %s: %s", e.Plugin, e.Reason)
	}
	return fmt.Sprintf("plugin %s: %s: %s", e.Plugin, e.Field, e.Reason)
}

// LoadManifest reads and parses dir/plugin.yaml.
func LoadManifest(dir string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return nil, fmt.Errorf("plugin %s: %w (a plugin folder needs a %s)", filepath.Base(dir), err, ManifestFile)
	}
	return ParseManifest(filepath.Base(dir), b)
}

// maxManifestBytes bounds a plugin.yaml.
const maxManifestBytes = 1 << 20

// ParseManifest decodes a plugin.yaml strictly and validates it. where names
// the plugin in errors until the manifest's own name is known.
func ParseManifest(where string, data []byte) (*Manifest, error) {
	if len(data) > maxManifestBytes {
		return nil, &ManifestError{Plugin: where, Reason: fmt.Sprintf("%s is larger than %d bytes", ManifestFile, maxManifestBytes)}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &ManifestError{Plugin: where, Reason: ManifestFile + " is empty"}
		}
		return nil, &ManifestError{Plugin: where, Reason: cleanYAMLError(err)}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, &ManifestError{Plugin: where, Reason: ManifestFile + " must hold one YAML document"}
	}
	if m.Name != "" && validPluginName(m.Name) {
		where = m.Name
	}
	if err := m.validate(where); err != nil {
		return nil, err
	}
	return &m, nil
}

var yamlFieldRE = regexp.MustCompile(`field (\S+) not found in type \S+`)

// cleanYAMLError turns yaml.v3's Go-type wording into the manifest's terms.
func cleanYAMLError(err error) string {
	s := strings.TrimPrefix(err.Error(), "yaml: ")
	s = strings.ReplaceAll(s, "unmarshal errors:\n  ", "")
	s = yamlFieldRE.ReplaceAllString(s, "unknown key \"$1\"")
	s = strings.ReplaceAll(s, "\n  ", "; ")
	return s
}

// checkKeys rejects mapping keys outside known (node.Decode does not keep the
// decoder's KnownFields setting, so custom unmarshalers check by hand).
func checkKeys(n *yaml.Node, what string, known ...string) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: %s must be a mapping, got a %s", n.Line, what, kindName(n.Kind))
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		ok := false
		for _, want := range known {
			if k.Value == want {
				ok = true
				break
			}
		}
		if !ok {
			return fmt.Errorf("line %d: unknown key %q in %s (known: %s)", k.Line, k.Value, what, strings.Join(known, ", "))
		}
	}
	return nil
}

func kindName(k yaml.Kind) string {
	switch k {
	case yaml.ScalarNode:
		return "scalar"
	case yaml.SequenceNode:
		return "list"
	case yaml.MappingNode:
		return "mapping"
	case yaml.AliasNode:
		return "alias"
	}
	return "document"
}

// ExportNames lists the names of the entry points.
func (m *Manifest) ExportNames() []string {
	out := make([]string, len(m.Exports))
	for i, e := range m.Exports {
		out[i] = e.Name
	}
	return out
}

// HasExport reports whether name is a declared entry point.
func (m *Manifest) HasExport(name string) bool {
	for _, e := range m.Exports {
		if e.Name == name {
			return true
		}
	}
	return false
}
