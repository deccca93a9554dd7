package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/wasmdrive/wasmdrive/drive/accounts"
	"github.com/wasmdrive/wasmdrive/drive/aliyun"
)

func init() {
	register(&command{name: "login", usage: "--account NAME [--listen 127.0.0.1:8379] [--timeout 10m]",
		summary: "authorise an aliyun account in the browser (OAuth code + PKCE) and save its token file", run: runLogin})
}

func runLogin(ctx context.Context, env *cliEnv, args []string) error {
	fs := flag.NewFlagSet("login", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	acct := fs.String("account", "", "the aliyun account to log in (default: the default account)")
	listen := fs.String("listen", "127.0.0.1:8379", "loopback address for the browser's redirect; register http://ADDR/oauth/callback as the app's redirect URI")
	timeout := fs.Duration("timeout", 10*time.Minute, "how long to wait for the browser")
	if _, err := parseInterspersed(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(env)
	if err != nil {
		return err
	}
	name, a, err := accounts.Lookup(cfg, *acct)
	if err != nil {
		return withExit(err)
	}
	if a.Type != accounts.TypeAliyun {
		return fmt.Errorf("account %s is a %s drive: only aliyun accounts log in", name, a.Type)
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	tok, err := aliyun.Login(ctx, aliyun.LoginOptions{
		Account: name, BaseURL: a.BaseURL, ClientID: a.ClientID, ClientSecret: string(a.ClientSecret), Listen: *listen,
		ShowURL: func(u string) {
			fmt.Fprintf(env.Stderr, "Open this address in a browser and approve wasmdrive:\n\n  %s\n\nWaiting for the redirect...\n", u)
		},
	})
	if err != nil {
		return withExit(err)
	}
	if err := aliyun.SaveToken(a.TokenFile, tok); err != nil {
		return fmt.Errorf("login %s: %w", name, err)
	}
	if env.JSON {
		return writeJSON(env.Stdout, map[string]any{"account": name, "token_file": a.TokenFile, "expiry": tok.Expiry})
	}
	fmt.Fprintf(env.Stdout, "account %s is logged in; token saved to %s (mode 0600)\n", name, a.TokenFile)
	return nil
}
