package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"time"
)

//go:embed static
var staticFS embed.FS

// assets are the embedded page files. The index and login pages are
// templates; the rest are served as they are, with a content hash in
// their URL (?v=) so they can be cached for a year.
type assets struct {
	files map[string][]byte
	hash  string
	index *template.Template
	login *template.Template
}

func loadAssets() (*assets, error) {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, fmt.Errorf("console assets: %w", err)
	}
	a := &assets{files: map[string][]byte{}}
	h := sha256.New()
	err = fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(sub, p)
		if err != nil {
			return err
		}
		a.files[p] = b
		h.Write([]byte(p))
		h.Write(b)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("console assets: %w", err)
	}
	a.hash = hex.EncodeToString(h.Sum(nil))[:12]
	if a.index, err = template.New("index").Parse(string(a.files["index.html"])); err != nil {
		return nil, fmt.Errorf("console assets: index.html: %w", err)
	}
	if a.login, err = template.New("login").Parse(string(a.files["login.html"])); err != nil {
		return nil, fmt.Errorf("console assets: login.html: %w", err)
	}
	return a, nil
}

// serve answers /static/{file}.
func (a *assets) serve(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	b, ok := a.files[name]
	if !ok || name == "index.html" || name == "login.html" {
		http.NotFound(w, r)
		return
	}
	if ct := mime.TypeByExtension(path.Ext(name)); ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	if r.URL.Query().Get("v") == a.hash {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	w.Header().Set("ETag", `"`+a.hash+`"`)
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(b))
}

func (s *Server) handleIndex(w http.ResponseWriter, _ *http.Request) {
	var buf bytes.Buffer
	// Without a token the console is read-only: an anonymous visitor gets
	// no CSRF token (see authorize).
	csrf := ""
	if s.opts.Token != "" {
		csrf = s.csrf
	}
	data := map[string]any{"V": s.assets.hash, "CSRF": csrf, "Auth": s.opts.Token != "", "ReadOnly": s.opts.Token == ""}
	if err := s.assets.index.Execute(&buf, data); err != nil {
		httpError(w, http.StatusInternalServerError, "render page: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(buf.Bytes())
}

// serveLogin shows the token form, with an optional message.
func (a *assets) serveLogin(w http.ResponseWriter, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusUnauthorized)
	_ = a.login.Execute(w, map[string]any{"V": a.hash, "Msg": msg})
}
