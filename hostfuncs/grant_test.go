package hostfuncs

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

func TestCheckDrive(t *testing.T) {
	g := Grant{Drive: DriveGrant{Read: []string{"/a", "/photos/2024/"}, Write: []string{"/"}}}
	tests := []struct {
		op   DriveOp
		path string
		ok   bool
	}{
		{DriveRead, "/a", true},
		{DriveRead, "/a/b/c", true},
		{DriveRead, "/ab", false},
		{DriveRead, "/", false},
		{DriveRead, "/photos/2024", true},
		{DriveRead, "/photos/2024/x.jpg", true},
		{DriveRead, "/photos/20245", false},
		{DriveRead, "/photos", false},
		{DriveWrite, "/anything/at/all", true},
		{DriveDelete, "/a", false},
		{DriveShare, "/a", false},
	}
	for _, tt := range tests {
		err := g.CheckDrive(tt.op, tt.path)
		if (err == nil) != tt.ok {
			t.Errorf("CheckDrive(%s, %q) = %v, want ok=%v", tt.op, tt.path, err, tt.ok)
		}
		if err != nil {
			var pe *PermissionError
			if !errors.As(err, &pe) || !errors.Is(err, ErrPermission) || Code(err) != abi.CodePermissionDenied {
				t.Errorf("CheckDrive(%s, %q) error %v is not a permission error", tt.op, tt.path, err)
			}
			if want := "drive." + string(tt.op) + ":" + tt.path; pe.Capability != want {
				t.Errorf("capability = %q, want %q", pe.Capability, want)
			}
		}
	}
}

