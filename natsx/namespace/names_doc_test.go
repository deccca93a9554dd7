package namespace

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestNamesDocumented: every name this package exports appears in
// NAMES.md, the operators' page, and so does the value of every exported
// string constant (the stream, bucket and subject names natscli users
// type) and every reserved pattern. A name added here without a line
// there fails the build's tests.
func TestNamesDocumented(t *testing.T) {
	b, err := os.ReadFile("NAMES.md")
	if err != nil {
		t.Fatalf("the operators' page of NATS names: %v", err)
	}
	page := string(b)
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi os.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
	if err != nil {
		t.Fatal(err)
	}
	exprs := map[string]ast.Expr{} // every constant, exported or not, by name
	var names []string
	for _, f := range pkgs["namespace"].Files {
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil && d.Name.IsExported() {
					names = append(names, d.Name.Name)
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						if s.Name.IsExported() {
							names = append(names, s.Name.Name)
						}
					case *ast.ValueSpec:
						for i, n := range s.Names {
							if n.IsExported() {
								names = append(names, n.Name)
							}
							if d.Tok == token.CONST && i < len(s.Values) {
								exprs[n.Name] = s.Values[i]
							}
						}
					}
				}
			}
		}
	}
	if len(names) < 20 {
		t.Fatalf("found only %d exported names: %v", len(names), names)
	}
	for _, n := range names {
		if !strings.Contains(page, "`"+n+"`") {
			t.Errorf("NAMES.md does not mention `%s`: add it (and what it names) to the page", n)
		}
		e, ok := exprs[n]
		if !ok {
			continue
		}
		v, ok := evalString(e, exprs)
		if !ok {
			t.Errorf("constant %s: cannot evaluate its value; extend evalString", n)
		} else if !strings.Contains(page, v) {
			t.Errorf("NAMES.md does not show the value %q of `%s`", v, n)
		}
	}
	for _, a := range Reserved() {
		if !strings.Contains(page, "`"+a.Pattern+"`") {
			t.Errorf("NAMES.md does not list the reserved area `%s` (%s)", a.Pattern, a.Owner)
		}
	}
}

// evalString evaluates a string constant expression made of literals,
// other constants and '+'.
func evalString(e ast.Expr, consts map[string]ast.Expr) (string, bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(e.Value)
		return s, err == nil
	case *ast.Ident:
		c, ok := consts[e.Name]
		if !ok {
			return "", false
		}
		return evalString(c, consts)
	case *ast.ParenExpr:
		return evalString(e.X, consts)
	case *ast.BinaryExpr:
		if e.Op != token.ADD {
			return "", false
		}
		x, ok1 := evalString(e.X, consts)
		y, ok2 := evalString(e.Y, consts)
		return x + y, ok1 && ok2
	}
	return "", false
}
