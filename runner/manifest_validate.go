package runner

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
)

var (
	pluginNameRE = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,63}$`)
	exportNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,127}$`)
	versionRE    = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$`)
)

func validPluginName(s string) bool { return pluginNameRE.MatchString(s) }

// reservedExports are exports of every Go reactor module, never entry points.
var reservedExports = map[string]bool{"_initialize": true, "_start": true, "memory": true}

// validate checks every field, fills defaults and returns the problems
// joined, each a *ManifestError naming the plugin and the field.
func (m *Manifest) validate(plugin string) error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, &ManifestError{Plugin: plugin, Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	switch {
	case m.Name == "":
		bad("name", "is required")
	case !validPluginName(m.Name):
		bad("name", "%q must be lower-case letters, digits, '-' or '_', starting with a letter (≤ 64)", m.Name)
	}
	switch {
	case m.Version == "":
		bad("version", "is required (e.g. 1.0.0)")
	case !versionRE.MatchString(m.Version):
		bad("version", "%q must be letters, digits, '.', '+', '-' or '_' (≤ 64)", m.Version)
	}
	if len(m.Description) > 1000 {
		bad("description", "is longer than 1000 characters")
	}
	if m.Wasm != "" && !localRelPath(m.Wasm) {
		bad("wasm", "%q must be a relative path inside the plugin folder", m.Wasm)
	}
	m.validateExports(bad)
	for i := range m.Triggers {
		m.Triggers[i].validate(fmt.Sprintf("triggers[%d]", i), m, bad)
	}
	keys := make([]string, 0, len(m.Config))
	for k := range m.Config {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		f := m.Config[k]
		f.validate("config."+k, k, bad)
		m.Config[k] = f
	}
	m.Limits.fill("limits", bad)
	if err := validateGrant(&m.Capabilities); err != nil {
		bad("capabilities", "%v", err)
	}
	return errors.Join(errs...)
}

type badFunc func(field, format string, args ...any)

func (m *Manifest) validateExports(bad badFunc) {
	if len(m.Exports) == 0 {
		bad("exports", "list at least one entry point (an exported function of the module)")
	}
	seen := map[string]bool{}
	for i, e := range m.Exports {
		f := fmt.Sprintf("exports[%d]", i)
		switch {
		case !exportNameRE.MatchString(e.Name):
			bad(f, "%q is not a valid export name (letters, digits, '_')", e.Name)
		case reservedExports[e.Name]:
			bad(f, "%q is reserved for the module runtime", e.Name)
		case seen[e.Name]:
			bad(f, "%q is listed twice", e.Name)
		}
		seen[e.Name] = true
	}
	if m.Entry == "" && len(m.Exports) > 0 {
		m.Entry = m.Exports[0].Name
	}
	if m.Entry != "" && !seen[m.Entry] {
		bad("entry", "%q is not one of the exports", m.Entry)
	}
}

func (l *Limits) fill(p string, bad badFunc) {
	if l.MemoryPages == 0 {
		l.MemoryPages = DefaultMemoryPages
	} else if l.MemoryPages > maxMemoryPages {
		bad(p+".memory_pages", "%d is more than %d (4 GiB)", l.MemoryPages, maxMemoryPages)
	}
	switch {
	case l.Timeout == 0:
		l.Timeout = Duration(DefaultTimeout)
	case l.Timeout < 0 || l.Timeout.D() > maxTimeout:
		bad(p+".timeout", "%s must be between 1ms and %s", l.Timeout.D(), maxTimeout)
	}
	switch {
	case l.MaxInstances == 0:
		l.MaxInstances = DefaultMaxInstances
	case l.MaxInstances < 0 || l.MaxInstances > maxInstances:
		bad(p+".max_instances", "%d must be 1..%d", l.MaxInstances, maxInstances)
	}
	for _, b := range []struct {
		name string
		v    *int64
		def  int64
		max  int64
	}{
		{"max_input_bytes", &l.MaxInputBytes, DefaultMaxInputBytes, maxPayloadBytes},
		{"max_output_bytes", &l.MaxOutputBytes, DefaultMaxOutputBytes, maxPayloadBytes},
		{"max_log_bytes", &l.MaxLogBytes, DefaultMaxLogBytes, maxLogBytes},
	} {
		switch {
		case *b.v == 0:
			*b.v = b.def
		case *b.v < 0 || *b.v > b.max:
			bad(p+"."+b.name, "%d must be 1..%d", *b.v, b.max)
		}
	}
	for _, c := range []struct {
		name          string
		v             *int
		def, maxCount int
	}{{"max_log_lines", &l.MaxLogLines, DefaultMaxLogLines, maxLogLines}, {"max_emits", &l.MaxEmits, DefaultMaxEmits, maxEmits}} {
		switch {
		case *c.v == 0:
			*c.v = c.def
		case *c.v < 0 || *c.v > c.maxCount:
			bad(p+"."+c.name, "%d must be 1..%d", *c.v, c.maxCount)
		}
	}
	if l.Retries < 0 || l.Retries > maxRetries {
		bad(p+".retries", "%d must be 0..%d", l.Retries, maxRetries)
	}
	switch {
	case l.Backoff == 0:
		l.Backoff = Duration(DefaultBackoff)
	case l.Backoff < 0 || l.Backoff.D() > maxTimeout:
		bad(p+".backoff", "%s must be between 1ms and %s", l.Backoff.D(), maxTimeout)
	}
}

// localRelPath reports whether p is a relative slash path that stays inside
// its folder.
func localRelPath(p string) bool {
	if p == "" || p[0] == '/' || p[0] == '\\' || len(p) > 255 {
		return false
	}
	depth := 0
	start := 0
	for i := 0; i <= len(p); i++ {
		if i < len(p) && p[i] != '/' && p[i] != '\\' {
			continue
		}
		switch p[start:i] {
		case "..":
			depth--
		case "", ".":
		default:
			depth++
		}
		if depth < 0 {
			return false
		}
		start = i + 1
	}
	return depth > 0
}
