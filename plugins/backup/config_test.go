package main

import (
	"strings"
	"testing"

	"github.com/wasmdrive/wasmdrive/plugins/internal/crypt"
)

func TestConfigCompile(t *testing.T) {
	key := "base64:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
	tests := []struct {
		name    string
		c       Config
		wantErr string
	}{
		{"defaults", Config{Source: "/data/", Target: "Backup/x"}, ""},
		{"relative source", Config{Source: "data", Target: "/B"}, "absolute local folder"},
		{"drive root", Config{Source: "/d", Target: "/"}, "not the drive root"},
		{"bad glob", Config{Source: "/d", Target: "/B", Exclude: []string{"[x"}}, "include/exclude"},
		{"bad deletion", Config{Source: "/d", Target: "/B", Deletion: "shred"}, "deletion"},
		{"bad symlinks", Config{Source: "/d", Target: "/B", Symlinks: "copy"}, "symlinks"},
		{"versions dir with slash", Config{Source: "/d", Target: "/B", VersionsDir: "a/b"}, "versions_dir"},
		{"short passphrase", Config{Source: "/d", Target: "/B", EncryptionKey: "short", TempDir: "/t"}, "encryption_key"},
		{"key without temp dir", Config{Source: "/d", Target: "/B", EncryptionKey: key}, "temp_dir"},
		{"encrypted", Config{Source: "/d", Target: "/B", EncryptionKey: key, TempDir: "/t"}, ""},
		{"too parallel", Config{Source: "/d", Target: "/B", Parallel: 17}, "parallel"},
		{"negative part size", Config{Source: "/d", Target: "/B", PartSize: -1}, "part_size"},
	}
	for _, tt := range tests {
		s, err := tt.c.compile()
		if tt.wantErr == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
				continue
			}
			if s.Source != strings.TrimSuffix(tt.c.Source, "/") || !strings.HasPrefix(s.Target, "/") || s.CheckpointFiles != 500 ||
				s.Deletion != "keep" || s.Symlinks != "skip" || s.VersionsDir != ".versions" || !*s.EncryptNames || s.Parallel != defaultParallel {
				t.Errorf("%s: defaults not applied: %+v", tt.name, s.Config)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.wantErr)
		}
	}
}

func TestRemoteNamesAndPrefix(t *testing.T) {
	s, err := Config{Source: "/d", Target: "/B"}.compile()
	if err != nil {
		t.Fatal(err)
	}
	if s.remoteRel("a/b.txt") != "a/b.txt" {
		t.Fatal("plain names changed")
	}
	other, _ := Config{Source: "/e", Target: "/B"}.compile()
	if s.kvPrefix() == other.kvPrefix() {
		t.Fatal("two sources share a manifest prefix")
	}
	enc, err := Config{Source: "/d", Target: "/B", TempDir: "/t", EncryptionKey: "hex:" + strings.Repeat("ab", crypt.KeySize)}.compile()
	if err != nil {
		t.Fatal(err)
	}
	r := enc.remoteRel("a/b.txt")
	if strings.Contains(r, "b.txt") || strings.Count(r, "/") != 1 {
		t.Fatalf("encrypted remote path %q", r)
	}
	if back, err := enc.localRel(r); err != nil || back != "a/b.txt" {
		t.Fatalf("localRel = %q, %v", back, err)
	}
}

func TestEqualFold(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want bool
	}{{"AB12", "ab12", true}, {"AB", "AC", false}, {"", "", false}, {"A", "AA", false}} {
		if got := equalFold(tt.a, tt.b); got != tt.want {
			t.Errorf("equalFold(%q, %q) = %v", tt.a, tt.b, got)
		}
	}
}
