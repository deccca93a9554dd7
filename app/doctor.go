package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/wasmdrive/wasmdrive/config"
	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/accounts"
	"github.com/wasmdrive/wasmdrive/drive/aliyun"
	"github.com/wasmdrive/wasmdrive/drive/local"
	"github.com/wasmdrive/wasmdrive/runner"
	"github.com/wasmdrive/wasmdrive/runner/batch"
	"github.com/wasmdrive/wasmdrive/runner/queue"
	"github.com/wasmdrive/wasmdrive/runner/trigger"
)

// Check statuses.
const (
	CheckOK   = "ok"
	CheckWarn = "warn"
	CheckFail = "fail"
)

// Check is one finding of Doctor.
type Check struct {
	Area   string         `json:"area"` // config, data, account, nats, plugin
	Name   string         `json:"name"`
	Status string         `json:"status"`
	Detail string         `json:"detail"`
	Fix    string         `json:"fix,omitempty"`
	Data   map[string]any `json:"data,omitempty"`
}

// Report is Doctor's answer.
type Report struct {
	Checks []Check `json:"checks"`
	OK     bool    `json:"ok"` // no check failed
}

func (r *Report) add(c Check) {
	r.Checks = append(r.Checks, c)
	if c.Status == CheckFail {
		r.OK = false
	}
}

// Doctor checks a configuration and the system it describes: the config
// itself (cfgErr is the load error, if any), the data folder, every
// account, NATS and its streams and consumers, and every plugin.
func Doctor(ctx context.Context, cfg *config.Config, cfgErr error) *Report {
	r := &Report{OK: true}
	if cfgErr != nil {
		r.add(Check{Area: "config", Name: "config", Status: CheckFail, Detail: cfgErr.Error(),
			Fix: "fix the named key in the config file or the WASMDRIVE_* variable"})
		return r
	}
	r.add(Check{Area: "config", Name: "config", Status: CheckOK, Detail: fmt.Sprintf("valid; node %s, %d account(s)", cfg.NodeName, len(cfg.Accounts))})
	doctorData(r, cfg)
	for _, name := range accounts.Names(cfg) {
		doctorAccount(ctx, r, cfg, name)
	}
	q := doctorNATS(ctx, r, cfg)
	doctorPlugins(ctx, r, cfg, q)
	if q != nil {
		q.Conn.Close()
	}
	return r
}

func doctorData(r *Report, cfg *config.Config) {
	dir := cfg.DataDir
	if err := os.MkdirAll(dir, 0o700); err != nil {
		r.add(Check{Area: "data", Name: dir, Status: CheckFail, Detail: err.Error(), Fix: "create the folder or point data_dir / --data elsewhere"})
		return
	}
	f, err := os.CreateTemp(dir, ".doctor-*")
	if err != nil {
		r.add(Check{Area: "data", Name: dir, Status: CheckFail, Detail: "not writable: " + err.Error(), Fix: "fix the folder's owner and permissions"})
		return
	}
	f.Close()
	os.Remove(f.Name())
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err == nil {
		free := int64(st.Bavail) * int64(st.Bsize)
		r.add(dataSpaceCheck(dir, free, cfg))
	}
}

