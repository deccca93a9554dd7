package namespace

import "strings"

// Match reports whether the literal subject matches pattern ('*' one
// token, '>' the rest, at least one token).
func Match(pattern, subject string) bool {
	p, s := strings.Split(pattern, "."), strings.Split(subject, ".")
	for i, tok := range p {
		if tok == ">" {
			return len(s) > i
		}
		if i >= len(s) || (tok != "*" && tok != s[i]) {
			return false
		}
	}
	return len(p) == len(s)
}

// Overlaps reports whether two patterns can match a common subject.
func Overlaps(a, b string) bool {
	x, y := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(x) && i < len(y); i++ {
		if x[i] == ">" || y[i] == ">" {
			return true
		}
		if x[i] != "*" && y[i] != "*" && x[i] != y[i] {
			return false
		}
	}
	return len(x) == len(y)
}

// Subsumes reports whether every subject b matches is matched by a.
func Subsumes(a, b string) bool {
	x, y := strings.Split(a, "."), strings.Split(b, ".")
	for i, tok := range x {
		if tok == ">" {
			return len(y) > i
		}
		if i >= len(y) || y[i] == ">" || (tok != "*" && (y[i] == "*" || tok != y[i])) {
			return false
		}
	}
	return len(x) == len(y)
}
