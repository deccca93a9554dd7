package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/wasmdrive/wasmdrive/config"
	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/accounts"
	"github.com/wasmdrive/wasmdrive/hostfuncs"
	"github.com/wasmdrive/wasmdrive/internal/termesc"
	"github.com/wasmdrive/wasmdrive/runner"
	"github.com/wasmdrive/wasmdrive/runner/build"
	"github.com/wasmdrive/wasmdrive/runner/kvfile"
)

func init() {
	register(&command{name: "plugin build", usage: "DIR [-o FILE]",
		summary: "build a Go plugin folder to Wasm (reproducible; default output DIR/NAME.wasm)", run: runPluginBuild})
	register(&command{name: "plugin list", usage: "",
		summary: "list the plugins found in the plugin folders, with version, hash and state", run: runPluginList})
	register(&command{name: "plugin inspect", usage: "NAME|DIR",
		summary: "show a plugin's manifest, effective grants, module exports and hash", run: runPluginInspect})
}

func runPluginBuild(ctx context.Context, env *cliEnv, args []string) error {
	fs := flag.NewFlagSet("plugin build", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	out := fs.String("o", "", "output file (default DIR/NAME.wasm)")
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return errUsage
	}
	dir := rest[0]
	man, err := runner.LoadManifest(dir)
	if err != nil {
		return err
	}
	cacheDir, err := buildCacheDir(env)
	if err != nil {
		return err
	}
	b := &build.Builder{CacheDir: cacheDir}
	res, err := b.Build(ctx, dir)
	if err != nil {
		return err
	}
	if *out == "" {
		*out = filepath.Join(dir, man.Name+".wasm")
	}
	if err := copyFile(res.Path, *out); err != nil {
		return err
	}
	if env.JSON {
		return writeJSON(env.Stdout, map[string]any{"plugin": man.Name, "version": man.Version, "wasm": *out,
			"sha256": res.SHA256, "source_hash": res.SourceHash, "cached": res.Cached})
	}
	how := "built"
	if res.Cached {
		how = "up to date (cached)"
	}
	fmt.Fprintf(env.Stdout, "%s %s %s: %s\n  sha256 %s\n", man.Name, termesc.String(man.Version), how, termesc.String(*out), res.SHA256)
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("copy module: %w", err)
	}
	defer in.Close()
	tmp := dst + ".tmp"
	out, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("copy module: %w", err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		os.Remove(tmp)
		return fmt.Errorf("copy module: %w", err)
	}
	if err := out.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("copy module: %w", err)
	}
	return os.Rename(tmp, dst)
}

// cliHost is a plugin host for one CLI command, with the local KV, the
// audit log and the config's accounts.
type cliHost struct {
	*runner.Host
	cfg    *config.Config
	drives *accounts.Registry
	kv     *kvfile.KV
	audit  *hostfuncs.AuditLog
}

