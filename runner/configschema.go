package runner

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Config field types.
const (
	TypeString   = "string"
	TypeInt      = "int"
	TypeBool     = "bool"
	TypeNumber   = "number"
	TypeDuration = "duration" // given as "30s" or seconds; the plugin gets "30s"
	TypeList     = "list"
	TypeObject   = "object"
)

// ConfigField is one key of a plugin's config schema.
type ConfigField struct {
	Type        string `yaml:"type" json:"type"`
	Default     any    `yaml:"default" json:"default,omitempty"`
	Required    bool   `yaml:"required" json:"required,omitempty"`
	Description string `yaml:"description" json:"description,omitempty"`
	// Items is the element type of a list (optional; any when empty).
	Items string `yaml:"items" json:"items,omitempty"`
	// Secret marks a value never shown in output (inspect, console, logs);
	// keys named like a key, token, password or secret are secret anyway.
	Secret bool `yaml:"secret" json:"secret,omitempty"`
}

// SecretKeys names the config keys the schema marks secret.
func (m *Manifest) SecretKeys() []string {
	var out []string
	for k, f := range m.Config {
		if f.Secret {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

var scalarTypes = map[string]bool{TypeString: true, TypeInt: true, TypeBool: true, TypeNumber: true, TypeDuration: true}

func (f *ConfigField) validate(p, key string, bad badFunc) {
	if !exportNameRE.MatchString(key) {
		bad(p, "config key must be letters, digits and '_'")
	}
	switch f.Type {
	case TypeList:
		if f.Items != "" && !scalarTypes[f.Items] && f.Items != TypeObject {
			bad(p+".items", "%q is not string, int, bool, number, duration or object", f.Items)
		}
	case TypeString, TypeInt, TypeBool, TypeNumber, TypeDuration, TypeObject:
		if f.Items != "" {
			bad(p+".items", "applies only to type list")
		}
	case "":
		bad(p+".type", "is required (string, int, bool, number, duration, list or object)")
		return
	default:
		bad(p+".type", "%q is not string, int, bool, number, duration, list or object", f.Type)
		return
	}
	if f.Default != nil {
		v, err := f.coerce(f.Default)
		if err != nil {
			bad(p+".default", "%v", err)
		} else {
			f.Default = v
		}
		if f.Required {
			bad(p+".required", "a key with a default is never missing; drop required or the default")
		}
	}
}

// ApplyConfig checks the operator's values against the schema, applies
// defaults and returns the config object the plugin gets, as JSON. Unknown
// keys, missing required keys and wrongly typed values are errors naming
// the plugin and the key. Strings are converted where the type asks for
// it ("42" → 42), since environment variables only carry strings.
func (m *Manifest) ApplyConfig(values map[string]any) (json.RawMessage, error) {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, &ManifestError{Plugin: m.Name, Field: "plugins.enabled." + m.Name + ".config." + key, Reason: fmt.Sprintf(format, args...)})
	}
	out := make(map[string]any, len(m.Config))
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		f, ok := m.Config[k]
		if !ok {
			bad(k, "unknown key (the plugin's schema has: %s)", strings.Join(m.configKeys(), ", "))
			continue
		}
		v, err := f.coerce(values[k])
		if err != nil {
			bad(k, "%v", err)
			continue
		}
		out[k] = v
	}
	for _, k := range m.configKeys() {
		if _, ok := out[k]; ok {
			continue
		}
		f := m.Config[k]
		switch {
		case f.Default != nil:
			out[k] = f.Default
		case f.Required:
			bad(k, "is required (%s): set plugins.enabled.%s.config.%s", describe(f), m.Name, k)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("plugin %s: config: %w", m.Name, err)
	}
	return b, nil
}

func describe(f ConfigField) string {
	if f.Description != "" {
		return f.Type + ", " + f.Description
	}
	return f.Type
}

func (m *Manifest) configKeys() []string {
	keys := make([]string, 0, len(m.Config))
	for k := range m.Config {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (f *ConfigField) coerce(v any) (any, error) {
	if f.Type == TypeList {
		items, ok := v.([]any)
		if !ok {
			if s, isStr := v.(string); isStr && f.Items != TypeObject {
				// "a,b,c" from an environment variable
				for _, part := range strings.Split(s, ",") {
					items = append(items, strings.TrimSpace(part))
				}
			} else {
				return nil, fmt.Errorf("want a list, got %s", typeName(v))
			}
		}
		if f.Items == "" {
			return items, nil
		}
		el := ConfigField{Type: f.Items}
		out := make([]any, len(items))
		for i, it := range items {
			c, err := el.coerce(it)
			if err != nil {
				return nil, fmt.Errorf("item %d: %w", i, err)
			}
			out[i] = c
		}
		return out, nil
	}
	return coerceScalar(f.Type, v)
}

func coerceScalar(typ string, v any) (any, error) {
	switch typ {
	case TypeString:
		switch x := v.(type) {
		case string:
			return x, nil
		case int, int64, float64, bool:
			return fmt.Sprint(x), nil
		}
	case TypeInt:
		switch x := v.(type) {
		case int:
			return int64(x), nil
		case int64:
			return x, nil
		case uint64:
			if x <= math.MaxInt64 {
				return int64(x), nil
			}
		case float64:
			if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
				return int64(x), nil
			}
			return nil, fmt.Errorf("want an integer, got %v", x)
		case string:
			if n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64); err == nil {
				return n, nil
			}
			return nil, fmt.Errorf("want an integer, got %q", x)
		}
	case TypeNumber:
		switch x := v.(type) {
		case int:
			return float64(x), nil
		case int64:
			return float64(x), nil
		case float64:
			return x, nil
		case string:
			if n, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil && !math.IsInf(n, 0) && !math.IsNaN(n) {
				return n, nil
			}
			return nil, fmt.Errorf("want a number, got %q", x)
		}
	case TypeBool:
		switch x := v.(type) {
		case bool:
			return x, nil
		case string:
			if b, err := strconv.ParseBool(strings.TrimSpace(x)); err == nil {
				return b, nil
			}
			return nil, fmt.Errorf("want true or false, got %q", x)
		}
	case TypeDuration:
		switch x := v.(type) {
		case string:
			d, err := parseDuration(x)
			if err != nil {
				return nil, err
			}
			return d.String(), nil
		case int, int64, float64:
			d, err := parseDuration(fmt.Sprint(x))
			if err != nil {
				return nil, err
			}
			return d.String(), nil
		}
	case TypeObject:
		switch x := v.(type) {
		case map[string]any:
			return x, nil
		case map[any]any:
			out := make(map[string]any, len(x))
			for k, val := range x {
				ks, ok := k.(string)
				if !ok {
					return nil, fmt.Errorf("object keys must be strings, got %v", k)
				}
				out[ks] = val
			}
			return out, nil
		}
		return nil, fmt.Errorf("want an object (mapping), got %s", typeName(v))
	}
	return nil, fmt.Errorf("want %s, got %s", typ, typeName(v))
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "nothing"
	case string:
		return "a string"
	case bool:
		return "a bool"
	case int, int64, uint64, float64:
		return "a number"
	case []any:
		return "a list"
	case map[string]any, map[any]any:
		return "an object"
	}
	return fmt.Sprintf("a %T", v)
}