func bytesStr(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

func doctorAccount(ctx context.Context, r *Report, cfg *config.Config, name string) {
	a := cfg.Accounts[name]
	c := Check{Area: "account", Name: name, Data: map[string]any{"type": a.Type}}
	if a.Type == accounts.TypeAliyun {
		t, err := aliyun.LoadToken(a.TokenFile)
		switch {
		case err != nil:
			c.Status, c.Detail = CheckFail, err.Error()
			c.Fix = "run `wasmdrive login --account " + name + "` to authorize the account"
			r.add(c)
			return
		case t.RefreshToken == "" && time.Until(t.Expiry) < 0:
			c.Status, c.Detail, c.Fix = CheckFail, "access token expired and no refresh token", "run `wasmdrive login --account "+name+"` again"
			r.add(c)
			return
		}
		c.Data["token_expiry"] = t.Expiry
	}
	d, err := accounts.OpenReadOnly(cfg, name) // a check must not clean up (or collect blobs)
	if err != nil {
		c.Status, c.Detail, c.Fix = CheckFail, err.Error(), "fix accounts."+name+" in the config"
		if errors.Is(err, local.ErrNeedsFsck) {
			c.Fix = "run `wasmdrive drive fsck --account " + name + "` to rebuild the metadata from the blobs"
		}
		r.add(c)
		return
	}
	defer func() {
		if cl, ok := d.(interface{ Close() error }); ok {
			_ = cl.Close()
		}
	}()
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	sp, err := d.SpaceInfo(ctx)
	if err != nil {
		c.Status, c.Detail = CheckFail, "unreachable: "+err.Error()
		switch {
		case errors.Is(err, drive.ErrAuth):
			c.Fix = "the token was rejected: run `wasmdrive login --account " + name + "`"
		case errors.Is(err, drive.ErrRateLimited):
			c.Fix = "the service is throttling: lower accounts." + name + ".rate_limit and try later"
		default:
			c.Fix = "check the network / base_url, then run `wasmdrive drive ls / --account " + name + "`"
		}
		r.add(c)
		return
	}
	c.Status = CheckOK
	c.Detail = fmt.Sprintf("reachable, %s of %s used", bytesStr(sp.UsedSize), bytesStr(sp.TotalSize))
	c.Data["used_bytes"], c.Data["total_bytes"] = sp.UsedSize, sp.TotalSize
	if sp.TotalSize > 0 && float64(sp.UsedSize) > 0.95*float64(sp.TotalSize) {
		c.Status, c.Fix = CheckWarn, "the drive is over 95% full: clean up (the cleanup plugin) or raise the quota"
	}
	if exp, ok := c.Data["token_expiry"].(time.Time); ok {
		c.Detail += fmt.Sprintf("; access token valid until %s (refreshed automatically)", exp.Local().Format(time.RFC3339))
	}
	if cl, ok := d.(*aliyun.Client); ok {
		rl := cl.RateLimit()
		c.Data["rate_limit"] = rl
		if len(rl.Header) > 0 {
			c.Detail += fmt.Sprintf("; rate-limit headers %v", rl.Header)
		}
	}
	r.add(c)
}

// doctorNATS checks the connection, JetStream, streams and consumers and
// returns the queue for the plugin checks (nil when NATS is unreachable).
func doctorNATS(ctx context.Context, r *Report, cfg *config.Config) *queue.Queue {
	cl, err := Connect(ctx, cfg)
	if err != nil {
		r.add(Check{Area: "nats", Name: "connection", Status: CheckFail, Detail: err.Error(),
			Fix: "start nats-server with -js (nats.url), or unset nats.url to embed one"})
		return nil
	}
	c := Check{Area: "nats", Name: "connection", Status: CheckOK, Detail: "JetStream reachable via " + cl.Where}
	if cl.Standalone {
		c.Status, c.Fix = CheckWarn, "no `wasmdrive serve` is running on this data folder: runs stay queued until one starts"
	}
	r.add(c)
	for _, name := range []string{queue.RunsStream, queue.LogsStream, queue.DLQStream, trigger.EventsStream, batch.Stream} {
		s, err := cl.Conn.JS.Stream(ctx, name)
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			r.add(Check{Area: "nats", Name: "stream " + name, Status: CheckOK, Detail: "not created yet (created on first use)"})
			continue
		}
		if err != nil {
			r.add(Check{Area: "nats", Name: "stream " + name, Status: CheckFail, Detail: err.Error(), Fix: "check the NATS server logs; `nats stream info " + name + "`"})
			continue
		}
		info := s.CachedInfo()
		sc := Check{Area: "nats", Name: "stream " + name, Status: CheckOK,
			Detail: fmt.Sprintf("%d messages, %s", info.State.Msgs, bytesStr(int64(info.State.Bytes))),
			Data:   map[string]any{"messages": info.State.Msgs, "bytes": info.State.Bytes, "replicas": info.Config.Replicas}}
		if name == queue.DLQStream && info.State.Msgs > 0 {
			sc.Status = CheckWarn
			sc.Fix = "runs ran out of retries: `wasmdrive runs list --status dead`, read `wasmdrive runs logs ID`, replay with `wasmdrive runs retry ID`"
		}
		if info.Cluster != nil && info.Cluster.Leader == "" && info.Config.Replicas > 1 {
			sc.Status, sc.Fix = CheckFail, "the stream has no leader: check the cluster's health (`nats server report jetstream`)"
		}
		r.add(sc)
		doctorConsumers(ctx, r, s, name)
	}
	return cl.Queue
}

func doctorConsumers(ctx context.Context, r *Report, s jetstream.Stream, stream string) {
	lister := s.ListConsumers(ctx)
	for ci := range lister.Info() {
		c := Check{Area: "nats", Name: "consumer " + stream + "/" + ci.Name, Status: CheckOK,
			Detail: fmt.Sprintf("%d pending, %d in flight, %d redelivered", ci.NumPending, ci.NumAckPending, ci.NumRedelivered),
			Data:   map[string]any{"pending": ci.NumPending, "ack_pending": ci.NumAckPending, "redelivered": ci.NumRedelivered}}
		if ci.NumPending > 1000 {
			c.Status, c.Fix = CheckWarn, "a backlog is building: start more `wasmdrive serve` nodes against this NATS or raise their slots"
		}
		r.add(c)
	}
}

