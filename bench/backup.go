package bench

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/wasmdrive/wasmdrive/drive/local"
	"github.com/wasmdrive/wasmdrive/internal/demo"
)

func init() {
	Register(Suite{
		Name:    "Built-in plugins",
		Command: "go run ./cmd/wasmdrive-bench --only 'built-in plugins'",
		Run:     runBackupBench,
	})
}

// backupFigures is the part of the backup plugin's summary the bench reads.
type backupFigures struct {
	Status    string `json:"status"`
	Uploaded  int    `json:"uploaded"`
	Unchanged int    `json:"unchanged"`
	BytesSent int64  `json:"bytes_sent"`
	Errors    []struct{ Path, Error string }
}

// backupBench holds the scratch folders and the host of one bench run.
type backupBench struct {
	dir string
	env *demo.Env
	d   *local.Drive
}

// backupSizes are the suite's tree sizes: a mixed tree of files adding up
// to total bytes, and a tree of many small files for the reruns.
type backupSizes struct {
	files int
	total int64
	small int
}

func runBackupBench(ctx context.Context, cfg Config) ([]Row, error) {
	sz := backupSizes{files: 10000, total: 1 << 30, small: 100000}
	if cfg.Quick {
		sz = backupSizes{files: 2000, total: 100 << 20, small: 20000}
	}
	b := &backupBench{dir: filepath.Join(cfg.Dir, "backup")}
	if err := os.RemoveAll(b.dir); err != nil {
		return nil, err
	}
	tree := filepath.Join(b.dir, "tree")
	smallTree := filepath.Join(b.dir, "small")
	if err := genTree(tree, sz.files, sz.total, 1); err != nil {
		return nil, err
	}
	if err := genSmallTree(smallTree, sz.small); err != nil {
		return nil, err
	}
	var err error
	if b.d, err = local.Open(filepath.Join(b.dir, "drive"), local.Options{NoSync: true}); err != nil {
		return nil, err
	}
	defer b.d.Close()
	if err := b.open("kv-tree", tree, "/bench/tree"); err != nil {
		return nil, err
	}
	defer func() { b.env.Close() }()

	rows, initial, peers, err := b.mixedTree(ctx, tree, sz)
	if err != nil {
		return rows, err
	}
	more, err := b.restore(ctx, tree, sz, initial, peers)
	rows = append(rows, more...)
	if err != nil {
		return rows, err
	}
	// The small tree is another backup with its own host and plugin
	// instances, so its figures do not depend on the heap the big tree's
	// runs left in a pooled instance (Go's Wasm heap never shrinks).
	b.env.Close()
	start, err := Timed(func() error { return b.open("kv-small", smallTree, "/bench/small") })
	if err != nil {
		return rows, err
	}
	rows = append(rows, Row{Name: "cached plugin start (host with the built-in plugins, on-disk compilation cache)",
		Value: ms(start), Unit: "ms", Goal: "≤ 50", Met: met(ms(start) <= 50), Note: "demo.NewEnv after a first start filled the cache"})
	more, err = b.smallTree(ctx, smallTree, sz.small)
	return append(rows, more...), err
}

