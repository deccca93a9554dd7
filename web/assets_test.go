package web

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

func TestAssetsCaching(t *testing.T) {
	ts := newTestServer(t, Options{})
	v := ts.assets.hash
	for _, tc := range []struct {
		path, cache, ctype string
		code               int
	}{
		{"/", "no-cache", "text/html", 200},
		{"/static/app.js?v=" + v, "immutable", "javascript", 200},
		{"/static/app.css?v=" + v, "immutable", "text/css", 200},
		{"/static/app.js", "no-cache", "javascript", 200},
		{"/static/app.js?v=old", "no-cache", "javascript", 200},
		{"/static/nope.js", "", "", 404},
		{"/static/index.html", "", "", 404},
		{"/nope", "", "", 404},
	} {
		resp, err := http.Get(ts.http.URL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.code || !strings.Contains(resp.Header.Get("Cache-Control"), tc.cache) || !strings.Contains(resp.Header.Get("Content-Type"), tc.ctype) {
			t.Errorf("%s: %d, Cache-Control %q, Content-Type %q", tc.path, resp.StatusCode, resp.Header.Get("Cache-Control"), resp.Header.Get("Content-Type"))
		}
	}
}

// The page must work under the CSP: no inline script, no inline style, no
// external resource, every asset URL carrying the content hash.
func TestPageHasNothingInline(t *testing.T) {
	ts := newTestServer(t, Options{})
	for name, b := range ts.assets.files {
		if !strings.HasSuffix(name, ".html") {
			continue
		}
		page := string(b)
		for _, bad := range []*regexp.Regexp{
			regexp.MustCompile(`<script(?:\s[^>]*)?>[^<]`),        // inline script
			regexp.MustCompile(`<script(?:\s(?:[^s>]|s[^r])*)?>`), // script without src
			regexp.MustCompile(`\sstyle=`),
			regexp.MustCompile(`\son[a-z]+=`),
			regexp.MustCompile(`(?:src|href)="(?:https?:)?//`),
		} {
			if m := bad.FindString(page); m != "" {
				t.Errorf("%s has %q", name, m)
			}
		}
		for _, ref := range regexp.MustCompile(`(?:src|href)="(/static/[^"]+)"`).FindAllStringSubmatch(page, -1) {
			if !strings.HasSuffix(ref[1], "?v={{.V}}") {
				t.Errorf("%s: %s lacks the asset hash", name, ref[1])
			}
		}
	}
	sink := regexp.MustCompile(`(?:inner|outer)HTML\s*[+]?=|insertAdjacentHTML|document\.write|eval\(|new Function`)
	for name, b := range ts.assets.files {
		if m := sink.FindString(string(b)); strings.HasSuffix(name, ".js") && m != "" {
			t.Errorf("%s uses %s; build nodes with el() and text nodes", name, m)
		}
	}
}
