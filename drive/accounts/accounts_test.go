package accounts

import (
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmdrive/wasmdrive/config"
	"github.com/wasmdrive/wasmdrive/drive/aliyun"
	"github.com/wasmdrive/wasmdrive/drive/local"
)

func testConfig(t *testing.T) *config.Config {
	t.Helper()
	dir := t.TempDir()
	cfg := config.Default()
	cfg.DataDir = dir
	cfg.Accounts = map[string]config.Account{
		"default": {Type: "local"},
		"work":    {Type: "aliyun", ClientID: "app", TokenFile: filepath.Join(dir, "none.json")},
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestOpen(t *testing.T) {
	cfg := testConfig(t)
	tests := []struct {
		name    string
		account string
		wantErr string
		check   func(t *testing.T, d any)
	}{
		{"default is local", "", "", func(t *testing.T, d any) {
			if _, ok := d.(*local.Drive); !ok {
				t.Fatalf("got %T", d)
			}
		}},
		{"aliyun without login says what to do", "work", "wasmdrive login --account work", nil},
		{"unknown account lists the others", "nope", "configured: default, work", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Open(cfg, tt.account)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to mention %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer d.(io.Closer).Close()
			tt.check(t, d)
		})
	}
}

func TestOpenAliyunLoggedIn(t *testing.T) {
	cfg := testConfig(t)
	if err := aliyun.SaveToken(cfg.Accounts["work"].TokenFile, aliyun.Token{RefreshToken: "r"}); err != nil {
		t.Fatal(err)
	}
	d, err := Open(cfg, "work")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := d.(*aliyun.Client); !ok {
		t.Fatalf("got %T", d)
	}
}

func TestRegistrySharesAndCloses(t *testing.T) {
	cfg := testConfig(t)
	r := NewRegistry(cfg, nil)
	a, err := r.Get("")
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.Get("default")
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Fatal("the registry opened the account twice")
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Get(""); err == nil {
		t.Fatal("Get after Close must fail")
	}
}
