package local

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wasmdrive/wasmdrive/drive"
)

// SharePrefix is the path of share pages: a share's URL is
// <public URL>/s/<share id>, and /s/<share id>/<file id> downloads one of
// its files.
const SharePrefix = "/s/"

// sharePageFile is one row of a share page.
type sharePageFile struct {
	ID, Name, Size string
	Folder         bool
}

var sharePage = template.Must(template.New("share").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Shared files</title>
<style>body{font:15px system-ui,sans-serif;max-width:40em;margin:2em auto;padding:0 1em}li{margin:.4em 0}.sub{color:#666}</style></head>
<body><h1>Shared files</h1>
{{if .Description}}<p>{{.Description}}</p>{{end}}
{{if .NeedPassword}}<form method="get"><label>Password <input type="password" name="pwd" autofocus></label> <button>Open</button>
{{if .Wrong}}<p class="sub">Wrong password.</p>{{end}}</form>
{{else}}<ul>{{range .Files}}<li>{{if .Folder}}{{.Name}}/ <span class="sub">(folder: open it in wasmdrive)</span>{{else}}<a href="{{$.Base}}/{{.ID}}{{$.Query}}" download>{{.Name}}</a> <span class="sub">{{.Size}}</span>{{end}}</li>
{{else}}<li class="sub">The shared files are no longer on the drive.</li>{{end}}</ul>
{{if .Expires}}<p class="sub">This link expires {{.Expires}}.</p>{{end}}{{end}}
</body></html>
`))

// ServeSharePage answers GET /s/<share id> (the share's page: its files,
// after its password if it has one, given as ?pwd=) and GET
// /s/<share id>/<file id> (one shared file's content). It reports false,
// having written nothing, when the path is not a share of this drive (an
// unknown or canceled share), so a server holding several drives can try
// the next one. An expired share answers 410.
func (d *Drive) ServeSharePage(w http.ResponseWriter, r *http.Request) bool {
	rest, ok := strings.CutPrefix(r.URL.Path, SharePrefix)
	if !ok || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		return false
	}
	id, fileID, _ := strings.Cut(rest, "/")
	sh, err := d.shareByID(r.Context(), id)
	if err != nil {
		return false
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if !sh.Expiration.IsZero() && time.Now().After(sh.Expiration) {
		http.Error(w, "this share link has expired: ask its owner for a new one", http.StatusGone)
		return true
	}
	pwd := r.URL.Query().Get("pwd")
	granted := sh.Password == "" || subtle.ConstantTimeCompare([]byte(pwd), []byte(sh.Password)) == 1
	if fileID != "" {
		switch {
		case !granted:
			http.Error(w, "this share link needs its password: add ?pwd=<password>", http.StatusForbidden)
		case !slices.Contains(sh.FileIDs, fileID):
			http.Error(w, "this file is not part of the share", http.StatusNotFound)
		default:
			d.serveSharedFile(w, r, fileID)
		}
		return true
	}
	data := map[string]any{"Description": sh.Description, "Base": SharePrefix + id, "NeedPassword": !granted, "Wrong": pwd != "" && !granted}
	if granted {
		if pwd != "" {
			data["Query"] = "?pwd=" + template.URLQueryEscaper(pwd)
		}
		var files []sharePageFile
		for _, fid := range sh.FileIDs {
			f, err := d.liveFile(r.Context(), d.r, fid)
			if err != nil {
				continue // trashed or deleted since it was shared
			}
			files = append(files, sharePageFile{ID: f.FileID, Name: f.Name, Size: humanBytes(f.Size), Folder: f.IsFolder()})
		}
		data["Files"] = files
		if !sh.Expiration.IsZero() {
			data["Expires"] = sh.Expiration.Format(time.RFC1123)
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := sharePage.Execute(w, data); err != nil {
		d.log.Warn("share page", "share", id, "err", err)
	}
	return true
}

// serveSharedFile streams one live file of a share.
func (d *Drive) serveSharedFile(w http.ResponseWriter, r *http.Request, fileID string) {
	f, err := d.downloadable(r.Context(), fileID)
	if err != nil {
		http.Error(w, "the file is no longer on the drive", http.StatusNotFound)
		return
	}
	body, err := d.Download(r.Context(), fileID, 0, -1)
	if err != nil {
		http.Error(w, "could not read the file", http.StatusInternalServerError)
		return
	}
	defer body.Close()
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": f.Name}))
	w.Header().Set("Content-Length", strconv.FormatInt(f.Size, 10))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = io.Copy(w, body)
}

// shareByID reads an enabled share.
func (d *Drive) shareByID(ctx context.Context, id string) (*drive.Share, error) {
	missing := &drive.Error{Status: 404, Code: drive.CodeNotFoundShare, Message: fmt.Sprintf("share %q does not exist or is canceled", id)}
	if id == "" || len(id) > 64 {
		return nil, missing
	}
	var sh drive.Share
	var ids string
	var exp int64
	err := d.r.QueryRowContext(ctx, `SELECT id, file_ids, password, description, expiration FROM shares WHERE id = ? AND status = ?`, id, shareEnabled).
		Scan(&sh.ShareID, &ids, &sh.Password, &sh.Description, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, missing
	}
	if err != nil {
		return nil, fmt.Errorf("local drive: share %s: %w", id, err)
	}
	if err := json.Unmarshal([]byte(ids), &sh.FileIDs); err != nil {
		return nil, fmt.Errorf("local drive: share %s: %w", id, err)
	}
	if exp != 0 {
		sh.Expiration = fromNanos(exp)
	}
	return &sh, nil
}

// humanBytes renders a size as "1.5 MB".
func humanBytes(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGTPE"[exp])
}
