//go:build deps

// Package deps pins the project's dependencies in go.mod while packages that
// use them are being written, so parallel work never races on go.mod.
package deps

import (
	_ "github.com/chromedp/chromedp"
	_ "github.com/extism/go-pdk"
	_ "github.com/extism/go-sdk"
	_ "github.com/gorilla/websocket"
	_ "github.com/nats-io/nats-server/v2/server"
	_ "github.com/nats-io/nats.go"
	_ "github.com/nats-io/nats.go/jetstream"
	_ "github.com/nats-io/nats.go/micro"
	_ "github.com/robfig/cron/v3"
	_ "github.com/tetratelabs/wazero"
	_ "golang.org/x/crypto/chacha20poly1305"
	_ "golang.org/x/time/rate"
	_ "modernc.org/sqlite"
)
