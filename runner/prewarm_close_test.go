package runner

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
)

// syncBuf is a log sink for goroutines writing at once.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestCloseDuringPrewarmIsQuiet: a host closed while the instance it
// prewarms on load is still being made (a node stopped right after its
// start, as tests and restarts do) logs no "prewarm failed": the prewarm
// ends with the host, and Close waits for it before closing the modules
// under it (issue 12 saw the warning on serve starts).
func TestCloseDuringPrewarmIsQuiet(t *testing.T) {
	logs := &syncBuf{}
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(logs, nil)))
	defer slog.SetDefault(old)
	for range 8 {
		h := newTestHost(t, Options{}, initlogDir)
		h.Close()
	}
	if strings.Contains(logs.String(), "prewarm failed") {
		t.Fatalf("closing the host during its prewarm logged a warning:\n%s", logs.String())
	}
}