func TestCleanDrivePath(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"/a//b/", "/a/b", true},
		{"/", "/", true},
		{"a/b", "", false},
		{"", "", false},
		{"/a/../b", "", false},
		{"/a/./b", "", false},
		{"/..", "", false},
		{"/a..b/c", "/a..b/c", true},
	}
	for _, tt := range tests {
		got, err := CleanDrivePath(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("CleanDrivePath(%q) = %q, %v; want %q ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestCheckFunction(t *testing.T) {
	tests := []struct {
		fns  []string
		fn   string
		want bool
	}{
		{nil, abi.FnLog, true}, // core
		{nil, abi.FnRunInfo, true},
		{nil, abi.FnDriveGet, false},
		{[]string{"drive.read"}, abi.FnDriveGet, true},
		{[]string{"drive.read"}, abi.FnDriveTrash, false},
		{[]string{"drive"}, abi.FnDriveTrash, true},
		{[]string{"drive"}, abi.FnDriveRequest, false},
		{[]string{"drive.request"}, abi.FnDriveRequest, true},
		{[]string{"drive.delete"}, abi.FnDriveBatch, true},
		{[]string{"kv"}, abi.FnKVPut, true},
		{[]string{abi.FnKVGet}, abi.FnKVPut, false},
		{[]string{"*"}, abi.FnEmit, true},
		{[]string{"emit"}, abi.FnEmit, true},
		{[]string{"local"}, abi.FnLocalSHA1, true},
	}
	for _, tt := range tests {
		g := Grant{Functions: tt.fns}
		err := g.CheckFunction(tt.fn)
		if (err == nil) != tt.want {
			t.Errorf("Functions %v: CheckFunction(%s) = %v, want allowed=%v", tt.fns, tt.fn, err, tt.want)
		}
		if err != nil && err.(*PermissionError).Capability != "function:"+tt.fn {
			t.Errorf("capability = %q", err.(*PermissionError).Capability)
		}
	}
}

func TestCheckSubject(t *testing.T) {
	g := Grant{Emit: []string{"backup.done", "events.*.created", "audit.>"}}
	tests := []struct {
		subj string
		ok   bool
		perm bool // the failure is a permission error (else invalid)
	}{
		{"backup.done", true, false},
		{"backup.done.x", false, true},
		{"backup", false, true},
		{"events.file.created", true, false},
		{"events.file.deleted", false, true},
		{"events.a.b.created", false, true},
		{"audit.x", true, false},
		{"audit.x.y.z", true, false},
		{"audit", false, true},
		{"audit.*", false, false},
		{"a..b", false, false},
		{"", false, false},
		{"has space", false, false},
	}
	for _, tt := range tests {
		err := g.CheckSubject(tt.subj)
		if (err == nil) != tt.ok {
			t.Errorf("CheckSubject(%q) = %v, want ok=%v", tt.subj, err, tt.ok)
		}
		if err != nil && errors.Is(err, ErrPermission) != tt.perm {
			t.Errorf("CheckSubject(%q) = %v, want permission error=%v", tt.subj, err, tt.perm)
		}
	}
}

func TestCheckLocal(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "granted")
	outside := filepath.Join(dir, "secret")
	for _, d := range []string{root, outside, filepath.Join(root, "sub")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	mustWrite(t, filepath.Join(outside, "key"), "x")
	mustWrite(t, filepath.Join(root, "sub", "f"), "x")
	// A link inside the granted folder pointing outside it.
	if err := os.Symlink(outside, filepath.Join(root, "escape")); err != nil {
		t.Fatal(err)
	}
	// A granted prefix that is itself a link to the real folder.
	link := filepath.Join(dir, "link-to-granted")
	if err := os.Symlink(root, link); err != nil {
		t.Fatal(err)
	}
	g := Grant{Local: LocalGrant{Read: []string{root}, Write: []string{filepath.Join(root, "sub")}}}
	gl := Grant{Local: LocalGrant{Read: []string{link}}}
	gw := Grant{Local: LocalGrant{Write: []string{root}}}
	tests := []struct {
		name string
		g    Grant
		op   LocalOp
		path string
		ok   bool
	}{
		{"inside", g, LocalRead, filepath.Join(root, "sub", "f"), true},
		{"root itself", g, LocalRead, root, true},
		{"sibling with shared prefix", g, LocalRead, root + "2", false},
		{"dotdot escape", g, LocalRead, root + "/../secret/key", false},
		{"symlink escape", g, LocalRead, filepath.Join(root, "escape", "key"), false},
		{"symlink escape missing tail", gw, LocalWrite, filepath.Join(root, "escape", "new"), false},
		{"write below root", gw, LocalWrite, filepath.Join(root, "new"), true},
		{"write outside write prefix", g, LocalWrite, filepath.Join(root, "x"), false},
		{"write new file", g, LocalWrite, filepath.Join(root, "sub", "new", "deep.txt"), true},
		{"relative", g, LocalRead, "granted/sub/f", false},
		{"granted through link", gl, LocalRead, filepath.Join(root, "sub", "f"), true},
		{"via link path", gl, LocalRead, filepath.Join(link, "sub", "f"), true},
		{"no grant", Grant{}, LocalRead, root, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.g.CheckLocal(tt.op, tt.path)
			if (err == nil) != tt.ok {
				t.Fatalf("CheckLocal(%s, %q) = %q, %v; want ok=%v", tt.op, tt.path, got, err, tt.ok)
			}
			if err == nil && !localWithin(got, root) {
				t.Errorf("resolved %q is outside %q", got, root)
			}
		})
	}
}

func mustWrite(t *testing.T, p, s string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestIntersect(t *testing.T) {
	tests := []struct {
		name           string
		asked, granted Grant
		want           Grant
	}{
		{
			name:    "functions: group narrowed to names",
			asked:   Grant{Functions: []string{"drive.read", "kv"}},
			granted: Grant{Functions: []string{abi.FnDriveGet, abi.FnDriveList, "kv", "emit"}},
			want:    Grant{Functions: []string{abi.FnDriveGet, abi.FnDriveList, "kv"}},
		},
		{
			name:    "functions: name under a granted group",
			asked:   Grant{Functions: []string{abi.FnDriveTrash, abi.FnEmit}},
			granted: Grant{Functions: []string{"drive"}},
			want:    Grant{Functions: []string{abi.FnDriveTrash}},
		},
		{
			name:    "functions: star",
			asked:   Grant{Functions: []string{"*"}},
			granted: Grant{Functions: []string{"kv"}},
			want:    Grant{Functions: []string{abi.FnKVGet, abi.FnKVPut, abi.FnKVDelete, abi.FnKVList}},
		},
		{
			name:    "prefixes: deeper wins, disjoint dropped",
			asked:   Grant{Drive: DriveGrant{Read: []string{"/", "/x"}, Write: []string{"/backup/a"}, Delete: []string{"/tmp"}}},
			granted: Grant{Drive: DriveGrant{Read: []string{"/backup"}, Write: []string{"/backup"}, Delete: []string{"/tmpx"}}},
			want:    Grant{Drive: DriveGrant{Read: []string{"/backup"}, Write: []string{"/backup/a"}}},
		},
		{
			name:    "prefixes: /a does not grant /ab; .. rejected",
			asked:   Grant{Drive: DriveGrant{Share: []string{"/ab", "/a/../etc"}}},
			granted: Grant{Drive: DriveGrant{Share: []string{"/a"}}},
			want:    Grant{},
		},
		{
			name:    "local",
			asked:   Grant{Local: LocalGrant{Read: []string{"/"}, Write: []string{"relative", "/srv/out/"}}},
			granted: Grant{Local: LocalGrant{Read: []string{"/home/me/photos"}, Write: []string{"/srv"}}},
			want:    Grant{Local: LocalGrant{Read: []string{"/home/me/photos"}, Write: []string{"/srv/out"}}},
		},
		{
			name:    "subjects",
			asked:   Grant{Emit: []string{"backup.>", "events.*.created", "x.y"}},
			granted: Grant{Emit: []string{"backup.done", "events.file.*", "x.*.z"}},
			want:    Grant{Emit: []string{"backup.done", "events.file.created"}},
		},
		{
			name:    "all under all",
			asked:   AllowAll(),
			granted: AllowAll(),
			want:    AllowAll(),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Intersect(tt.asked, tt.granted)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Intersect =\n %+v\nwant\n %+v", got, tt.want)
			}
			// The intersection never allows more than either side.
			for _, fn := range abi.Functions {
				if got.AllowsFunction(fn) && (!tt.asked.AllowsFunction(fn) || !tt.granted.AllowsFunction(fn)) {
					t.Errorf("intersection allows %s that one side denies", fn)
				}
			}
		})
	}
}

