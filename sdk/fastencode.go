package sdk

import (
	"strconv"
	"unicode/utf8"

	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// fastRequest encodes the most frequent requests without reflection (see
// lexer.go for why this matters inside Wasm); ok=false means "use
// encoding/json". The output matches encoding/json's field for field.
func fastRequest(req any) (b []byte, ok bool) { return appendRequest(make([]byte, 0, 128), req) }

// appendRequest is fastRequest appending to b.
func appendRequest(b []byte, req any) ([]byte, bool) {
	switch r := req.(type) {
	case abi.GetRequest:
		b = appendStrField(append(b, '{'), "file_id", r.FileID, false)
	case abi.FileRequest:
		b = appendStrField(append(b, '{'), "file_id", r.FileID, false)
	case abi.GetByPathRequest:
		b = appendStrField(append(b, '{'), "path", r.Path, false)
	case abi.LocalPathRequest:
		b = appendStrField(append(b, '{'), "path", r.Path, false)
	case abi.KVKeyRequest:
		b = appendStrField(append(b, '{'), "key", r.Key, false)
	case abi.ListRequest:
		if !validUTF8(r.ParentFileID, r.Path, r.Marker, r.OrderBy, r.OrderDirection, r.Type, r.Category) {
			return nil, false
		}
		b = append(b, '{')
		b = appendStrField(b, "parent_file_id", r.ParentFileID, true)
		b = appendStrField(b, "path", r.Path, true)
		if r.Limit != 0 {
			b = strconv.AppendInt(append(comma(b), `"limit":`...), int64(r.Limit), 10)
		}
		b = appendStrField(b, "marker", r.Marker, true)
		b = appendStrField(b, "order_by", r.OrderBy, true)
		b = appendStrField(b, "order_direction", r.OrderDirection, true)
		b = appendStrField(b, "type", r.Type, true)
		b = appendStrField(b, "category", r.Category, true)
		if r.Trash {
			b = append(comma(b), `"trash":true`...)
		}
		if len(r.Fields) > 0 {
			if !validUTF8(r.Fields...) {
				return nil, false
			}
			b = append(comma(b), `"fields":[`...)
			for i, f := range r.Fields {
				if i > 0 {
					b = append(b, ',')
				}
				b = appendStr(b, f)
			}
			b = append(b, ']')
		}
	case abi.BatchRequest:
		return appendBatch(b, r)
	default:
		return nil, false
	}
	if b == nil {
		return nil, false
	}
	return append(b, '}'), true
}

// appendBatch encodes a batch request.
func appendBatch(b []byte, r abi.BatchRequest) ([]byte, bool) {
	b = append(b, `{"items":`...)
	if r.Items == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, it := range r.Items {
			if !validUTF8(it.ID, it.Op, it.FileID, it.ToParentID, it.NewName, it.CheckNameMode) {
				return nil, false
			}
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '{')
			if it.ID != "" {
				b = append(appendStr(append(b, `"id":`...), it.ID), ',')
			}
			b = appendStr(append(b, `"op":`...), it.Op)
			b = appendStr(append(b, `,"file_id":`...), it.FileID)
			b = appendOptStr(b, `,"to_parent_file_id":`, it.ToParentID)
			b = appendOptStr(b, `,"new_name":`, it.NewName)
			b = appendOptStr(b, `,"check_name_mode":`, it.CheckNameMode)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if r.ChunkSize != 0 {
		b = strconv.AppendInt(append(b, `,"chunk_size":`...), int64(r.ChunkSize), 10)
	}
	if r.Concurrency != 0 {
		b = strconv.AppendInt(append(b, `,"concurrency":`...), int64(r.Concurrency), 10)
	}
	return append(b, '}'), true
}

// appendStr appends a quoted, escaped string.
func appendStr(b []byte, s string) []byte {
	return append(appendEscaped(append(b, '"'), s), '"')
}

// appendOptStr appends key (with its comma and colon) and s unless s is "".
func appendOptStr(b []byte, key, s string) []byte {
	if s == "" {
		return b
	}
	return appendStr(append(b, key...), s)
}

// validUTF8 reports whether every string is valid UTF-8 (encoding/json
// rewrites invalid bytes; leave those requests to it).
func validUTF8(ss ...string) bool {
	for _, s := range ss {
		if !utf8.ValidString(s) {
			return false
		}
	}
	return true
}

// comma adds a separator unless b is just the opening brace.
func comma(b []byte) []byte {
	if len(b) > 1 {
		return append(b, ',')
	}
	return b
}

// appendStrField appends "name":"value" (skipped when omitEmpty and value
// is ""). It returns nil for invalid UTF-8, which encoding/json rewrites.
func appendStrField(b []byte, name, value string, omitEmpty bool) []byte {
	if b == nil || omitEmpty && value == "" {
		return b
	}
	if !utf8.ValidString(value) {
		return nil
	}
	b = append(comma(b), '"')
	b = append(b, name...)
	b = append(b, `":"`...)
	return append(appendEscaped(b, value), '"')
}

// plain reports whether s needs no escaping: no '"', '\\', '<', '>', '&',
// control or non-ASCII bytes. It tests eight bytes per iteration.
func plain(s string) bool {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		v := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		// High bit of each byte of m: non-ASCII, control, or one of the five
		// (x-lo8)&^x flags zero bytes of x = v^c). Unrolled: no inner loop.
		q, bs, lt, gt, amp := v^('"'*lo8), v^('\\'*lo8), v^('<'*lo8), v^('>'*lo8), v^('&'*lo8)
		m := v | (v-0x20*lo8)&^v | (q-lo8)&^q | (bs-lo8)&^bs | (lt-lo8)&^lt | (gt-lo8)&^gt | (amp-lo8)&^amp
		if m&hi8 != 0 {
			return false
		}
	}
	for ; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

const hexDigits = "0123456789abcdef"

// appendEscaped appends s with JSON escapes, as encoding/json does with
// HTML escaping on (<, >, & and U+2028/9 escaped).
func appendEscaped(b []byte, s string) []byte {
	if plain(s) {
		return append(b, s...)
	}
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(b, s[start:]...)
}
