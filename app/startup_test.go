package app

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmdrive/wasmdrive/runner/build"
)

// TestBusyConsolePortFailsBeforeBuild: a busy console port is reported
// before any plugin is built, naming console.addr (issue 15, Start-up).
// The go command is a script that leaves a mark when a build starts.
func TestBusyConsolePortFailsBeforeBuild(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	dir := t.TempDir()
	mark := filepath.Join(dir, "go-ran")
	goCmd := filepath.Join(dir, "go")
	if err := os.WriteFile(goCmd, []byte("#!/bin/sh\ntouch '"+mark+"'\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(t, t.TempDir(), nil)
	b := &build.Builder{CacheDir: filepath.Join(dir, "cache"), Go: goCmd}
	a, err := New(context.Background(), Options{Config: cfg, ConsoleAddr: busy.Addr().String(), PluginBuilder: b, PluginCacheDir: filepath.Join(dir, "plugins")})
	if err == nil {
		a.Close()
		t.Fatal("New on a busy console port: no error")
	}
	if !strings.Contains(err.Error(), "console.addr") || !strings.Contains(err.Error(), busy.Addr().String()) {
		t.Errorf("error does not name console.addr and the address: %v", err)
	}
	if _, err := os.Stat(mark); err == nil {
		t.Error("a plugin build started before the busy port was reported")
	}
}

// TestBusyNATSPortFailsBeforeBuild: a busy nats.listen port is reported
// before any plugin is built, naming nats.listen (issue 15, Start-up).
func TestBusyNATSPortFailsBeforeBuild(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	dir := t.TempDir()
	mark := filepath.Join(dir, "go-ran")
	goCmd := filepath.Join(dir, "go")
	if err := os.WriteFile(goCmd, []byte("#!/bin/sh\ntouch '"+mark+"'\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(t, t.TempDir(), map[string]any{"nats.listen": busy.Addr().String()})
	b := &build.Builder{CacheDir: filepath.Join(dir, "cache"), Go: goCmd}
	a, err := New(context.Background(), Options{Config: cfg, NoConsole: true, PluginBuilder: b, PluginCacheDir: filepath.Join(dir, "plugins")})
	if err == nil {
		a.Close()
		t.Fatal("New on a busy NATS port: no error")
	}
	if !strings.Contains(err.Error(), "nats.listen") {
		t.Errorf("error does not name nats.listen: %v", err)
	}
	if _, err := os.Stat(mark); err == nil {
		t.Error("a plugin build started before the busy port was reported")
	}
}
