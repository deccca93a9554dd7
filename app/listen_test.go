package app

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/wasmdrive/wasmdrive/natsx"
	"github.com/wasmdrive/wasmdrive/natsx/namespace"
	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// tokenURL is c's listener URL with its token, for clients in other
// processes.
func tokenURL(c *natsx.Conn) string {
	return "nats://" + c.Token() + "@" + strings.TrimPrefix(c.URL, "nats://")
}

// listenActions are what an attacker on the embedded NATS's listener tried
// (issue 11, finding 3): list the streams, forge a batch chunk, turn a
// plugin off on every node.
var listenActions = []struct {
	name string
	do   func(nc *nats.Conn) error
}{
	{"list streams", func(nc *nats.Conn) error {
		js, err := jetstream.New(nc)
		if err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		names := js.StreamNames(ctx)
		var got []string
		for n := range names.Name() {
			got = append(got, n)
		}
		if err := names.Err(); err != nil {
			return err
		}
		if len(got) == 0 {
			return errors.New("no streams listed")
		}
		return nil
	}},
	{"forge a batch chunk", func(nc *nats.Conn) error {
		if err := nc.Publish(namespace.Batch+".job1", []byte(`{"account":"b","ops":[{"op":"trash","file_id":"x"}]}`)); err != nil {
			return err
		}
		return nc.Flush()
	}},
	{"toggle a plugin", func(nc *nats.Conn) error {
		if err := nc.Publish(namespace.ControlEnable, []byte(`{"plugin":"relay","enabled":false}`)); err != nil {
			return err
		}
		return nc.Flush()
	}},
}

// TestNATSListenerRequiresToken starts a node as `wasmdrive serve` does
// with nats.listen set and no token configured: a client without the token
// (or with a wrong one) is refused before it can do anything; the token is
// generated in the data folder's nats.token (mode 0600) and works.
func TestNATSListenerRequiresToken(t *testing.T) {
	dir := t.TempDir()
	n := startNode(t, testConfig(t, dir, nil), time.Second)
	if n.Conn.URL == "" {
		t.Fatal("the node does not listen")
	}
	file := natsx.TokenFile(dir)
	if n.Conn.TokenFile != file {
		t.Fatalf("token file = %q, want %q", n.Conn.TokenFile, file)
	}
	st, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("%s has mode %v, want 0600", file, st.Mode().Perm())
	}
	b, _ := os.ReadFile(file)
	token := strings.TrimSpace(string(b))
	if token == "" || token != n.Conn.Token() {
		t.Fatalf("the token file does not hold the listener's token")
	}
	for _, a := range listenActions {
		for _, cred := range []struct {
			name string
			opts []nats.Option
		}{
			{"no token", nil},
			{"wrong token", []nats.Option{nats.Token("guess")}},
		} {
			t.Run(a.name+"/"+cred.name, func(t *testing.T) {
				nc, err := nats.Connect(n.Conn.URL, append(cred.opts, nats.NoReconnect())...)
				if err == nil {
					defer nc.Close()
					if aerr := a.do(nc); aerr == nil {
						t.Fatalf("%s without the token succeeded", a.name)
					}
					t.Fatalf("connected without the token")
				}
				if !errors.Is(err, nats.ErrAuthorization) {
					t.Fatalf("connect: %v, want an authorization violation", err)
				}
			})
		}
	}
	// Every refused client is in the audit log, without the token it tried.
	refused := 0
	for _, r := range readAudit(t, n) {
		if r.Op == AuditOpNATSConnect && r.Result == abi.CodePermissionDenied && strings.HasPrefix(r.Target, "127.0.0.1:") {
			refused++
		}
		if strings.Contains(r.Message, "guess") || strings.Contains(r.Target, "guess") {
			t.Errorf("audit record names the offered token: %+v", r)
		}
	}
	if want := 2 * len(listenActions); refused < want {
		t.Errorf("%d refused NATS clients audited, want at least %d", refused, want)
	}
	nc, err := nats.Connect(n.Conn.URL, nats.Token(token))
	if err != nil {
		t.Fatalf("connect with the token: %v", err)
	}
	defer nc.Close()
	if err := listenActions[0].do(nc); err != nil {
		t.Fatalf("list streams with the token: %v", err)
	}
}

// TestNATSListenBeyondLoopbackNeedsToken: a listener other machines can
// reach is refused at start without nats.token, with a message naming it;
// a configured token replaces the generated one.
func TestNATSListenBeyondLoopbackNeedsToken(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:-1", ":-1"} {
		a, err := New(context.Background(), Options{Config: testConfig(t, t.TempDir(), map[string]any{"nats.listen": addr}), NoConsole: true,
			PluginBuilder: builder, PluginCacheDir: pluginCache})
		if err == nil {
			a.Close()
			t.Fatalf("nats.listen %s without a token started", addr)
		}
		if !strings.Contains(err.Error(), "nats.token") || !strings.Contains(err.Error(), "not a loopback") {
			t.Fatalf("nats.listen %s: %v, want it to name nats.token", addr, err)
		}
	}
	dir := t.TempDir()
	n := startNode(t, testConfig(t, dir, map[string]any{"nats.token": "configured-token"}), time.Second)
	if n.Conn.TokenFile != "" {
		t.Fatalf("token file %q with a configured token", n.Conn.TokenFile)
	}
	if _, err := os.Stat(natsx.TokenFile(dir)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a token file was generated despite nats.token: %v", err)
	}
	if nc, err := nats.Connect(n.Conn.URL, nats.NoReconnect()); err == nil {
		nc.Close()
		t.Fatal("connected without the configured token")
	}
	nc, err := nats.Connect(n.Conn.URL, nats.Token("configured-token"))
	if err != nil {
		t.Fatalf("connect with the configured token: %v", err)
	}
	nc.Close()
}

// TestPluginPublishesUseRestrictedUser: a node's plugin events leave
// through the embedded server's plugin user, which the server refuses the
// control subjects even if the emitter's own check were bypassed.
func TestPluginPublishesUseRestrictedUser(t *testing.T) {
	n := startNode(t, testConfig(t, t.TempDir(), nil), time.Second)
	pc := n.pluginConn
	if pc == nil || pc == n.Conn {
		t.Fatal("plugin events share the host's connection")
	}
	if err := pc.NC.Publish(namespace.ControlEnable, []byte(`{"plugin":"relay","enabled":false}`)); err != nil {
		t.Fatal(err)
	}
	_ = pc.NC.Flush()
	if err := pc.NC.LastError(); err == nil || !strings.Contains(strings.ToLower(err.Error()), "permissions violation") {
		t.Fatalf("publish on %s as the plugin user: last error %v, want a permissions violation", namespace.ControlEnable, err)
	}
	pi, err := n.Host.Plugin("relay")
	if err != nil {
		t.Fatal(err)
	}
	if !pi.Enabled {
		t.Fatal("the plugin user turned relay off")
	}
}
