package e2e

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/drive"
)

// seedDrive uploads files (path → content) to d.
func seedDrive(t *testing.T, d drive.Drive, files map[string][]byte) {
	t.Helper()
	ctx := context.Background()
	for p, b := range files {
		i := strings.LastIndexByte(p, '/')
		dir, err := d.MkdirAll(ctx, p[:i])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Upload(ctx, drive.UploadRequest{ParentFileID: dir.FileID, Name: p[i+1:], Size: int64(len(b)),
			Content: bytes.NewReader(b)}); err != nil {
			t.Fatalf("upload %s: %v", p, err)
		}
	}
}

func TestArchiveRules(t *testing.T) {
	year := time.Now().UTC().Format("2006")
	rules := []map[string]any{{
		"name": "pdfs", "folder": "/Inbox", "when": map[string]any{"extensions": []string{"pdf"}},
		"action": "copy", "dest": "/Archive/{yyyy}/{ext}", "conflict": "rename",
	}, {
		"name": "logs", "folder": "/Inbox", "when": map[string]any{"names": []string{"**/*.log"}},
		"action": "move", "dest": "/Logs/{yyyy}",
	}}
	e := NewTestEnv(t, nil, "", map[string]map[string]any{"archive": {"rules": rules}})
	seedDrive(t, e.Drive, map[string][]byte{
		"/Inbox/a.pdf": []byte("a"), "/Inbox/sub/b.pdf": []byte("b"), "/Inbox/x.log": []byte("x"),
		"/Inbox/keep.txt": []byte("k"), "/Archive/" + year + "/pdf/a.pdf": []byte("older a"),
	})
	before := DriveNames(t, e.Drive, "/")
	type summary struct {
		DryRun bool `json:"dry_run"`
		Status string
		Rules  []struct {
			Name                           string
			Planned, Done, Skipped, Failed int
			Examples                       []string
		}
	}
	var dry summary
	e.MustCall("archive", "archive", map[string]any{"dry_run": true}, &dry)
	if !dry.DryRun || len(dry.Rules) != 2 || dry.Rules[0].Planned != 2 || dry.Rules[1].Planned != 1 || dry.Rules[0].Done != 0 {
		t.Fatalf("dry run: %+v", dry)
	}
	if after := DriveNames(t, e.Drive, "/"); strings.Join(after, ",") != strings.Join(before, ",") {
		t.Fatalf("dry run changed the drive:\n%q\n%q", before, after)
	}
	var s summary
	e.MustCall("archive", "archive", nil, &s)
	if s.Status != "ok" || s.Rules[0].Done != 2 || s.Rules[1].Done != 1 {
		t.Fatalf("archive: %+v", s)
	}
	got := strings.Join(DriveNames(t, e.Drive, "/"), ",")
	for _, want := range []string{"/Archive/" + year + "/pdf/a.pdf", "/Archive/" + year + "/pdf/a (1).pdf", "/Archive/" + year + "/pdf/b.pdf",
		"/Inbox/a.pdf", "/Logs/" + year + "/x.log", "/Inbox/keep.txt"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %s in %s", want, got)
		}
	}
	if strings.Contains(got, "/Inbox/x.log") {
		t.Errorf("moved file still in the inbox: %s", got)
	}
	// A second run finds the copies already there (rename policy would
	// make more, so it must not select archived files; the source pdfs are
	// copied again under new names only if they are selected again).
	var again summary
	e.MustCall("archive", "archive", map[string]any{"rules": []map[string]any{{
		"folder": "/Inbox", "when": map[string]any{"extensions": []string{"pdf"}}, "dest": "/Archive/{yyyy}/{ext}"}}}, &again)
	if again.Rules[0].Done != 0 || again.Rules[0].Skipped != 2 {
		t.Fatalf("second run with conflict skip: %+v", again)
	}
}

func TestCleanupRules(t *testing.T) {
	e := NewTestEnv(t, nil, "", map[string]map[string]any{"cleanup": {"rules": []map[string]any{
		{"name": "sets", "kind": "keep_newest", "folder": "/B", "keep": 2, "when": map[string]any{"names": []string{"set-*"}}},
		{"name": "dups", "kind": "dedupe", "folder": "/B"},
		{"name": "tmp", "kind": "trash", "folder": "/B", "when": map[string]any{"extensions": []string{"tmp"}}},
		{"name": "empty", "kind": "empty_folders", "folder": "/B"},
	}}})
	files := map[string][]byte{"/B/x.tmp": []byte("t"), "/B/d1/same": []byte("dup"), "/B/e/f/.keep-none": nil}
	seedDrive(t, e.Drive, files)
	time.Sleep(15 * time.Millisecond) // the duplicate is newer, so dedupe keeps /B/d1/same (oldest)
	seedDrive(t, e.Drive, map[string][]byte{"/B/d2/same": []byte("dup")})
	for i := 1; i <= 4; i++ { // uploaded in order: set-1 is oldest
		seedDrive(t, e.Drive, map[string][]byte{"/B/set-" + itoa(i): []byte("set " + itoa(i))})
		time.Sleep(15 * time.Millisecond)
	}
	if _, err := e.Drive.MkdirAll(context.Background(), "/B/empty/deeper"); err != nil {
		t.Fatal(err)
	}
	before := strings.Join(DriveNames(t, e.Drive, "/"), ",")
	type summary struct {
		Status                            string
		DryRun                            int `json:"dry_run"`
		Planned, Trashed, Deleted, Failed int
		Examples                          []string
	}
	var dry summary
	e.MustCall("cleanup", "cleanup", nil, &dry) // dry run by default
	if dry.Planned != dry.DryRun || dry.Trashed != 0 || dry.Planned < 5 {
		t.Fatalf("default dry run: %+v", dry)
	}
	if after := strings.Join(DriveNames(t, e.Drive, "/"), ","); after != before {
		t.Fatalf("dry run changed the drive")
	}
	// The cap refuses the whole run.
	if err := e.Call("cleanup", "cleanup", map[string]any{"dry_run": false, "max_deletes": 2}, nil); err == nil ||
		!strings.Contains(err.Error(), "max_deletes") {
		t.Fatalf("run over the cap: %v", err)
	}
	if after := strings.Join(DriveNames(t, e.Drive, "/"), ","); after != before {
		t.Fatalf("a refused run changed the drive")
	}
	var s summary
	e.MustCall("cleanup", "cleanup", map[string]any{"dry_run": false}, &s)
	if s.Status != "ok" || s.Trashed != dry.Planned {
		t.Fatalf("cleanup: %+v (dry run planned %d: %q)", s, dry.Planned, dry.Examples)
	}
	got := strings.Join(DriveNames(t, e.Drive, "/"), ",")
	for _, gone := range []string{"/B/set-1", "/B/set-2", "/B/x.tmp", "/B/d2/same"} {
		if strings.Contains(got, gone+",") || strings.HasSuffix(got, gone) {
			t.Errorf("%s still on the drive: %s", gone, got)
		}
	}
	for _, kept := range []string{"/B/set-3", "/B/set-4", "/B/d1/same", "/B/e/f/.keep-none"} {
		if !strings.Contains(got, kept) {
			t.Errorf("%s was removed: %s", kept, got)
		}
	}
	if _, err := e.Drive.GetByPath(context.Background(), "/B/empty"); err == nil {
		t.Errorf("empty folder /B/empty not removed")
	}
}
