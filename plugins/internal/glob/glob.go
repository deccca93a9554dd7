// Package glob matches slash-separated relative paths against shell-style
// patterns with "**" and combines include and exclude lists into a Filter.
// The implementation is the ABI's (sdk/abi/glob.go), because the host's
// wd_local_scan applies the same filters: one code, one meaning.
package glob

import "github.com/wasmdrive/wasmdrive/sdk/abi"

// ErrBadPattern reports a malformed pattern.
var ErrBadPattern = abi.ErrBadGlob

type (
	// Pattern is a compiled pattern; the zero value matches nothing.
	Pattern = abi.GlobPattern
	// Filter is an include list and an exclude list: a file is selected
	// when it matches no exclude and the include list is empty or it
	// matches one include; a folder is pruned when it matches an exclude.
	Filter = abi.GlobFilter
)

// Compile parses a pattern. Empty patterns are refused.
func Compile(pattern string) (Pattern, error) { return abi.CompileGlob(pattern) }

// MustCompile is Compile that panics; for patterns fixed in code.
func MustCompile(pattern string) Pattern { return abi.MustCompileGlob(pattern) }

// NewFilter compiles include and exclude patterns.
func NewFilter(include, exclude []string) (*Filter, error) {
	return abi.NewGlobFilter(include, exclude)
}
