package natsx

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/config"
)

func TestRedactURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"nats://127.0.0.1:4222", "nats://127.0.0.1:4222"},
		{"nats://u:secret@127.0.0.1:1", "nats://u:***@127.0.0.1:1"},
		{"nats://secret@127.0.0.1:1", "nats://***@127.0.0.1:1"},
		{"tls://u:p%40ss@h:4222/x?y=1", "tls://u:***@h:4222/x?y=1"},
		{"nats://a:secret@h1:4222, nats://b:secret@h2:4222", "nats://a:***@h1:4222, nats://b:***@h2:4222"},
		{"u:secret@h:4222", "u:***@h:4222"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := RedactURL(tt.in); got != tt.want {
			t.Errorf("RedactURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestConnectErrorHidesPassword: a connection error names the server but
// not the password of nats.url (issue 11, finding 11).
func TestConnectErrorHidesPassword(t *testing.T) {
	c, err := Open(context.Background(), Options{NATS: config.NATS{URL: "nats://u:secret@127.0.0.1:1"}, ReadyTimeout: time.Second})
	if err == nil {
		c.Close()
		t.Fatal("connected to port 1")
	}
	if strings.Contains(err.Error(), "secret") || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Fatalf("err = %v, want the server without the password", err)
	}
}