// doctorHostHook lets tests share plugin build caches with the doctor.
var doctorHostHook func(*runner.Options)

func doctorPlugins(ctx context.Context, r *Report, cfg *config.Config, q *queue.Queue) {
	ho := runner.Options{Config: cfg, NoPrewarm: true, Drives: func(context.Context, string) (drive.Drive, error) {
		return nil, errors.New("doctor: no drive calls")
	}}
	if doctorHostHook != nil {
		doctorHostHook(&ho)
	}
	h, err := runner.New(ctx, ho)
	if err != nil {
		r.add(Check{Area: "plugin", Name: "host", Status: CheckFail, Detail: err.Error(), Fix: "check plugins.dirs and the data folder's cache"})
		return
	}
	defer h.Close()
	if _, _, err := checkPlugins(ctx, cfg, h, nil); err != nil {
		r.add(Check{Area: "plugin", Name: "enabled plugins", Status: CheckFail, Detail: err.Error(),
			Fix: "serve refuses to start on this too: fix the config keys named"})
	}
	ps, err := h.Plugins(ctx)
	if err != nil {
		r.add(Check{Area: "plugin", Name: "host", Status: CheckFail, Detail: err.Error()})
		return
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].Name < ps[j].Name })
	for _, p := range ps {
		c := Check{Area: "plugin", Name: p.Name, Status: CheckOK, Data: map[string]any{"version": p.Version, "enabled": p.Enabled, "grants": p.Grants, "dir": p.Dir}}
		switch {
		case p.Error != "":
			c.Status, c.Detail = CheckFail, p.Error
			c.Fix = "fix " + filepath.Join(p.Dir, "plugin.yaml") + " (or the plugin's source), then `wasmdrive plugin list`"
			if _, listed := cfg.Plugins.Enabled[p.Name]; !listed {
				c.Status = CheckWarn // not asked for: it does not stop anything
				c.Fix = "only matters once you enable it: list it under plugins.enabled with the settings the error names"
			}
		case !p.Enabled:
			c.Detail = fmt.Sprintf("%s compiles; not enabled", p.Version)
			c.Fix = "list it under plugins.enabled to run it"
		default:
			c.Detail = fmt.Sprintf("%s compiles; enabled, grants %s", p.Version, short(string(p.Grants), 160))
		}
		if q != nil && p.Error == "" {
			failed, err := q.ListRuns(ctx, runner.RunFilter{Plugin: p.Name, Status: runner.StatusFailed, Limit: 3})
			if err == nil && len(failed) > 0 {
				var msgs []string
				for _, f := range failed {
					msgs = append(msgs, f.ID+": "+short(f.Error, 120))
				}
				c.Data["last_failures"] = msgs
				c.Detail += "; recent failures: " + strings.Join(msgs, " | ")
				if c.Status == CheckOK {
					c.Status, c.Fix = CheckWarn, "read `wasmdrive runs logs ID`; replay with `wasmdrive runs retry ID`"
				}
			}
		}
		r.add(c)
	}
}

func short(s string, n int) string {
	if len(s) > n {
		return s[:n-1] + "…"
	}
	return s
}

// dataHeadroom is the free space doctor asks for beyond what the embedded
// NATS streams reserve: plugin build caches, the drive's metadata and a
// first backup's working files.
const dataHeadroom = 128 << 20

// dataSpaceCheck judges the free space of the data folder against what this
// config needs: the embedded NATS server reserves its streams' and buckets'
// maximum sizes up front (none with an external nats.url), plus headroom.
func dataSpaceCheck(dir string, free int64, cfg *config.Config) Check {
	c := Check{Area: "data", Name: dir, Status: CheckOK, Detail: fmt.Sprintf("writable, %s free", bytesStr(free)), Data: map[string]any{"free_bytes": free}}
	var reserved int64
	if cfg.NATS.URL == "" {
		reserved = cfg.NATS.Reserved()
	}
	if need := reserved + dataHeadroom; free < need {
		c.Status = CheckWarn
		c.Fix = fmt.Sprintf("less than %s free: the embedded NATS streams reserve %s (nats.logs_max_bytes + nats.events_max_bytes + 2 × nats.kv_max_bytes) and the local drive and caches live here too; free space, lower those keys or move data_dir",
			bytesStr(need), bytesStr(reserved))
	}
	return c
}
