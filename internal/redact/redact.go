// Package redact is the one rule for keeping secrets out of output: a value
// is secret when its key names a key, token, password or secret (or its
// config schema marks it secret), and a secret is shown as Mask. Every
// printer of config, records, logs and the audit log runs values through it.
package redact

import (
	"encoding/json"
	"log/slog"
	"strings"
	"unicode"
)

// Mask replaces a secret value in output.
const Mask = "[redacted]"

// secretWords are the key-name words that make a value secret.
var secretWords = map[string]bool{
	"key": true, "apikey": true, "token": true, "password": true, "passwd": true,
	"pass": true, "passphrase": true, "secret": true, "credential": true,
	"credentials": true, "authorization": true, "pwd": true,
}

// IsSecretKey reports whether a key name marks a secret value: one of its
// words (split at '_', '-', '.', spaces and camelCase) is key, token,
// password, secret, passphrase or credential(s), or ends in one of
// key/token/secret/password ("apikey", "natstoken").
func IsSecretKey(name string) bool {
	for _, w := range words(name) {
		if secretWords[w] {
			return true
		}
		for _, suf := range []string{"key", "token", "secret", "password"} {
			if len(w) > len(suf) && strings.HasSuffix(w, suf) {
				return true
			}
		}
	}
	return false
}

func words(name string) []string {
	var out []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	rs := []rune(name)
	for i, r := range rs {
		switch {
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			flush()
		case unicode.IsUpper(r) && i > 0 && unicode.IsLower(rs[i-1]):
			flush()
			cur = append(cur, r)
		default:
			cur = append(cur, r)
		}
	}
	flush()
	return out
}

// Value returns v with every non-empty scalar under a secret key (or a key
// in extra) replaced by Mask, recursing through maps and lists. v is not
// changed.
func Value(v any, extra ...string) any {
	return value(v, false, extra)
}

func value(v any, secret bool, extra []string) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = value(e, secret || isSecret(k, extra), extra)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = value(e, secret, extra)
		}
		return out
	case nil:
		return nil
	case string:
		if secret && t != "" {
			return Mask
		}
		return t
	default:
		if secret {
			return Mask
		}
		return t
	}
}

func isSecret(k string, extra []string) bool {
	for _, e := range extra {
		if e == k {
			return true
		}
	}
	return IsSecretKey(k)
}

// JSON returns raw with its secret values masked (see Value); raw that is
// not a JSON object or list comes back unchanged.
func JSON(raw json.RawMessage, extra ...string) json.RawMessage {
	if len(raw) == 0 {
		return raw
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return raw
	}
	switch v.(type) {
	case map[string]any, []any:
	default:
		return raw
	}
	out, err := json.Marshal(Value(v, extra...))
	if err != nil {
		return raw
	}
	return out
}

// ReplaceAttr is a slog.HandlerOptions.ReplaceAttr that masks the value
// of an attribute whose key names a secret, and secrets inside a JSON
// attribute value.
func ReplaceAttr(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindGroup {
		return a
	}
	if IsSecretKey(a.Key) {
		if s := a.Value.String(); s != "" {
			return slog.String(a.Key, Mask)
		}
		return a
	}
	if raw, ok := a.Value.Any().(json.RawMessage); ok {
		return slog.Any(a.Key, JSON(raw))
	}
	return a
}
