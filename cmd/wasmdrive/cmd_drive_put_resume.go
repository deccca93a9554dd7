package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"time"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/internal/private"
)

// An interrupted `drive put` resumes: when a file's multipart session
// starts, its ids are saved in DATA_DIR/put-resume/<key>.json (mode 0600),
// keyed by account, local path and remote path; a later put of the same
// file (same size and modification time) continues that session and sends
// only the parts the drive does not hold. The state is removed when the
// file is uploaded. A session the drive has dropped meanwhile (its upload
// session TTL) starts a new upload.

// resumeDir is where put keeps resume state.
func resumeDir(dataDir string) string { return filepath.Join(dataDir, "put-resume") }

// putState is a saved upload session of one file.
type putState struct {
	Local   string              `json:"local"`
	Remote  string              `json:"remote"`
	Size    int64               `json:"size"`
	MTime   time.Time           `json:"mtime"`
	Session drive.UploadSession `json:"session"`
	SavedAt time.Time           `json:"saved_at"`
}

// putResumer loads and saves the resume state of put jobs ("" dir: off).
type putResumer struct {
	dir     string
	account string
}

// path is the state file of job j.
func (r *putResumer) path(j putJob) string {
	abs, err := filepath.Abs(j.local)
	if err != nil {
		abs = j.local
	}
	h := sha256.Sum256([]byte(r.account + "\x00" + abs + "\x00" + j.remote + "/" + j.name))
	return filepath.Join(r.dir, hex.EncodeToString(h[:16])+".json")
}

// load returns the saved session of j if it is for the same content
// (size and modification time), else nil.
func (r *putResumer) load(j putJob) *drive.UploadSession {
	if r == nil || r.dir == "" {
		return nil
	}
	b, err := os.ReadFile(r.path(j))
	if err != nil {
		return nil
	}
	var st putState
	if json.Unmarshal(b, &st) != nil || st.Size != j.size || !st.MTime.Equal(j.mtime) || st.Session.UploadID == "" {
		os.Remove(r.path(j))
		return nil
	}
	return &st.Session
}

// save records j's session (best effort: a put that cannot save it still
// uploads, it just cannot resume).
func (r *putResumer) save(j putJob, s drive.UploadSession) {
	if r == nil || r.dir == "" {
		return
	}
	b, err := json.Marshal(putState{Local: j.local, Remote: j.remote + "/" + j.name, Size: j.size, MTime: j.mtime, Session: s, SavedAt: time.Now().UTC()})
	if err != nil || private.MkdirAll(r.dir) != nil {
		return
	}
	tmp := r.path(j) + ".tmp"
	if private.WriteFile(tmp, b) == nil {
		os.Rename(tmp, r.path(j))
	}
}

// done forgets j's session.
func (r *putResumer) done(j putJob) {
	if r != nil && r.dir != "" {
		os.Remove(r.path(j))
	}
}

// resumeStateTTL is how long an unused resume state file is kept (the
// Open API keeps parts for 10 days; a local drive drops idle sessions
// sooner, see accounts.NAME.upload_session_ttl).
const resumeStateTTL = 10 * 24 * time.Hour

// prune removes resume state files older than resumeStateTTL.
func (r *putResumer) prune() {
	if r == nil || r.dir == "" {
		return
	}
	ents, err := os.ReadDir(r.dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		if info, err := e.Info(); err == nil && !e.IsDir() && time.Since(info.ModTime()) > resumeStateTTL {
			os.Remove(filepath.Join(r.dir, e.Name()))
		}
	}
}
