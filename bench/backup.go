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
	"github.com/wasmdrive/wasmdrive/plugins/e2e"
)

func init() {
	Register(Suite{
		Name:    "Built-in plugins",
		Command: "go run ./cmd/wasmdrive bench --only 'built-in plugins'",
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
	env *e2e.Env
	d   *local.Drive
}

func runBackupBench(ctx context.Context, cfg Config) ([]Row, error) {
	files, total, small := 10000, int64(1<<30), 100000
	if cfg.Quick {
		files, total, small = 2000, 100<<20, 20000
	}
	b := &backupBench{dir: filepath.Join(cfg.Dir, "backup")}
	if err := os.RemoveAll(b.dir); err != nil {
		return nil, err
	}
	tree := filepath.Join(b.dir, "tree")
	smallTree := filepath.Join(b.dir, "small")
	if err := genTree(tree, files, total, 1); err != nil {
		return nil, err
	}
	if err := genSmallTree(smallTree, small); err != nil {
		return nil, err
	}
	var err error
	if b.d, err = local.Open(filepath.Join(b.dir, "drive"), local.Options{NoSync: true}); err != nil {
		return nil, err
	}
	defer b.d.Close()
	b.env, err = e2e.NewEnv(b.d, filepath.Join(b.dir, "kv"), map[string]map[string]any{
		"backup": {"source": tree, "target": "/bench/tree"}})
	if err != nil {
		return nil, err
	}
	defer b.env.Close()

	var rows []Row
	mb := float64(total) / 1e6
	// Initial backup of the mixed tree, against cp -r and rclone copy.
	initial, fig, err := b.backup(tree, "/bench/tree")
	if err != nil {
		return rows, err
	}
	cpT, cpErr := peerTime(ctx, "cp", "-r", tree, filepath.Join(b.dir, "cp-copy"))
	rcT, rcErr := peerTime(ctx, "rclone", "copy", "--transfers", "4", tree, filepath.Join(b.dir, "rclone-copy"))
	name := fmt.Sprintf("initial backup, %d files, %.0f MB", files, mb)
	rows = append(rows, Row{Name: name, Value: mb / initial.Seconds(), Unit: "MB/s", Note: fmt.Sprintf("%.2f s, %d uploaded", initial.Seconds(), fig.Uploaded)})
	if cpErr == nil {
		rows = append(rows, Row{Name: name + " vs cp -r", Value: cpT.Seconds() / initial.Seconds(), Unit: "x", Peer: "cp -r",
			Ratio: cpT.Seconds() / initial.Seconds(), Note: fmt.Sprintf("cp -r %.2f s", cpT.Seconds())})
	}
	if rcErr == nil {
		r := rcT.Seconds() / initial.Seconds()
		rows = append(rows, Row{Name: name + " vs rclone copy", Value: r, Unit: "x", Peer: "rclone copy --transfers 4", Ratio: r,
			Note: fmt.Sprintf("rclone %.2f s", rcT.Seconds())})
	} else {
		rows = append(rows, Row{Name: name + " vs rclone copy", Note: "rclone not run: " + rcErr.Error()})
	}

	// 1% of the files changed.
	changed, err := touchPercent(tree, 0.01)
	if err != nil {
		return rows, err
	}
	inc, fig, err := b.backup(tree, "/bench/tree")
	if err != nil {
		return rows, err
	}
	rows = append(rows, Row{Name: fmt.Sprintf("rerun after 1%% changed (%d files)", changed), Value: float64(inc.Microseconds()) / 1000, Unit: "ms",
		Note: fmt.Sprintf("%d uploaded, %d bytes sent", fig.Uploaded, fig.BytesSent)})

	// Restore throughput against backup throughput.
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
		return rows, err
	}
	rows = append(rows, Row{Name: "restore throughput", Value: mb / rt.Seconds(), Unit: "MB/s", Peer: "initial backup",
		Ratio: initial.Seconds() / rt.Seconds(), Note: fmt.Sprintf("%.2f s, SHA-1 of every file checked", rt.Seconds())})

	// No-change rerun over many small files, against rclone.
	if _, _, err := b.backup(smallTree, "/bench/small"); err != nil {
		return rows, err
	}
	rerun, fig, err := b.backup(smallTree, "/bench/small")
	if err != nil {
		return rows, err
	}
	if fig.Uploaded != 0 || fig.Unchanged != small {
		return rows, fmt.Errorf("no-change rerun uploaded %d, unchanged %d of %d", fig.Uploaded, fig.Unchanged, small)
	}
	name = fmt.Sprintf("no-change rerun, %d files of 1–8 KiB", small)
	row := Row{Name: name, Value: float64(rerun.Microseconds()) / float64(small), Unit: "µs/file", Note: fmt.Sprintf("%.3f s", rerun.Seconds())}
	rcDst := filepath.Join(b.dir, "rclone-small")
	if _, err := peerTime(ctx, "rclone", "copy", "--transfers", "4", smallTree, rcDst); err == nil {
		if rc, err := peerTime(ctx, "rclone", "copy", "--transfers", "4", smallTree, rcDst); err == nil {
			ok := rerun < rc
			row.Peer, row.Ratio, row.Goal, row.Met = "rclone copy (no change)", rc.Seconds()/rerun.Seconds(), "faster than rclone", &ok
			row.Note += fmt.Sprintf("; rclone %.3f s", rc.Seconds())
		}
	}
	rows = append(rows, row)
	return rows, nil
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
		return 0, fmt.Errorf("%s is not installed", name)
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
// mtime) and returns how many.
func touchPercent(root string, frac float64) (int, error) {
	n := 0
	i := 0
	step := int(1 / frac)
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
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
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	})
	return n, err
}
