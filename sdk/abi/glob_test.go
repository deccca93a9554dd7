package abi

import (
	"errors"
	"strings"
	"testing"
)

func TestGlobMatch(t *testing.T) {
	tests := []struct {
		pattern, name string
		want          bool
	}{
		{"*.tmp", "a.tmp", true},
		{"*.tmp", "x/y/a.tmp", true},
		{"*.tmp", "x/y/a.txt", false},
		{"/*.tmp", "x/a.tmp", false},
		{"/*.tmp", "a.tmp", true},
		{"docs/*.md", "docs/a.md", true},
		{"docs/*.md", "docs/sub/a.md", false},
		{"docs/**/*.md", "docs/a.md", true},
		{"docs/**/*.md", "docs/x/y/z/a.md", true},
		{"docs/**", "docs", true},
		{"docs/**", "docs/x/y", true},
		{"**/node_modules", "a/b/node_modules", true},
		{"**/node_modules", "node_modules", true},
		{"**/node_modules/**", "a/node_modules/x/y.js", true},
		{"**", "anything/at/all", true},
		{"a/?.txt", "a/b.txt", true},
		{"a/?.txt", "a/bc.txt", false},
		{"[abc].go", "b.go", true},
		{"[^abc].go", "b.go", false},
		{"日本/*.txt", "日本/語.txt", true},
		{"a/**/b/**/c", "a/b/c", true},
		{"a/**/b/**/c", "a/x/b/y/z/c", true},
		{"a/**/b/**/c", "a/x/y/z/c", false},
		{"a/b/", "a/b", true},
	}
	for _, tt := range tests {
		p, err := CompileGlob(tt.pattern)
		if err != nil {
			t.Fatalf("CompileGlob(%q): %v", tt.pattern, err)
		}
		if got := p.Match(tt.name); got != tt.want {
			t.Errorf("%q.Match(%q) = %v, want %v", tt.pattern, tt.name, got, tt.want)
		}
	}
}

func TestGlobCompileErrors(t *testing.T) {
	for _, bad := range []string{"", "/", "a//b", "[abc", "a/[/b"} {
		if _, err := CompileGlob(bad); !errors.Is(err, ErrBadGlob) {
			t.Errorf("CompileGlob(%q) = %v, want ErrBadGlob", bad, err)
		}
	}
}

func TestGlobFilter(t *testing.T) {
	f, err := NewGlobFilter([]string{"**/*.go", "README*"}, []string{"vendor", "*_test.go"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		want bool
	}{
		{"main.go", true},
		{"pkg/a/b.go", true},
		{"pkg/a/b_test.go", false},
		{"README.md", true},
		{"notes.txt", false},
	}
	for _, tt := range tests {
		if got := f.IncludeFile(tt.name); got != tt.want {
			t.Errorf("IncludeFile(%q) = %v, want %v", tt.name, got, tt.want)
		}
	}
	if !f.Excluded("a/vendor") {
		t.Error("folder a/vendor should be excluded")
	}
	var none *GlobFilter
	if !none.IncludeFile("x") || none.Excluded("x") {
		t.Error("nil filter must select everything")
	}
	if _, err := NewGlobFilter(nil, []string{"[x"}); err == nil {
		t.Error("bad exclude accepted")
	}
}

func FuzzMatch(f *testing.F) {
	f.Add("docs/**/*.md", "docs/a/b.md")
	f.Add("**/**/**/a", strings.Repeat("x/", 30)+"a")
	f.Add("[a-", "a")
	f.Fuzz(func(t *testing.T, pattern, name string) {
		p, err := CompileGlob(pattern)
		if err != nil {
			return
		}
		_ = p.Match(name)
		if p.String() != pattern {
			t.Fatalf("String() = %q, want %q", p.String(), pattern)
		}
	})
}
