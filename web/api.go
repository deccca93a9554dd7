package web

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/runner/contract"
)

const (
	maxInput     = 1 << 20 // bytes of a run-now input
	logPage      = 5000    // lines per store read when streaming a whole log
	apiLogsLimit = 10000
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func httpError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// serviceError answers a RunService error with a fitting status.
func serviceError(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusInternalServerError
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		status = http.StatusGatewayTimeout
	case errors.Is(err, contract.ErrRunNotFound), errors.Is(err, contract.ErrUnknownPlugin), errors.Is(err, drive.ErrNotFound):
		status = http.StatusNotFound
	case r.Method == http.MethodPost:
		status = http.StatusUnprocessableEntity // the runner refused the action
	}
	httpError(w, status, err.Error())
}

func apiContext(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), 30*time.Second)
}

func (s *Server) handleHealth(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "time": s.now()})
}

func (s *Server) handleStats(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.Stats())
}

func (s *Server) handleRuns(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := contract.RunFilter{Plugin: q.Get("plugin"), Status: q.Get("status"), Trigger: q.Get("trigger")}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			httpError(w, http.StatusBadRequest, "limit must be 1..1000")
			return
		}
		f.Limit = n
	}
	ctx, cancel := apiContext(r)
	defer cancel()
	runs, err := s.opts.Runs.ListRuns(ctx, f)
	if err != nil {
		serviceError(w, r, err)
		return
	}
	if runs == nil {
		runs = []*contract.RunRecord{}
	}
	for i, rec := range runs {
		runs[i] = redactRun(rec)
	}
	writeJSON(w, http.StatusOK, map[string]any{"runs": runs})
}

func (s *Server) handleRun(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := apiContext(r)
	defer cancel()
	rec, err := s.opts.Runs.GetRun(ctx, r.PathValue("id"))
	if err != nil {
		serviceError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, redactRun(rec))
}

func (s *Server) handleLogs(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	after, err := parseUint(q.Get("after"))
	if err != nil {
		httpError(w, http.StatusBadRequest, "after must be a sequence number")
		return
	}
	limit := 1000
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > apiLogsLimit {
			httpError(w, http.StatusBadRequest, fmt.Sprintf("limit must be 1..%d", apiLogsLimit))
			return
		}
		limit = n
	}
	ctx, cancel := apiContext(r)
	defer cancel()
	lines, err := s.opts.Runs.Logs(ctx, r.PathValue("id"), after, limit)
	if err != nil {
		serviceError(w, r, err)
		return
	}
	next := after
	if len(lines) > 0 {
		next = lines[len(lines)-1].Seq
	} else {
		lines = []contract.LogLine{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"lines": lines, "next_after": next, "more": len(lines) == limit})
}

func parseUint(s string) (uint64, error) {
	if s == "" {
		return 0, nil
	}
	return strconv.ParseUint(s, 10, 64)
}

// streamLog writes a run's whole log, page by page, in the given format.
func (s *Server) streamLog(w http.ResponseWriter, r *http.Request, ext, ctype string, format func(*bufio.Writer, contract.LogLine)) {
	id := r.PathValue("id")
	ctx := r.Context()
	first, err := s.opts.Runs.Logs(ctx, id, 0, logPage)
	if err != nil {
		serviceError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", "run-"+safeName(id)+ext))
	w.Header().Set("Cache-Control", "no-store")
	bw := bufio.NewWriterSize(w, 64<<10)
	defer bw.Flush()
	for lines := first; len(lines) > 0; {
		for _, l := range lines {
			format(bw, l)
		}
		if len(lines) < logPage {
			return
		}
		if lines, err = s.opts.Runs.Logs(ctx, id, lines[len(lines)-1].Seq, logPage); err != nil {
			fmt.Fprintf(bw, "\n# log truncated: %v\n", err)
			return
		}
	}
}

func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x80 && (r == '-' || r == '_' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return r
		}
		return '_'
	}, s)
}

func (s *Server) handleLogText(w http.ResponseWriter, r *http.Request) {
	s.streamLog(w, r, ".log", "text/plain; charset=utf-8", func(b *bufio.Writer, l contract.LogLine) {
		b.WriteString(FormatLine(l))
		b.WriteByte('\n')
	})
}

func (s *Server) handleLogJSONL(w http.ResponseWriter, r *http.Request) {
	s.streamLog(w, r, ".jsonl", "application/x-ndjson", func(b *bufio.Writer, l contract.LogLine) {
		b.Write(encodeLine(l))
		b.WriteByte('\n')
	})
}

// FormatLine renders a log line as one line of text: time, level, message
// and the fields as key=value sorted by key. Newlines in the message are
// escaped so one log line stays one text line.
func FormatLine(l contract.LogLine) string {
	var b strings.Builder
	b.WriteString(l.Time.UTC().Format("2006-01-02T15:04:05.000Z"))
	b.WriteByte(' ')
	fmt.Fprintf(&b, "%-5s ", strings.ToUpper(string(l.Level)))
	b.WriteString(strings.NewReplacer("\r", `\r`, "\n", `\n`).Replace(l.Msg))
	keys := make([]string, 0, len(l.Fields))
	for k := range l.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v, err := json.Marshal(l.Fields[k])
		if err != nil {
			v = []byte(`"?"`)
		}
		if sv, ok := l.Fields[k].(string); ok && sv != "" && !strings.ContainsAny(sv, " \t\r\n\"=") {
			v = []byte(sv)
		}
		fmt.Fprintf(&b, " %s=%s", k, v)
	}
	return b.String()
}

func (s *Server) handleRetry(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := apiContext(r)
	defer cancel()
	rec, err := s.opts.Runs.Retry(ctx, r.PathValue("id"))
	if err != nil {
		serviceError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, rec)
}

func (s *Server) handleCancel(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := apiContext(r)
	defer cancel()
	if err := s.opts.Runs.Cancel(ctx, r.PathValue("id")); err != nil {
		serviceError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

func (s *Server) handlePlugins(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := apiContext(r)
	defer cancel()
	ps, err := s.opts.Runs.Plugins(ctx)
	if err != nil {
		serviceError(w, r, err)
		return
	}
	if ps == nil {
		ps = []contract.PluginInfo{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"plugins": ps, "time": s.now()})
}

// handleRunNow queues a manual run; the body is the run's JSON input
// (empty means {}), ?entry= picks an export and ?key= makes it idempotent.
func (s *Server) handleRunNow(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxInput))
	if err != nil {
		httpError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("input larger than %d bytes", maxInput))
		return
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		body = []byte("{}")
	}
	if !json.Valid(body) {
		httpError(w, http.StatusBadRequest, "input must be JSON")
		return
	}
	ctx, cancel := apiContext(r)
	defer cancel()
	q := r.URL.Query()
	rec, err := s.opts.Runs.Trigger(ctx, r.PathValue("name"), q.Get("entry"), body, q.Get("key"))
	if err != nil {
		serviceError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, rec)
}

func (s *Server) handleEnable(enabled bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := apiContext(r)
		defer cancel()
		if err := s.opts.Runs.SetEnabled(ctx, r.PathValue("name"), enabled); err != nil {
			serviceError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]bool{"enabled": enabled})
	}
}