// openHost loads the plugins of the configured folders, or only of dir
// when dir is a plugin folder; only, if set, is the one plugin to load.
// run lets calls reach unlisted plugins.
func openHost(ctx context.Context, env *cliEnv, dir, only string, run bool) (*cliHost, error) {
	cfg, err := loadConfig(env)
	if err != nil {
		return nil, err
	}
	if dir != "" {
		cfg.Plugins.Dirs = []string{dir}
		cfg.Plugins.DisableBuiltins = true
	}
	c := &cliHost{cfg: cfg, drives: accounts.NewRegistry(cfg, nil)}
	opts := runner.Options{Config: cfg, RunUnlisted: run, NoPrewarm: true, NoWatch: true,
		Drives: func(ctx context.Context, account string) (drive.Drive, error) { return c.drives.Get(account) }}
	if only != "" {
		opts.Only = []string{only}
	}
	if run {
		if c.kv, err = kvfile.Open(filepath.Join(cfg.DataDir, "kv", "plugins.db")); err != nil {
			c.Close()
			return nil, err
		}
		if c.audit, err = hostfuncs.OpenAuditLog(filepath.Join(cfg.DataDir, "audit.jsonl")); err != nil {
			c.Close()
			return nil, err
		}
		opts.KV, opts.Audit = c.kv, c.audit
	}
	if c.Host, err = runner.New(ctx, opts); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// Close closes the host, the drives, the KV and the audit log.
func (c *cliHost) Close() {
	if c.Host != nil {
		c.Host.Close()
	}
	c.drives.Close()
	if c.kv != nil {
		c.kv.Close()
	}
	if c.audit != nil {
		c.audit.Close()
	}
}

// pluginArg splits NAME|DIR: a path to a plugin folder loads only it.
func pluginArg(arg string) (name, dir string, err error) {
	if strings.ContainsRune(arg, filepath.Separator) || arg == "." {
		if _, err := os.Stat(filepath.Join(arg, runner.ManifestFile)); err != nil {
			return "", "", fmt.Errorf("%s is not a plugin folder (no %s)", arg, runner.ManifestFile)
		}
		man, err := runner.LoadManifest(arg)
		if err != nil {
			return "", "", err
		}
		return man.Name, arg, nil
	}
	return arg, "", nil
}

func runPluginList(ctx context.Context, env *cliEnv, args []string) error {
	if len(args) != 0 {
		return errUsage
	}
	h, err := openHost(ctx, env, "", "", false)
	if err != nil {
		return err
	}
	defer h.Close()
	pis, err := h.Plugins(ctx)
	if err != nil {
		return err
	}
	if env.JSON {
		return writeJSON(env.Stdout, pis)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tVERSION\tENABLED\tSHA256\tEXPORTS\tDIR")
	var errs []string
	for _, p := range pis {
		hash := p.Hash
		if len(hash) > 12 {
			hash = hash[:12]
		}
		fmt.Fprintf(tw, "%s\t%s\t%v\t%s\t%s\t%s\n", termesc.String(p.Name), termesc.String(p.Version), p.Enabled, termesc.String(hash), termesc.String(strings.Join(p.Exports, ",")), termesc.String(p.Dir))
		if p.Error != "" {
			errs = append(errs, fmt.Sprintf("%s: %s", p.Name, p.Error))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, e := range errs {
		fmt.Fprintf(env.Stdout, "\nerror: %s\n", termesc.Text(e))
	}
	return nil
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

func runPluginInspect(ctx context.Context, env *cliEnv, args []string) error {
	if len(args) != 1 {
		return errUsage
	}
	name, dir, err := pluginArg(args[0])
	if err != nil {
		return err
	}
	h, err := openHost(ctx, env, dir, name, false)
	if err != nil {
		return err
	}
	defer h.Close()
	in, err := h.Inspect(name)
	if err != nil {
		return err
	}
	if env.JSON {
		return writeJSON(env.Stdout, in)
	}
	w := env.Stdout
	fmt.Fprintf(w, "name:     %s\ndir:      %s\nenabled:  %v\n", termesc.String(in.Name), termesc.String(in.Dir), in.Enabled)
	if in.Error != "" {
		fmt.Fprintf(w, "error:    %s\n", termesc.Text(in.Error))
	}
	for _, warn := range in.Warnings {
		fmt.Fprintf(w, "warning:  %s\n", termesc.Text(warn))
	}
	if in.Manifest == nil {
		return nil
	}
	m := in.Manifest
	fmt.Fprintf(w, "version:  %s\nwasm:     %s\nsha256:   %s\naccount:  %s\nentry:    %s\n", termesc.String(m.Version), termesc.String(in.Wasm), in.SHA256, termesc.String(in.Account), termesc.String(m.Entry))
	fmt.Fprintf(w, "exports (module): %s\n", termesc.String(strings.Join(in.Exports, ", ")))
	var hostFns []string
	for _, imp := range in.Imports {
		if fn, ok := strings.CutPrefix(imp, "extism:host/user."); ok {
			hostFns = append(hostFns, fn)
		}
	}
	fmt.Fprintf(w, "host functions imported: %s\n", termesc.String(strings.Join(hostFns, ", ")))
	fmt.Fprintf(w, "interrupt: %s\n", in.Interrupt)
	fmt.Fprintf(w, "limits: memory_pages=%d timeout=%s max_instances=%d max_input=%d max_output=%d retries=%d backoff=%s\n",
		m.Limits.MemoryPages, m.Limits.Timeout.D(), m.Limits.MaxInstances, m.Limits.MaxInputBytes, m.Limits.MaxOutputBytes, m.Limits.Retries, m.Limits.Backoff.D())
	fmt.Fprintf(w, "output caps per call: max_log_lines=%d max_log_bytes=%d max_emits=%d\n", m.Limits.MaxLogLines, m.Limits.MaxLogBytes, m.Limits.MaxEmits)
	fmt.Fprintf(w, "config: %s\n", in.Config)
	fmt.Fprintln(w, "effective grant:")
	return writeJSON(w, in.Grant)
}
