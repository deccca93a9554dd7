package private

import (
	"database/sql"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	_ "modernc.org/sqlite"
)

// umask022 sets the usual umask for the test, so modes asked for show.
func umask022(t *testing.T) {
	old := syscall.Umask(0o022)
	t.Cleanup(func() { syscall.Umask(old) })
}

func perm(t *testing.T, p string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

func TestCreateModes(t *testing.T) {
	umask022(t)
	dir := filepath.Join(t.TempDir(), "a", "b")
	if err := MkdirAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(filepath.Join(dir, "w"), []byte("x")); err != nil {
		t.Fatal(err)
	}
	f, err := OpenFile(filepath.Join(dir, "o"), os.O_CREATE|os.O_WRONLY)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	for p, want := range map[string]os.FileMode{
		filepath.Dir(dir): DirMode, dir: DirMode,
		filepath.Join(dir, "w"): FileMode, filepath.Join(dir, "o"): FileMode,
	} {
		if got := perm(t, p); got != want {
			t.Errorf("%s: mode %v, want %v", p, got, want)
		}
	}
}

// TestPrepareDBWALInherits: the -wal and -shm files SQLite makes take the
// mode of the pre-created database.
func TestPrepareDBWALInherits(t *testing.T) {
	umask022(t)
	p := filepath.Join(t.TempDir(), "x.db")
	if err := PrepareDB(p); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+p+"?_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE t (x); INSERT INTO t VALUES (1)`); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{p, p + "-wal", p + "-shm"} {
		if got := perm(t, f); got != FileMode {
			t.Errorf("%s: mode %v, want %v", f, got, FileMode)
		}
	}
}

func TestTighten(t *testing.T) {
	umask022(t)
	dir := t.TempDir()
	loose := filepath.Join(dir, "loose")
	if err := os.WriteFile(loose, nil, 0o664); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Tighten(loose, sub, filepath.Join(dir, "missing")); err != nil {
		t.Fatal(err)
	}
	if got := perm(t, loose); got != 0o600 {
		t.Errorf("file: %v", got)
	}
	if got := perm(t, sub); got != 0o700 {
		t.Errorf("folder: %v", got)
	}
}
