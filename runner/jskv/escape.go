package jskv

import (
	"fmt"
	"strings"
)

const hexdigits = "0123456789ABCDEF"

func plain(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '/'
}

// Escape maps an arbitrary key to a valid NATS KV key (see the package doc).
func Escape(key string) string {
	var b strings.Builder
	b.Grow(len(key))
	for i := 0; i < len(key); i++ {
		c := key[i]
		if plain(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('=')
		b.WriteByte(hexdigits[c>>4])
		b.WriteByte(hexdigits[c&15])
	}
	return b.String()
}

// Unescape reverses Escape; it fails on keys Escape cannot produce.
func Unescape(s string) (string, error) {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if plain(c) {
			b.WriteByte(c)
			continue
		}
		if c != '=' || i+2 >= len(s) {
			return "", fmt.Errorf("jskv: %q is not an escaped key", s)
		}
		hi, lo := strings.IndexByte(hexdigits, s[i+1]), strings.IndexByte(hexdigits, s[i+2])
		if hi < 0 || lo < 0 {
			return "", fmt.Errorf("jskv: %q has a bad escape at %d", s, i)
		}
		b.WriteByte(byte(hi<<4 | lo))
		i += 2
	}
	return b.String(), nil
}
