package sdk

import (
	"encoding/binary"
	"errors"
	"math/bits"
	"strconv"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// A small JSON reader for the answers plugins decode most (files, listings,
// batch results, local listings). Inside Wasm every loop iteration of the
// guest costs a check that lets the host interrupt it, so encoding/json,
// which visits each byte several times through reflection, makes decoding
// dominate a host call. This reader visits each byte about once, scans
// strings eight bytes per iteration and uses no reflection. Anything it
// does not understand makes decodeEnvelope fall back to encoding/json, so
// it only needs to be right, not complete.

var errSyntax = errors.New("json: syntax")

type lexer struct {
	b   []byte
	s   string // the same bytes as b, copied once: strings without escapes are substrings of it
	i   int
	err error
}

func newLexer(b []byte) *lexer { return &lexer{b: b, s: string(b)} }

func (l *lexer) fail() {
	if l.err == nil {
		l.err = errSyntax
	}
	l.i = len(l.b)
}

// ws skips white space.
func (l *lexer) ws() {
	if l.i < len(l.b) && l.b[l.i] > ' ' {
		return // the usual case, without entering a loop (each loop iteration costs inside Wasm)
	}
	for l.i < len(l.b) {
		switch l.b[l.i] {
		case ' ', '\n', '\r', '\t':
			l.i++
		default:
			return
		}
	}
}

// peek returns the next non-space byte (0 at the end).
func (l *lexer) peek() byte {
	l.ws()
	if l.i < len(l.b) {
		return l.b[l.i]
	}
	return 0
}

func (l *lexer) expect(c byte) {
	if l.peek() != c {
		l.fail()
		return
	}
	l.i++
}

// null consumes a null literal if one is next.
func (l *lexer) null() bool {
	if l.peek() == 'n' && l.i+4 <= len(l.b) && string(l.b[l.i:l.i+4]) == "null" {
		l.i += 4
		return true
	}
	return false
}

const (
	lo8 = 0x0101010101010101
	hi8 = 0x8080808080808080
)

// special returns the index of the first '"', '\\' or control byte at or
// after i, eight bytes per iteration.
func special(b []byte, i int) int {
	for i+8 <= len(b) {
		v := binary.LittleEndian.Uint64(b[i:])
		q := v ^ (0x22 * lo8)
		s := v ^ (0x5C * lo8)
		m := ((q - lo8) &^ q) | ((s - lo8) &^ s) | ((v - 0x20*lo8) &^ v)
		if m &= hi8; m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
		i += 8
	}
	for ; i < len(b); i++ {
		if c := b[i]; c == '"' || c == '\\' || c < 0x20 {
			return i
		}
	}
	return i
}

// rawString returns the bytes of a string without escapes (a view), or
// ok=false if it has escapes (use str) or is malformed.
func (l *lexer) rawString() ([]byte, bool) {
	if l.peek() != '"' {
		l.fail()
		return nil, false
	}
	start := l.i + 1
	j := special(l.b, start)
	if j >= len(l.b) || l.b[j] != '"' {
		return nil, false
	}
	l.i = j + 1
	return l.b[start:j], true
}

// str reads a string value (null reads as "").
func (l *lexer) str() string {
	if l.null() {
		return ""
	}
	save := l.i
	if raw, ok := l.rawString(); ok {
		if !utf8.Valid(raw) {
			return string([]rune(string(raw))) // as encoding/json: invalid bytes → U+FFFD
		}
		if l.s != "" {
			return l.s[l.i-1-len(raw) : l.i-1] // no allocation
		}
		return string(raw)
	}
	if l.err != nil {
		return ""
	}
	l.i = save
	return l.escaped()
}

// escaped decodes a string with escape sequences.
func (l *lexer) escaped() string {
	l.ws()
	l.i++ // the opening quote
	var out []byte
	for {
		j := special(l.b, l.i)
		out = append(out, l.b[l.i:j]...)
		if j >= len(l.b) || l.b[j] < 0x20 {
			l.fail()
			return ""
		}
		l.i = j + 1
		if l.b[j] == '"' {
			if !utf8.Valid(out) {
				return string([]rune(string(out)))
			}
			return string(out)
		}
		if l.i >= len(l.b) {
			l.fail()
			return ""
		}
		c := l.b[l.i]
		l.i++
		switch c {
		case '"', '\\', '/':
			out = append(out, c)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r := l.hex4()
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if l.i+1 < len(l.b) && l.b[l.i] == '\\' && l.b[l.i+1] == 'u' {
					l.i += 2
					r2 = l.hex4()
				}
				if r = utf16.DecodeRune(r, r2); r == utf8.RuneError && r2 != -1 && !utf16.IsSurrogate(r2) {
					out = utf8.AppendRune(out, utf8.RuneError)
					r = r2
				}
			}
			out = utf8.AppendRune(out, r)
		default:
			l.fail()
			return ""
		}
	}
}

