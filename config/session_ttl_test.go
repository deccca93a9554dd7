package config

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestUploadSessionTTL: accounts.NAME.upload_session_ttl takes a duration.
func TestUploadSessionTTL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wasmdrive.yaml")
	os.WriteFile(path, []byte("accounts:\n  a: {type: local, upload_session_ttl: 36h}\n"), 0o600)
	cfg, err := Load(path, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Accounts["a"].UploadSessionTTL; got != 36*time.Hour {
		t.Fatalf("upload_session_ttl = %v, want 36h", got)
	}
}
