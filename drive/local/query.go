package local

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/wasmdrive/wasmdrive/drive"
)

// Limits of a search query.
const (
	maxQueryLen   = 4096
	maxConditions = 64
	maxDepth      = 32
)

// queryField describes a searchable field of the Open API query language.
type queryField struct {
	col  string
	kind byte // 's' string, 'i' integer, 't' time, 'b' boolean
}

var queryFields = map[string]queryField{
	"name":           {"name", 's'},
	"file_extension": {"ext", 's'},
	"category":       {"category", 's'},
	"type":           {"type", 's'},
	"parent_file_id": {"parent_id", 's'},
	"size":           {"size", 'i'},
	"created_at":     {"created_at", 't'},
	"updated_at":     {"updated_at", 't'},
	"starred":        {"starred", 'b'},
}

// compileQuery translates a query such as
//
//	name match "report" and (file_extension in ["pdf","doc"] or size > 1024)
//
// into an SQL condition over files with bound arguments only. Operators:
// = != > >= < <= match (substring, case-insensitive), in [...]; and binds
// tighter than or; parentheses group. Times are RFC 3339 (the zone may be
// left out: UTC).
func compileQuery(q string) (string, []any, error) {
	if len(q) > maxQueryLen {
		return "", nil, drive.Invalid("the query is %d characters; at most %d are allowed", len(q), maxQueryLen)
	}
	toks, err := lex(q)
	if err != nil {
		return "", nil, err
	}
	p := &qparser{toks: toks}
	if len(toks) == 0 {
		return "", nil, drive.Invalid("the query is empty")
	}
	sql, err := p.or(0)
	if err != nil {
		return "", nil, err
	}
	if p.pos < len(p.toks) {
		return "", nil, p.errorf("unexpected %q", p.toks[p.pos].text)
	}
	return sql, p.args, nil
}

type token struct {
	kind byte // 'w' word, 's' string, 'o' operator or punctuation
	text string
	pos  int
}

func lex(q string) ([]token, error) {
	var toks []token
	for i := 0; i < len(q); {
		c := q[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '"' || c == '\'':
			var b strings.Builder
			j := i + 1
			for ; j < len(q) && q[j] != c; j++ {
				if q[j] == '\\' && j+1 < len(q) {
					j++
				}
				b.WriteByte(q[j])
			}
			if j >= len(q) {
				return nil, drive.Invalid("query: unterminated string at offset %d", i)
			}
			toks = append(toks, token{'s', b.String(), i})
			i = j + 1
		case strings.IndexByte("()[],", c) >= 0:
			toks = append(toks, token{'o', string(c), i})
			i++
		case c == '=' || c == '!' || c == '<' || c == '>':
			j := i + 1
			if j < len(q) && q[j] == '=' {
				j++
			}
			op := q[i:j]
			if op == "!" {
				return nil, drive.Invalid("query: '!' must be followed by '=' at offset %d", i)
			}
			toks = append(toks, token{'o', op, i})
			i = j
		default:
			j := i
			for j < len(q) && (isWordByte(q[j])) {
				j++
			}
			if j == i {
				return nil, drive.Invalid("query: unexpected character %q at offset %d", c, i)
			}
			toks = append(toks, token{'w', q[i:j], i})
			i = j
		}
	}
	return toks, nil
}

func isWordByte(c byte) bool {
	return c == '_' || c == '.' || c == '-' || c == ':' || c == '+' || c >= 0x80 || unicode.IsLetter(rune(c)) || unicode.IsDigit(rune(c))
}

type qparser struct {
	toks  []token
	pos   int
	args  []any
	conds int
}

func (p *qparser) errorf(format string, a ...any) error {
	at := "end"
	if p.pos < len(p.toks) {
		at = "offset " + strconv.Itoa(p.toks[p.pos].pos)
	}
	return drive.Invalid("query: %s (at %s)", fmt.Sprintf(format, a...), at)
}

func (p *qparser) peekWord(w string) bool {
	return p.pos < len(p.toks) && p.toks[p.pos].kind == 'w' && strings.EqualFold(p.toks[p.pos].text, w)
}

func (p *qparser) peekOp(o string) bool {
	return p.pos < len(p.toks) && p.toks[p.pos].kind == 'o' && p.toks[p.pos].text == o
}

func (p *qparser) or(depth int) (string, error) {
	left, err := p.and(depth)
	if err != nil {
		return "", err
	}
	parts := []string{left}
	for p.peekWord("or") {
		p.pos++
		right, err := p.and(depth)
		if err != nil {
			return "", err
		}
		parts = append(parts, right)
	}
	if len(parts) == 1 {
		return left, nil
	}
	return "(" + strings.Join(parts, " OR ") + ")", nil
}

