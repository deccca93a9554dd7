package hostfuncs

import (
	"fmt"
	"strings"
)

// validSubject checks a NATS subject: dot-separated non-empty tokens without
// spaces; wildcards ("*" as a token, ">" as the last token) only if pattern.
func validSubject(s string, pattern bool) error {
	if s == "" {
		return fmt.Errorf("subject is empty")
	}
	toks := strings.Split(s, ".")
	for i, t := range toks {
		switch {
		case t == "":
			return fmt.Errorf("subject %q has an empty token", s)
		case strings.ContainsAny(t, " \t\r\n"):
			return fmt.Errorf("subject %q contains white space", s)
		case t == "*" || t == ">":
			if !pattern {
				return fmt.Errorf("subject %q must not contain wildcards", s)
			}
			if t == ">" && i != len(toks)-1 {
				return fmt.Errorf("subject pattern %q: > must be the last token", s)
			}
		}
	}
	return nil
}

// subjectMatch reports whether literal subject s matches pattern pat.
func subjectMatch(pat, s string) bool {
	for {
		pt, prest, pmore := strings.Cut(pat, ".")
		st, srest, smore := strings.Cut(s, ".")
		switch {
		case pt == ">":
			return true
		case pt != "*" && pt != st:
			return false
		}
		if !pmore || !smore {
			return pmore == smore
		}
		pat, s = prest, srest
	}
}

// intersectSubjects returns a pattern matching exactly the subjects both
// patterns match, or ok=false when they are disjoint.
func intersectSubjects(a, b string) (string, bool) {
	at, bt := strings.Split(a, "."), strings.Split(b, ".")
	var out []string
	for i := 0; ; i++ {
		switch {
		case i == len(at) && i == len(bt):
			return strings.Join(out, "."), true
		case i == len(at) || i == len(bt):
			return "", false
		}
		x, y := at[i], bt[i]
		switch {
		case x == ">":
			return strings.Join(append(out, bt[i:]...), "."), true
		case y == ">":
			return strings.Join(append(out, at[i:]...), "."), true
		case x == "*":
			out = append(out, y)
		case y == "*" || x == y:
			out = append(out, x)
		default:
			return "", false
		}
	}
}
