package runner

import (
	"context"
	"os"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	extism "github.com/extism/go-sdk"
	"github.com/tetratelabs/wazero/api"

	"github.com/wasmdrive/wasmdrive/hostfuncs"
	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// abiDoc is the plugin ABI reference these tests hold to the code.
const abiDoc = "../sdk/ABI.md"

func readABIDoc(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(abiDoc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// fencedBlocks returns the bodies of the doc's ```lang blocks.
func fencedBlocks(doc, lang string) []string {
	var out []string
	var cur []string
	in := false
	for _, l := range strings.Split(doc, "\n") {
		switch {
		case !in && strings.TrimSpace(l) == "```"+lang:
			in, cur = true, nil
		case in && strings.TrimSpace(l) == "```":
			in = false
			out = append(out, strings.Join(cur, "\n"))
		case in:
			cur = append(cur, l)
		}
	}
	return out
}

// docSection returns the text under the "## title" heading up to the next
// heading of the same level.
func docSection(t *testing.T, doc, title string) string {
	t.Helper()
	i := strings.Index(doc, "\n## "+title+"\n")
	if i < 0 {
		t.Fatalf("%s has no section %q", abiDoc, "## "+title)
	}
	rest := doc[i+len(title)+5:]
	if j := strings.Index(rest, "\n## "); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

// tableRows returns the cells of the markdown table rows in text whose first
// cell is a `code` span, keyed by that span.
func tableRows(text string) map[string][]string {
	rows := map[string][]string{}
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		if !strings.HasPrefix(l, "| `") {
			continue
		}
		cells := strings.Split(strings.Trim(l, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		key := strings.Trim(cells[0], "`")
		rows[key] = cells[1:]
	}
	return rows
}

// TestABIDocManifestExamples parses every YAML example in ABI.md with the
// loader serve uses, so a key the loader does not know (the old `entries:`)
// cannot be documented.
func TestABIDocManifestExamples(t *testing.T) {
	blocks := fencedBlocks(readABIDoc(t), "yaml")
	if len(blocks) < 2 {
		t.Fatalf("ABI.md has %d yaml examples, want the full manifest and the capabilities one", len(blocks))
	}
	for i, b := range blocks {
		m, err := ParseManifest("abi-doc", []byte(b))
		if err != nil {
			t.Errorf("yaml example %d of ABI.md does not load: %v\n%s", i+1, err, b)
			continue
		}
		if len(m.Exports) == 0 {
			t.Errorf("yaml example %d: no exports", i+1)
		}
	}
}

// manifestKeys lists every key path the manifest decoder reads, e.g.
// "limits.timeout", "triggers[].schedule", "config.KEY.type".
func manifestKeys(t reflect.Type, prefix string, out *[]string) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if tag == "" || tag == "-" {
			continue
		}
		p := prefix + tag
		*out = append(*out, p)
		ft := f.Type
		switch {
		case ft == reflect.TypeOf(Duration(0)) || ft == reflect.TypeOf(JSONValue(nil)):
		case ft.Kind() == reflect.Struct:
			manifestKeys(ft, p+".", out)
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct:
			manifestKeys(ft.Elem(), p+"[].", out)
		case ft.Kind() == reflect.Map && ft.Elem().Kind() == reflect.Struct:
			manifestKeys(ft.Elem(), p+".KEY.", out)
		}
	}
}

// TestABIDocManifestKeys checks that the manifest key table lists exactly
// the keys the loader decodes.
func TestABIDocManifestKeys(t *testing.T) {
	rows := tableRows(docSection(t, readABIDoc(t), "Manifest"))
	var want []string
	manifestKeys(reflect.TypeOf(Manifest{}), "", &want)
	sort.Strings(want)
	var got []string
	for k := range rows {
		got = append(got, k)
	}
	sort.Strings(got)
	for _, k := range want {
		if rows[k] == nil {
			t.Errorf("ABI.md ## Manifest: key %q the loader reads is not in the table", k)
		}
	}
	for _, k := range got {
		if !slices.Contains(want, k) {
			t.Errorf("ABI.md ## Manifest: key %q is documented but the loader does not read it", k)
		}
	}
}

// docImport is one `(import "module" "name" (func ...))` line of ABI.md.
type docImport struct {
	module, name    string
	params, results []string
}

var (
	importRE = regexp.MustCompile(`^\(import "([^"]+)" "([^"]+)" +\(func(?: \$\S+)?((?: +\((?:param|result)[^)]*\))*)\)\)`)
	groupRE  = regexp.MustCompile(`\((param|result)([^)]*)\)`)
)

// docImports returns the import lines of the doc's ```wat blocks by
// "module name".
func docImports(t *testing.T, doc string) map[string]docImport {
	t.Helper()
	out := map[string]docImport{}
	for _, b := range fencedBlocks(doc, "wat") {
		for _, l := range strings.Split(b, "\n") {
			l = strings.TrimSpace(l)
			if !strings.HasPrefix(l, "(import ") {
				continue
			}
			m := importRE.FindStringSubmatch(l)
			if m == nil {
				t.Errorf("ABI.md: cannot read import line %q", l)
				continue
			}
			imp := docImport{module: m[1], name: m[2], params: []string{}, results: []string{}}
			for _, g := range groupRE.FindAllStringSubmatch(m[3], -1) {
				if g[1] == "param" {
					imp.params = append(imp.params, strings.Fields(g[2])...)
				} else {
					imp.results = append(imp.results, strings.Fields(g[2])...)
				}
			}
			out[imp.module+" "+imp.name] = imp
		}
	}
	return out
}

func watTypes(ts []extism.ValueType) []string {
	out := []string{}
	for _, v := range ts {
		out = append(out, api.ValueTypeName(v))
	}
	return out
}

// TestABIDocHostFunctionSignatures checks that every host function the host
// registers is in ABI.md with its real Wasm signature, and that ABI.md
// names no wasmdrive host function the host lacks.
func TestABIDocHostFunctionSignatures(t *testing.T) {
	doc := docImports(t, readABIDoc(t))
	registered := map[string]bool{}
	for _, f := range hostfuncs.Functions() {
		key := f.Namespace + " " + f.Name
		registered[key] = true
		d, ok := doc[key]
		if !ok {
			t.Errorf("ABI.md: host function %s (module %q) is not documented", f.Name, f.Namespace)
			continue
		}
		if p, r := watTypes(f.Params), watTypes(f.Returns); !slices.Equal(p, d.params) || !slices.Equal(r, d.results) {
			t.Errorf("ABI.md: %s documented as (param %v) (result %v), registered as (param %v) (result %v)", f.Name, d.params, d.results, p, r)
		}
	}
	for key, d := range doc {
		if d.module == abi.Namespace && !registered[key] {
			t.Errorf("ABI.md documents %s in %q, which the host does not register", d.name, d.module)
		}
	}
}

// TestABIDocImportsLink builds a module importing every function of ABI.md
// with its documented signature (Extism kernel and wasmdrive alike) and
// instantiates it with the host's own compiler: a wrong signature or a
// function that does not exist fails the link.
func TestABIDocImportsLink(t *testing.T) {
	doc := docImports(t, readABIDoc(t))
	var env int
	imps := make([]docImport, 0, len(doc))
	for _, d := range doc {
		imps = append(imps, d)
		if d.module == "extism:host/env" {
			env++
		}
	}
	if env < 10 {
		t.Fatalf("ABI.md documents %d Extism kernel functions, want the input, output, memory, error and log ones", env)
	}
	sort.Slice(imps, func(i, j int) bool { return imps[i].module+imps[i].name < imps[j].module+imps[j].name })
	wasm := importOnlyModule(t, imps)
	c, err := newCompiler("")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	comp, err := c.acquire(ctx, "abi-doc", wasm, 16)
	if err != nil {
		t.Fatalf("compile a module importing ABI.md's functions: %v", err)
	}
	defer c.release(comp)
	inst, err := comp.cp.Instance(ctx, extism.PluginInstanceConfig{})
	if err != nil {
		t.Fatalf("link a module importing ABI.md's functions as documented: %v", err)
	}
	inst.Close(ctx)
}

// importOnlyModule encodes a Wasm module with one function import per
// item and nothing else.
func importOnlyModule(t *testing.T, imps []docImport) []byte {
	t.Helper()
	vt := map[string]byte{"i32": 0x7f, "i64": 0x7e, "f32": 0x7d, "f64": 0x7c}
	vec := func(n int, body []byte) []byte { return append(uleb(uint32(n)), body...) }
	str := func(s string) []byte { return vec(len(s), []byte(s)) }
	var types, imports []byte
	for i, d := range imps {
		ty := []byte{0x60}
		var ps, rs []byte
		for _, p := range d.params {
			ps = append(ps, vt[p])
		}
		for _, r := range d.results {
			rs = append(rs, vt[r])
		}
		ty = append(ty, vec(len(ps), ps)...)
		ty = append(ty, vec(len(rs), rs)...)
		types = append(types, ty...)
		imports = append(imports, str(d.module)...)
		imports = append(imports, str(d.name)...)
		imports = append(imports, 0x00)
		imports = append(imports, uleb(uint32(i))...)
	}
	section := func(id byte, n int, body []byte) []byte {
		b := vec(n, body)
		return append(append([]byte{id}, uleb(uint32(len(b)))...), b...)
	}
	out := []byte("\x00asm\x01\x00\x00\x00")
	out = append(out, section(1, len(imps), types)...)
	out = append(out, section(2, len(imps), imports)...)
	return out
}

func uleb(v uint32) []byte {
	var out []byte
	for {
		b := byte(v & 0x7f)
		v >>= 7
		if v != 0 {
			out = append(out, b|0x80)
			continue
		}
		return append(out, b)
	}
}

// TestABIDocCapabilities checks the capability table against the host's
// grant checks: each group row lists exactly the host functions a grant of
// that name allows (beyond the always-allowed ones), the always-allowed row
// matches an empty grant, and every host function is in some row.
func TestABIDocCapabilities(t *testing.T) {
	sec := docSection(t, readABIDoc(t), "Capabilities")
	rows := tableRows(sec)
	for _, l := range strings.Split(sec, "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(l), "| always allowed |"); ok {
			rows["always"] = strings.Split(strings.Trim(rest, "|"), "|")
		}
	}
	fnRE := regexp.MustCompile("`(wd_[a-z0-9_]+)`")
	always := func(fn string) bool { g := Grant{}; return g.AllowsFunction(fn) }
	covered := map[string]bool{}
	if len(rows) < 9 {
		t.Fatalf("ABI.md ## Capabilities: %d table rows, want one per group and the always-allowed one", len(rows))
	}
	for name, cells := range rows {
		if len(cells) < 2 {
			t.Errorf("capability %q: want columns host functions and what it allows", name)
			continue
		}
		var doc []string
		for _, m := range fnRE.FindAllStringSubmatch(cells[0], -1) {
			doc = append(doc, m[1])
		}
		sort.Strings(doc)
		var want []string
		for _, fn := range abi.Functions {
			var ok bool
			if name == "always" {
				ok = always(fn)
			} else {
				g := Grant{Functions: []string{name}}
				ok = g.AllowsFunction(fn) && !always(fn)
			}
			if ok {
				want = append(want, fn)
			}
		}
		sort.Strings(want)
		if len(want) == 0 {
			t.Errorf("ABI.md capability %q grants nothing in the host (not a capability name)", name)
		}
		if !slices.Equal(doc, want) {
			t.Errorf("ABI.md capability %q lists %v, the host grants %v", name, doc, want)
		}
		for _, fn := range doc {
			covered[fn] = true
		}
	}
	for _, fn := range abi.Functions {
		if !covered[fn] {
			t.Errorf("host function %s is in no capability row of ABI.md", fn)
		}
	}
}