func (p *qparser) and(depth int) (string, error) {
	left, err := p.primary(depth)
	if err != nil {
		return "", err
	}
	parts := []string{left}
	for p.peekWord("and") {
		p.pos++
		right, err := p.primary(depth)
		if err != nil {
			return "", err
		}
		parts = append(parts, right)
	}
	if len(parts) == 1 {
		return left, nil
	}
	return "(" + strings.Join(parts, " AND ") + ")", nil
}

func (p *qparser) primary(depth int) (string, error) {
	if depth > maxDepth {
		return "", p.errorf("parentheses nested deeper than %d", maxDepth)
	}
	if p.peekOp("(") {
		p.pos++
		s, err := p.or(depth + 1)
		if err != nil {
			return "", err
		}
		if !p.peekOp(")") {
			return "", p.errorf("missing ')'")
		}
		p.pos++
		return s, nil
	}
	return p.cond()
}

func (p *qparser) cond() (string, error) {
	if p.conds++; p.conds > maxConditions {
		return "", p.errorf("more than %d conditions", maxConditions)
	}
	if p.pos >= len(p.toks) || p.toks[p.pos].kind != 'w' {
		return "", p.errorf("expected a field name")
	}
	name := strings.ToLower(p.toks[p.pos].text)
	f, ok := queryFields[name]
	if !ok {
		return "", p.errorf("unknown field %q", name)
	}
	p.pos++
	if p.pos >= len(p.toks) {
		return "", p.errorf("expected an operator after %s", name)
	}
	op := p.toks[p.pos]
	p.pos++
	switch {
	case op.kind == 'o' && compareOps[op.text]:
		v, err := p.value(f)
		if err != nil {
			return "", err
		}
		p.args = append(p.args, v)
		if op.text == "!=" {
			return f.col + " <> ?", nil
		}
		return f.col + " " + op.text + " ?", nil
	case op.kind == 'w' && strings.EqualFold(op.text, "match"):
		if f.kind != 's' {
			return "", p.errorf("match needs a text field, not %s", name)
		}
		v, err := p.value(f)
		if err != nil {
			return "", err
		}
		p.args = append(p.args, "%"+escapeLike(v.(string))+"%")
		return f.col + ` LIKE ? ESCAPE '\'`, nil
	case op.kind == 'w' && strings.EqualFold(op.text, "in"):
		return p.in(f)
	}
	p.pos--
	return "", p.errorf("unknown operator %q", op.text)
}

func (p *qparser) in(f queryField) (string, error) {
	if !p.peekOp("[") {
		return "", p.errorf("expected '[' after in")
	}
	p.pos++
	var marks []string
	for {
		v, err := p.value(f)
		if err != nil {
			return "", err
		}
		p.args = append(p.args, v)
		marks = append(marks, "?")
		if p.peekOp(",") {
			p.pos++
			continue
		}
		if p.peekOp("]") {
			p.pos++
			return f.col + " IN (" + strings.Join(marks, ",") + ")", nil
		}
		return "", p.errorf("expected ',' or ']'")
	}
}

// value reads one literal and converts it to the field's column type.
func (p *qparser) value(f queryField) (any, error) {
	if p.pos >= len(p.toks) || p.toks[p.pos].kind == 'o' {
		return nil, p.errorf("expected a value")
	}
	t := p.toks[p.pos]
	p.pos++
	switch f.kind {
	case 'i':
		n, err := strconv.ParseInt(t.text, 10, 64)
		if err != nil {
			return nil, drive.Invalid("query: %q is not an integer", t.text)
		}
		return n, nil
	case 'b':
		b, err := strconv.ParseBool(t.text)
		if err != nil {
			return nil, drive.Invalid("query: %q is not true or false", t.text)
		}
		return boolInt(b), nil
	case 't':
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
			if tm, err := time.Parse(layout, t.text); err == nil {
				return nanos(tm), nil
			}
		}
		return nil, drive.Invalid("query: %q is not a time (use RFC 3339, e.g. 2024-01-02T15:04:05)", t.text)
	}
	if f.col == "ext" {
		return strings.ToLower(t.text), nil
	}
	return t.text, nil
}

// compareOps are the comparison operators.
var compareOps = map[string]bool{"=": true, "!=": true, ">": true, ">=": true, "<": true, "<=": true}

func escapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}
