package local

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/openapi"
)

// Interfaces *Drive implements.
var (
	_ drive.Drive        = (*Drive)(nil)
	_ drive.TrashManager = (*Drive)(nil)
	_ drive.ShareManager = (*Drive)(nil)
)

// inprocMu guards Drive.inproc.
var inprocMu sync.Mutex

// Request runs a raw Open API call ("/adrive/v1.0/...") in process, through
// the same handlers the HTTP server uses, and returns the JSON answer. An
// error answer becomes a *drive.Error.
func (d *Drive) Request(ctx context.Context, path string, body json.RawMessage) (json.RawMessage, error) {
	if !strings.HasPrefix(path, "/adrive/") {
		return nil, drive.Invalid("path %q is not an API path (/adrive/...)", path)
	}
	inprocMu.Lock()
	if d.inproc == nil {
		d.inproc = NewServer(d, ServerOptions{NoAuth: true})
	}
	h := d.inproc
	inprocMu.Unlock()
	if len(body) == 0 {
		body = json.RawMessage("{}")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, path, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("local drive: request %s: %w", path, err)
	}
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.mux.ServeHTTP(rec, req)
	if rec.Code >= 300 {
		e := openapi.DecodeError(rec.Code, rec.Header(), rec.Body.Bytes())
		e.Op = path
		return nil, e
	}
	return json.RawMessage(bytes.TrimSpace(rec.Body.Bytes())), nil
}