// mixedTree times the initial backup of the mixed tree against cp -r and
// rclone copy, then a rerun after 1% of its files changed.
func (b *backupBench) mixedTree(ctx context.Context, tree string, sz backupSizes) ([]Row, time.Duration, *peerTimes, error) {
	var rows []Row
	mb := float64(sz.total) / 1e6
	initial, fig, err := b.backup(tree, "/bench/tree")
	if err != nil {
		return rows, 0, nil, err
	}
	pt := &peerTimes{}
	pt.cp, pt.cpErr = peerTime(ctx, "cp", "-r", tree, filepath.Join(b.dir, "cp-copy"))
	cpT, cpErr := pt.cp, pt.cpErr
	pt.restic, pt.resticErr = backupPeer{"restic", filepath.Join(b.dir, "restic")}.backup(ctx, tree)
	pt.borg, pt.borgErr = backupPeer{"borg", filepath.Join(b.dir, "borg")}.backup(ctx, tree)
	rcDst := filepath.Join(b.dir, "rclone-copy")
	rcT, rcErr := peerTime(ctx, "rclone", "copy", "--transfers", "4", tree, rcDst)
	name := fmt.Sprintf("initial backup, %d files, %.0f MB", sz.files, mb)
	rows = append(rows, Row{Name: name, Value: mb / initial.Seconds(), Unit: "MB/s", Note: fmt.Sprintf("%.2f s, %d uploaded", initial.Seconds(), fig.Uploaded)})
	if cpErr == nil {
		rows = append(rows, Row{Name: name + " vs cp -r", Value: cpT.Seconds() / initial.Seconds(), Unit: "x", Peer: "cp -r",
			Ratio: cpT.Seconds() / initial.Seconds(), Note: fmt.Sprintf("cp -r %.2f s", cpT.Seconds())})
	}
	rows = append(rows, peerRow(name+" vs restic backup", initial, pt.restic, pt.resticErr, "restic backup", "≥ 1.0"),
		peerRow(name+" vs borg create", initial, pt.borg, pt.borgErr, "borg create", "≥ 1.0"),
		peerRow(name+" vs rclone copy", initial, rcT, rcErr, "rclone copy --transfers 4", "≥ 0.8"))

	// 1% of the files changed: our rerun, then rclone on its own copy.
	changed, changedBytes, err := touchPercent(tree, 0.01)
	if err != nil {
		return rows, initial, pt, err
	}
	inc, fig, err := b.backup(tree, "/bench/tree")
	if err != nil {
		return rows, initial, pt, err
	}
	if fig.Uploaded != changed {
		return rows, initial, pt, fmt.Errorf("rerun after %d files changed uploaded %d", changed, fig.Uploaded)
	}
	name = fmt.Sprintf("rerun after 1%% changed (%d of %d files)", changed, sz.files)
	rows = append(rows, Row{Name: name, Value: float64(inc.Microseconds()) / 1000, Unit: "ms",
		Note: fmt.Sprintf("%d uploaded, %d bytes sent of %d changed", fig.Uploaded, fig.BytesSent, changedBytes)})
	if rcErr == nil {
		rc, err := peerTime(ctx, "rclone", "copy", "--transfers", "4", tree, rcDst)
		rows = append(rows, peerRow(name+" vs rclone copy", inc, rc, err, "rclone copy --transfers 4", "≥ 1.0"))
	}
	return rows, initial, pt, nil
}