func TestSubjectIntersectionAgreesWithMatch(t *testing.T) {
	pats := []string{"a.b", "a.*", "*.b", ">", "a.>", "*.*", "a.b.c", "*.>", "b.*"}
	subjects := []string{"a", "a.b", "a.c", "b.b", "a.b.c", "x.y.z", "b.a"}
	for _, p := range pats {
		for _, q := range pats {
			i, ok := intersectSubjects(p, q)
			for _, s := range subjects {
				both := subjectMatch(p, s) && subjectMatch(q, s)
				got := ok && subjectMatch(i, s)
				if both != got {
					t.Errorf("∩(%q,%q)=%q ok=%v: subject %q both=%v got=%v", p, q, i, ok, s, both, got)
				}
			}
		}
	}
}

// FuzzIntersect checks that the intersection of two grants never allows a
// drive path, local path prefix or subject that one of them denies, and
// allows what both allow.
func FuzzIntersect(f *testing.F) {
	f.Add("/a", "/a/b", "/a/b/c", "x.*", "x.>", "x.y")
	f.Add("/", "/ab", "/a", ">", "a.*.c", "a.b.c")
	f.Add("/a/../b", "/b", "/b/x", "*.*", "a.b", "a.b")
	f.Fuzz(func(t *testing.T, asked, granted, p, askedSubj, grantedSubj, subj string) {
		a := Grant{Drive: DriveGrant{Read: []string{asked}}, Emit: []string{askedSubj}}
		g := Grant{Drive: DriveGrant{Read: []string{granted}}, Emit: []string{grantedSubj}}
		i := Intersect(a, g)
		if cp, err := CleanDrivePath(p); err == nil {
			in := i.CheckDrive(DriveRead, cp) == nil
			both := validPrefix(asked) && validPrefix(granted) && a.CheckDrive(DriveRead, cp) == nil && g.CheckDrive(DriveRead, cp) == nil
			if in != both {
				t.Fatalf("path %q: intersection allows=%v, both allow=%v (asked %q granted %q → %v)", cp, in, both, asked, granted, i.Drive.Read)
			}
		}
		if validSubject(subj, false) == nil {
			in := i.CheckSubject(subj) == nil
			both := validSubject(askedSubj, true) == nil && validSubject(grantedSubj, true) == nil &&
				a.CheckSubject(subj) == nil && g.CheckSubject(subj) == nil
			if in != both {
				t.Fatalf("subject %q: intersection allows=%v, both allow=%v (%q ∩ %q → %v)", subj, in, both, askedSubj, grantedSubj, i.Emit)
			}
		}
	})
}

func validPrefix(p string) bool {
	_, err := CleanDrivePath(p)
	return err == nil
}