func (l *lexer) hex4() rune {
	if l.i+4 > len(l.b) {
		l.fail()
		return 0
	}
	v, err := strconv.ParseUint(string(l.b[l.i:l.i+4]), 16, 32)
	if err != nil {
		l.fail()
		return 0
	}
	l.i += 4
	return rune(v)
}

// number returns the bytes of a number.
func (l *lexer) number() []byte {
	l.ws()
	start := l.i
	for l.i < len(l.b) {
		switch c := l.b[l.i]; {
		case c >= '0' && c <= '9', c == '-', c == '+', c == '.', c == 'e', c == 'E':
			l.i++
			continue
		}
		break
	}
	if l.i == start || l.b[start] == '+' {
		l.fail()
	}
	return l.b[start:l.i]
}

func (l *lexer) int64() int64 {
	if l.null() {
		return 0
	}
	n, err := strconv.ParseInt(string(l.number()), 10, 64)
	if err != nil {
		l.fail()
	}
	return n
}

func (l *lexer) bool() bool {
	switch {
	case l.null():
		return false
	case l.peek() == 't' && l.i+4 <= len(l.b) && string(l.b[l.i:l.i+4]) == "true":
		l.i += 4
		return true
	case l.peek() == 'f' && l.i+5 <= len(l.b) && string(l.b[l.i:l.i+5]) == "false":
		l.i += 5
		return false
	}
	l.fail()
	return false
}

func (l *lexer) time() time.Time {
	s := l.str()
	if s == "" || l.err != nil {
		return time.Time{}
	}
	if t, ok := parseUTC(s); ok {
		return t
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		l.fail()
	}
	return t
}

// parseUTC parses the form the host writes, "2006-01-02T15:04:05.999999999Z",
// in straight-line code (time.Parse costs ~10 µs inside Wasm); anything
// else returns ok=false for time.Parse.
func parseUTC(s string) (time.Time, bool) {
	if len(s) < 20 || s[len(s)-1] != 'Z' || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	year, ok1 := digits(s[0:4])
	month, ok2 := digits(s[5:7])
	day, ok3 := digits(s[8:10])
	hour, ok4 := digits(s[11:13])
	minute, ok5 := digits(s[14:16])
	sec, ok6 := digits(s[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || month < 1 || month > 12 || day < 1 ||
		day > daysIn(time.Month(month), year) || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	nsec := 0
	if frac := s[19 : len(s)-1]; frac != "" {
		if frac[0] != '.' || len(frac) < 2 || len(frac) > 10 {
			return time.Time{}, false
		}
		n, ok := digits(frac[1:])
		if !ok {
			return time.Time{}, false
		}
		for range 10 - len(frac) {
			n *= 10
		}
		nsec = n
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC), true
}

// digits parses a short run of decimal digits.
func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func daysIn(m time.Month, year int) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// object calls field for each key of an object (null is an empty object);
// field must consume the value.
func (l *lexer) object(field func(key []byte)) {
	if l.null() {
		return
	}
	l.expect('{')
	if l.peek() == '}' {
		l.i++
		return
	}
	for l.err == nil {
		key, ok := l.rawString()
		if !ok {
			l.fail() // escaped keys: let encoding/json handle them
			return
		}
		l.expect(':')
		field(key) // the callee switches on string(key): no allocation
		switch l.peek() {
		case ',':
			l.i++
		case '}':
			l.i++
			return
		default:
			l.fail()
		}
	}
}

// array calls elem for each element (null is an empty array).
func (l *lexer) array(elem func()) {
	if l.null() {
		return
	}
	l.expect('[')
	if l.peek() == ']' {
		l.i++
		return
	}
	for l.err == nil {
		elem()
		switch l.peek() {
		case ',':
			l.i++
		case ']':
			l.i++
			return
		default:
			l.fail()
		}
	}
}

// skip consumes any value.
func (l *lexer) skip() {
	switch c := l.peek(); {
	case c == '"':
		l.str()
	case c == '{':
		l.object(func([]byte) { l.skip() })
	case c == '[':
		l.array(l.skip)
	case c == 't' || c == 'f':
		l.bool()
	case c == 'n':
		if !l.null() {
			l.fail()
		}
	default:
		if _, err := strconv.ParseFloat(string(l.number()), 64); err != nil {
			l.fail()
		}
	}
}
