package config

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/wasmdrive/wasmdrive/hostfuncs"
)

// nonConfigEnv are WASMDRIVE_* environment variables that are not config
// keys (read elsewhere), so the strict check leaves them alone.
// WASMDRIVE_ARTIFACTS is where the test suite writes screenshots and
// benchmark files (.ci/run sets it).
var nonConfigEnv = []string{"WASMDRIVE_CONFIG", "WASMDRIVE_SOURCE", "WASMDRIVE_ARTIFACTS"}

var (
	durationType = reflect.TypeOf(time.Duration(0))
	grantType    = reflect.TypeOf(operatorGrant{})
)

// operatorGrant is the shape of plugins.enabled.NAME.grants (see
// runner.EffectiveGrant): a hostfuncs.Grant that narrows, plus extend.
type operatorGrant struct {
	Functions []string             `koanf:"functions"`
	Drive     hostfuncs.DriveGrant `koanf:"drive"`
	Local     hostfuncs.LocalGrant `koanf:"local"`
	Emit      []string             `koanf:"emit"`
	Extend    hostfuncs.Grant      `koanf:"extend"`
}

// checkKeys walks raw (one config layer as koanf nests it) against the
// Config type and returns a *FieldError for every key the type does not
// have, with the nearest valid key, and for every value of the wrong type.
// from names the layer's source in messages ("" for the config file).
// Map-keyed sections (accounts.NAME, plugins.enabled.NAME) accept any
// name and check the keys below it; free-form maps (plugin config and
// triggers, checked against the plugin's manifest when it loads) are not
// walked; fields tagged strict:"grant" are checked as an operatorGrant.
func checkKeys(raw map[string]any, from func(path string) string) []error {
	var errs []error
	walk("", raw, reflect.TypeOf(Config{}), from, &errs)
	return errs
}

func walk(path string, v any, t reflect.Type, from func(string) string, errs *[]error) {
	bad := func(format string, args ...any) {
		p := path
		if from != nil {
			p += from(path)
		}
		*errs = append(*errs, &FieldError{Path: p, Reason: fmt.Sprintf(format, args...)})
	}
	if v == nil {
		return // "key:" with no value: the zero value
	}
	switch {
	case t == durationType:
		switch x := v.(type) {
		case int, int64, float64:
		case string:
			if _, err := time.ParseDuration(x); err != nil {
				bad("expected a duration like 30s, 5m or 24h, got %q", x)
			}
		default:
			bad("expected a duration like 30s, 5m or 24h, got %s", kindOf(v))
		}
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			bad("expected a mapping of keys (%s), got %s", strings.Join(structKeys(t), ", "), kindOf(v))
			return
		}
		keys := sortedKeys(m)
		for _, k := range keys {
			sub := join(path, k)
			f, ok := fieldByTag(t, k)
			if !ok {
				valid := structKeys(t)
				reason := "unknown key (valid keys here: " + strings.Join(valid, ", ") + ")"
				if near := nearest(k, valid); near != "" {
					reason = "unknown key; did you mean " + join(path, near) + "?"
				}
				p := sub
				if from != nil {
					p += from(sub)
				}
				*errs = append(*errs, &FieldError{Path: p, Reason: reason})
				continue
			}
			if f.Tag.Get("strict") == "grant" {
				walk(sub, m[k], grantType, from, errs)
				continue
			}
			walk(sub, m[k], f.Type, from, errs)
		}
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			bad("expected a mapping of names to settings, got %s", kindOf(v))
			return
		}
		if t.Elem().Kind() == reflect.Interface {
			return
		}
		for _, k := range sortedKeys(m) {
			walk(join(path, k), m[k], t.Elem(), from, errs)
		}
	case reflect.Slice:
		switch x := v.(type) {
		case []any:
			for i, e := range x {
				walk(fmt.Sprintf("%s[%d]", path, i), e, t.Elem(), from, errs)
			}
		case string:
			// An environment variable: one item.
		default:
			bad("expected a list, got %s", kindOf(v))
		}
	case reflect.String:
		switch v.(type) {
		case string, int, int64, float64, bool:
		default:
			bad("expected a string, got %s", kindOf(v))
		}
	case reflect.Bool:
		switch x := v.(type) {
		case bool:
		case string:
			if _, err := strconv.ParseBool(x); err != nil {
				bad("expected true or false, got %q", x)
			}
		default:
			bad("expected true or false, got %s", kindOf(v))
		}
	case reflect.Int, reflect.Int64, reflect.Int32:
		switch x := v.(type) {
		case int, int64:
		case float64:
			if x != float64(int64(x)) {
				bad("expected an integer, got %v", x)
			}
		case string:
			if _, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64); err != nil {
				bad("expected an integer, got %q", x)
			}
		default:
			bad("expected an integer, got %s", kindOf(v))
		}
	case reflect.Float64:
		switch x := v.(type) {
		case int, int64, float64:
		case string:
			if _, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err != nil {
				bad("expected a number, got %q", x)
			}
		default:
			bad("expected a number, got %s", kindOf(v))
		}
	}
}

// kindOf names a decoded YAML value's kind without echoing it (it may be
// a secret in the wrong place).
func kindOf(v any) string {
	switch v.(type) {
	case map[string]any:
		return "a mapping"
	case []any:
		return "a list"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case int, int64, float64:
		return "a number"
	}
	return fmt.Sprintf("%T", v)
}

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func fieldByTag(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if tagName(f) == key {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

func tagName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("koanf"), ",")
	return name
}

func structKeys(t reflect.Type) []string {
	var keys []string
	for i := 0; i < t.NumField(); i++ {
		if n := tagName(t.Field(i)); n != "" && n != "-" {
			keys = append(keys, n)
		}
	}
	sort.Strings(keys)
	return keys
}

// nearest returns the valid key closest to k by edit distance, or "" when
// none is close enough to be a likely typo.
func nearest(k string, valid []string) string {
	best, bestD := "", -1
	for _, v := range valid {
		d := editDistance(k, v)
		if bestD < 0 || d < bestD {
			best, bestD = v, d
		}
	}
	if bestD < 0 || bestD > max(2, len(k)/3) {
		return ""
	}
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