// restore times a restore of the mixed tree against its initial backup,
// then the peers' restores of the same tree.
func (b *backupBench) restore(ctx context.Context, tree string, sz backupSizes, initial time.Duration, pt *peerTimes) ([]Row, error) {
	dest := filepath.Join(b.dir, "restore")
	rt, err := Timed(func() error {
		var out struct{ Status string }
		if err := b.env.Call("backup", "restore", map[string]any{"source": tree, "target": "/bench/tree", "dest": dest}, &out); err != nil {
			return err
		}
		if out.Status != "ok" {
			return fmt.Errorf("restore status %s", out.Status)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	mb := float64(sz.total) / 1e6
	rows := []Row{{Name: "restore throughput", Value: mb / rt.Seconds(), Unit: "MB/s", Peer: "initial backup",
		Ratio: initial.Seconds() / rt.Seconds(), Note: fmt.Sprintf("%.2f s, SHA-1 of every file checked", rt.Seconds())}}
	name := fmt.Sprintf("restore %.0f MB", mb)
	for _, p := range []struct {
		peer backupPeer
		err  error
		what string
	}{{backupPeer{"restic", filepath.Join(b.dir, "restic")}, pt.resticErr, "restic restore"},
		{backupPeer{"borg", filepath.Join(b.dir, "borg")}, pt.borgErr, "borg extract"}} {
		var d time.Duration
		err := p.err
		if err == nil {
			d, err = p.peer.restore(ctx, filepath.Join(b.dir, p.peer.name+"-restore"))
		}
		rows = append(rows, peerRow(name+" vs "+p.what, rt, d, err, p.what, "≥ 1.0"))
	}
	rows = append(rows, peerRow(name+" vs cp -r", rt, pt.cp, pt.cpErr, "cp -r", "≥ 0.5"))
	return rows, nil
}

// smallTree times the no-change rerun over many small files against
// rclone copy of the same unchanged tree (the goal: faster than rclone),
// then a rerun after 1% of them changed.
func (b *backupBench) smallTree(ctx context.Context, smallTree string, n int) ([]Row, error) {
	var rows []Row
	resetPeakRSS()
	if _, _, err := b.backup(smallTree, "/bench/small"); err != nil {
		return rows, err
	}
	if peak := peakRSS(); peak > 0 {
		mib := float64(peak) / (1 << 20)
		rows = append(rows, Row{Name: fmt.Sprintf("peak RSS, initial backup of %d files", n), Value: mib, Unit: "MiB",
			Goal: "≤ 256", Met: met(mib <= 256), Note: "VmHWM of the bench process (host, drive, plugins in one process), reset before the backup"})
	}
	rcDst := filepath.Join(b.dir, "rclone-small")
	_, rcErr := peerTime(ctx, "rclone", "copy", "--transfers", "4", smallTree, rcDst)
	rerun, fig, err := b.backup(smallTree, "/bench/small")
	if err != nil {
		return rows, err
	}
	if fig.Uploaded != 0 || fig.Unchanged != n {
		return rows, fmt.Errorf("no-change rerun uploaded %d, unchanged %d of %d", fig.Uploaded, fig.Unchanged, n)
	}
	var rc time.Duration
	if rcErr == nil {
		rc, rcErr = peerTime(ctx, "rclone", "copy", "--transfers", "4", smallTree, rcDst)
	}
	name := fmt.Sprintf("no-change rerun, %d files of 1–8 KiB", n)
	row := peerRow(name, rerun, rc, rcErr, "rclone copy (no change)", "≥ 2.0")
	row.Value, row.Unit = float64(rerun.Microseconds())/float64(n), "µs/file"
	row.Note = fmt.Sprintf("%.3f s; ", rerun.Seconds()) + row.Note
	rows = append(rows, row)

	changed, changedBytes, err := touchPercent(smallTree, 0.01)
	if err != nil {
		return rows, err
	}
	inc, fig, err := b.backup(smallTree, "/bench/small")
	if err != nil {
		return rows, err
	}
	if fig.Uploaded != changed {
		return rows, fmt.Errorf("rerun after %d small files changed uploaded %d", changed, fig.Uploaded)
	}
	name = fmt.Sprintf("rerun after 1%% changed (%d of %d small files)", changed, n)
	rows = append(rows, Row{Name: name, Value: float64(inc.Microseconds()) / 1000, Unit: "ms",
		Note: fmt.Sprintf("%d uploaded, %d bytes sent of %d changed", fig.Uploaded, fig.BytesSent, changedBytes)})
	if rcErr == nil {
		rc, err := peerTime(ctx, "rclone", "copy", "--transfers", "4", smallTree, rcDst)
		rows = append(rows, peerRow(name+" vs rclone copy", inc, rc, err, "rclone copy --transfers 4", "≥ 1.0"))
	}
	return rows, nil
}

// peerRow compares our time with a peer's: Ratio is peer time / ours (> 1:
// we are faster); goal "" means none. A peer that did not run gets a note.
func peerRow(name string, ours, peer time.Duration, peerErr error, peerName, goal string) Row {
	if peerErr != nil {
		return Row{Name: name, Peer: peerName, Goal: goal, Note: peerName + " not run: " + peerErr.Error()}
	}
	r := peer.Seconds() / ours.Seconds()
	row := Row{Name: name, Value: r, Unit: "x", Peer: peerName, Ratio: r,
		Note: fmt.Sprintf("ours %.3f s, %s %.3f s", ours.Seconds(), peerName, peer.Seconds())}
	if goal != "" {
		ok := ours < peer
		var min float64
		if _, err := fmt.Sscanf(goal, "≥ %g", &min); err == nil {
			ok = r >= min
		}
		row.Goal, row.Met = goal, &ok
	}
	return row
}

// open starts a host whose backup plugin mirrors src into target, with
// its KV in folder kv.
func (b *backupBench) open(kv, src, target string) error {
	env, err := demo.NewEnv(context.Background(), b.d, demo.EnvOptions{
		DataDir: benchCacheDir(b.dir), KVDir: filepath.Join(b.dir, kv),
		Configs: map[string]map[string]any{"backup": {"source": src, "target": target}}})
	if err != nil {
		return fmt.Errorf("start the plugin host: %w", err)
	}
	b.env = env
	return nil
}

// backup runs the backup plugin on src and checks it succeeded.
func (b *backupBench) backup(src, target string) (time.Duration, *backupFigures, error) {
	var fig backupFigures
	d, err := Timed(func() error {
		return b.env.Call("backup", "backup", map[string]any{"source": src, "target": target, "subject": ""}, &fig)
	})
	if err != nil {
		return d, nil, err
	}
	if fig.Status != "ok" {
		return d, &fig, fmt.Errorf("backup of %s: status %s, %d errors (first: %+v)", src, fig.Status, len(fig.Errors), fig.Errors)
	}
	return d, &fig, nil
}

// peerTime runs a peer command and returns its wall time.
func peerTime(ctx context.Context, name string, args ...string) (time.Duration, error) {
	if _, err := exec.LookPath(name); err != nil {
		return 0, notInstalled(name)
	}
	return Timed(func() error {
		out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s: %v: %s", name, err, out)
		}
		return nil
	})
}

// genTree writes n files of log-normal sizes adding up to about total
// bytes, spread over nested folders.
func genTree(root string, n int, total int64, seed uint64) error {
	r := rand.New(rand.NewPCG(seed, 42))
	sizes := make([]float64, n)
	var sum float64
	for i := range sizes {
		sizes[i] = math.Exp(r.NormFloat64() * 1.5)
		sum += sizes[i]
	}
	buf := make([]byte, 8<<20)
	for i := range buf {
		buf[i] = byte(r.Uint32())
	}
	for i, s := range sizes {
		size := int64(s / sum * float64(total))
		p := filepath.Join(root, fmt.Sprintf("d%02d/s%02d/f%05d.bin", i%37, i%11, i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		f, err := os.Create(p)
		if err != nil {
			return err
		}
		// Distinct content per file (no rapid-upload shortcut): a header
		// with the index, then slices of the random buffer.
		fmt.Fprintf(f, "%08d", i)
		for left := size - 8; left > 0; {
			off := r.IntN(len(buf) / 2)
			c := min(left, int64(len(buf)/2))
			if _, err := f.Write(buf[off : off+int(c)]); err != nil {
				f.Close()
				return err
			}
			left -= c
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	return nil
}

// genSmallTree writes n files of 1–8 KiB.
func genSmallTree(root string, n int) error {
	r := rand.New(rand.NewPCG(7, 7))
	buf := make([]byte, 8<<10)
	for i := 0; i < n; i++ {
		p := filepath.Join(root, fmt.Sprintf("d%03d/f%06d", i%500, i))
		if i%500 == i {
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
		}
		for j := range buf {
			buf[j] = byte(r.Uint32())
		}
		if err := os.WriteFile(p, buf[:1024+r.IntN(7<<10)], 0o644); err != nil {
			return err
		}
	}
	return nil
}

// touchPercent rewrites a fraction of the tree's files (new content, new
// mtime) and returns how many and their new total size.
func touchPercent(root string, frac float64) (n int, size int64, err error) {
	i := 0
	step := int(1 / frac)
	err = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		i++
		if i%step != 0 {
			return nil
		}
		n++
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(f, "changed %d", i)
		if err == nil {
			var st os.FileInfo
			if st, err = f.Stat(); err == nil {
				size += st.Size()
			}
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	})
	return n, size, err
}

// benchCacheDir is where the plugin builds and compiled modules of the
// backup figures are kept between runs (the user cache folder), or under
// scratch when there is none.
func benchCacheDir(scratch string) string {
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "wasmdrive", "bench")
	}
	return filepath.Join(scratch, "cache")
}
