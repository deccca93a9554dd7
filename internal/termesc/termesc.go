// Package termesc makes untrusted text safe to print on a terminal.
//
// File names, plugin log lines and error messages may hold bytes a
// terminal acts on: ESC starts colour changes, cursor moves and OSC
// sequences (which set the window title or write the clipboard), CR
// returns to the line's start so the rest overwrites what came before, a
// newline forges a line of its own, and Unicode bidi controls reorder what
// follows. String renders every such character visibly, in the style of
// Go's %q (without the quotes), and leaves everything else as it is.
package termesc

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// String returns s with control characters escaped: \a \b \t \n \v \f \r
// as such, other C0 controls, DEL and invalid UTF-8 bytes as \xNN, C1
// controls, bidi controls and the Unicode line and paragraph separators as
// \uNNNN. Text without any of them is returned unchanged.
func String(s string) string {
	i := firstUnsafe(s)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case !unsafe(r):
			b.WriteString(s[i : i+n])
		case r < 0x80:
			b.WriteString(escapeASCII(byte(r)))
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
		i += n
	}
	return b.String()
}

// Text is String for multi-line messages (errors with build output, say):
// newlines and tabs are kept, everything else String escapes is escaped.
func Text(s string) string {
	if !strings.ContainsAny(s, "\n\t") {
		return String(s)
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		parts := strings.Split(l, "\t")
		for j, p := range parts {
			parts[j] = String(p)
		}
		lines[i] = strings.Join(parts, "\t")
	}
	return strings.Join(lines, "\n")
}

// Strings escapes every element of ss (a new slice).
func Strings(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = String(s)
	}
	return out
}

// firstUnsafe returns the index of the first byte String must change, or -1.
func firstUnsafe(s string) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				return i
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || unsafe(r) {
			return i
		}
		i += n
	}
	return -1
}

// unsafe reports whether a terminal may act on r instead of showing it.
func unsafe(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f:
		return true // C0 controls, DEL
	case r >= 0x80 && r <= 0x9f:
		return true // C1 controls (0x9b is a one-byte CSI on some terminals)
	case r == 0x061c, r == 0x200e, r == 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true // bidi marks, embeddings, overrides and isolates
	case r == 0x2028, r == 0x2029:
		return true // line and paragraph separators
	}
	return false
}

func escapeASCII(c byte) string {
	switch c {
	case '\a':
		return `\a`
	case '\b':
		return `\b`
	case '\t':
		return `\t`
	case '\n':
		return `\n`
	case '\v':
		return `\v`
	case '\f':
		return `\f`
	case '\r':
		return `\r`
	}
	return fmt.Sprintf(`\x%02x`, c)
}
