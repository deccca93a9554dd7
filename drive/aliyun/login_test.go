package aliyun

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestLoginPKCE(t *testing.T) {
	f := newFakeAPI(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var shown string
	tok, err := Login(ctx, LoginOptions{Account: "work", BaseURL: f.srv.URL, ClientID: "cid",
		ShowURL: func(u string) {
			shown = u
			go func() { // the "browser"
				resp, err := http.Get(u)
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}()
		}})
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken != "at-01" || tok.RefreshToken != "rt-01" || time.Until(tok.Expiry) < time.Hour {
		t.Fatalf("token %+v", tok)
	}
	u, err := url.Parse(shown)
	if err != nil {
		t.Fatal(err)
	}
	ru := u.Query().Get("redirect_uri")
	if !strings.HasPrefix(ru, "http://127.0.0.1:") || u.Query().Get("code_challenge") == "" {
		t.Fatalf("authorize URL %s", shown)
	}
}

func TestLoginRejectsWrongState(t *testing.T) {
	f := newFakeAPI(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := Login(ctx, LoginOptions{BaseURL: f.srv.URL, ClientID: "cid",
		ShowURL: func(u string) {
			pu, _ := url.Parse(u)
			go func() {
				resp, err := http.Get(pu.Query().Get("redirect_uri") + "?code=x&state=forged")
				if err == nil {
					resp.Body.Close()
				}
			}()
		}})
	if err == nil || !strings.Contains(err.Error(), "wrong state") {
		t.Fatalf("err = %v", err)
	}
}
