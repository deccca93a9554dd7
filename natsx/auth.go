package natsx

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/wasmdrive/wasmdrive/natsx/namespace"
)

// TokenFileName is the file under the data folder that holds the generated
// token of the embedded server's listener (mode 0600).
const TokenFileName = "nats.token"

// TokenFile is where the generated listener token of dataDir lives.
func TokenFile(dataDir string) string { return filepath.Join(dataDir, TokenFileName) }

// listenToken returns the token the embedded server's listener requires and
// where it came from (the token file's path, or "" when the caller or the
// config gave it). Without a configured token a loopback listener gets the
// generated one of the data folder; a listener other machines can reach is
// refused, like the console's.
func listenToken(o Options, host string) (token, file string, err error) {
	switch {
	case o.Token != "":
		return o.Token, "", nil
	case o.NATS.Token != "":
		return string(o.NATS.Token), "", nil
	case !loopbackHost(host):
		return "", "", fmt.Errorf("natsx: nats.listen %s is not a loopback address and no token is configured: anyone who reaches it could run plugins and read runs; set nats.token in the config (or WASMDRIVE_NATS__TOKEN), or listen on 127.0.0.1", o.NATS.Listen)
	}
	file = TokenFile(o.DataDir)
	token, err = loadOrCreateToken(file)
	return token, file, err
}

// loadOrCreateToken reads the token in file, creating the file (mode 0600)
// with a new random token when it does not exist.
func loadOrCreateToken(file string) (string, error) {
	b, err := os.ReadFile(file)
	if err == nil {
		if t := strings.TrimSpace(string(b)); t != "" {
			if err := os.Chmod(file, 0o600); err != nil {
				return "", fmt.Errorf("natsx: token file %s: %w", file, err)
			}
			return t, nil
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("natsx: read the token file %s: %w", file, err)
	}
	t, err := newSecret()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return "", fmt.Errorf("natsx: token file %s: %w", file, err)
	}
	tmp := file + ".tmp"
	_ = os.Remove(tmp) // a leftover might have wider permissions
	if err := os.WriteFile(tmp, []byte(t+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("natsx: write the token file %s: %w", file, err)
	}
	if err := os.Rename(tmp, file); err != nil {
		return "", fmt.Errorf("natsx: write the token file %s: %w", file, err)
	}
	return t, nil
}

// loopbackHost reports whether a listener on host accepts connections from
// this machine only ("" and 0.0.0.0 mean every interface).
func loopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// PluginUser is the embedded server's user of plugin publishes (the emit
// host function): it may publish on application subjects only, never on
// the reserved set (namespace.Reserved), and subscribe to its own replies.
const PluginUser = "wasmdrive-plugins"

// hostUser is the embedded server's user of the host and of clients that
// present the listener's token.
const hostUser = "wasmdrive"

// pluginPermissions are PluginUser's NATS permissions.
func pluginPermissions() *server.Permissions {
	var deny []string
	for _, a := range namespace.Reserved() {
		deny = append(deny, a.Pattern)
	}
	return &server.Permissions{
		Publish:   &server.SubjectPermission{Allow: []string{">"}, Deny: deny},
		Subscribe: &server.SubjectPermission{Allow: []string{nats.InboxPrefix + ">"}},
	}
}

// authenticator admits the embedded server's clients: the token holder as
// the host (every permission) and the plugin token, which never leaves the
// process, as PluginUser. Every refusal is reported to onRefused.
type authenticator struct {
	token, pluginToken string
	onRefused          func(remote string)
}

// Check implements server.Authentication.
func (a *authenticator) Check(c server.ClientAuthentication) bool {
	o := c.GetOpts()
	if o == nil {
		a.refused(c)
		return false
	}
	switch {
	case equalSecret(o.Token, a.token):
		c.RegisterUser(&server.User{Username: hostUser})
		return true
	case equalSecret(o.Token, a.pluginToken):
		c.RegisterUser(&server.User{Username: PluginUser, Permissions: pluginPermissions()})
		return true
	}
	a.refused(c)
	return false
}

// refused reports a refused client (never the token it offered).
func (a *authenticator) refused(c server.ClientAuthentication) {
	if a.onRefused == nil {
		return
	}
	remote := "in-process"
	if addr := c.RemoteAddress(); addr != nil {
		remote = addr.String()
	}
	a.onRefused(remote)
}

func equalSecret(got, want string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// newSecret returns a random hex token.
func newSecret() (string, error) {
	var r [24]byte
	if _, err := rand.Read(r[:]); err != nil {
		return "", fmt.Errorf("natsx: token: %w", err)
	}
	return hex.EncodeToString(r[:]), nil
}
