package hostfuncs

import (
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// Grant is a capability set: what a plugin's manifest asks for
// (plugin.yaml `capabilities:`) or what the operator grants (config
// `grants:`). The effective grant of a run is Intersect(asked, granted).
// The zero Grant allows only the core functions (log, progress, config,
// now, sleep, run_info), which every plugin has.
//
// Drive paths are absolute drive paths ("/backups"); a prefix grants the
// folder itself and everything below it ("/a" grants "/a" and "/a/b", not
// "/ab"); "/" grants the whole drive. Local paths are absolute host paths
// with the same rule, compared after resolving symlinks.
type Grant struct {
	// Functions are host function names ("wd_drive_get"), groups
	// ("drive.read", "drive.write", "drive.delete", "drive.share",
	// "drive.request", "local", "kv", "emit", "drive" = all drive groups but
	// drive.request), or "*" for all but the raw request (explicitOnly),
	// which must be named ("drive.request" or "wd_drive_request").
	Functions []string `json:"functions,omitempty" yaml:"functions,omitempty" koanf:"functions"`
	// Drive path prefixes per operation.
	Drive DriveGrant `json:"drive,omitzero" yaml:"drive,omitempty" koanf:"drive"`
	// Local host path prefixes for upload sources, download targets and the
	// local listing functions.
	Local LocalGrant `json:"local,omitzero" yaml:"local,omitempty" koanf:"local"`
	// Emit lists NATS subject patterns (with * and > wildcards) wd_emit may
	// publish on.
	Emit []string `json:"emit,omitempty" yaml:"emit,omitempty" koanf:"emit"`
}

// DriveGrant holds drive path prefixes per operation.
type DriveGrant struct {
	Read   []string `json:"read,omitempty" yaml:"read,omitempty" koanf:"read"`
	Write  []string `json:"write,omitempty" yaml:"write,omitempty" koanf:"write"`
	Delete []string `json:"delete,omitempty" yaml:"delete,omitempty" koanf:"delete"`
	Share  []string `json:"share,omitempty" yaml:"share,omitempty" koanf:"share"`
}

// LocalGrant holds host path prefixes per operation.
type LocalGrant struct {
	Read  []string `json:"read,omitempty" yaml:"read,omitempty" koanf:"read"`
	Write []string `json:"write,omitempty" yaml:"write,omitempty" koanf:"write"`
}

// DriveOp is a drive operation class checked against DriveGrant.
type DriveOp string

// Drive operation classes.
const (
	DriveRead   DriveOp = "read"
	DriveWrite  DriveOp = "write"
	DriveDelete DriveOp = "delete"
	DriveShare  DriveOp = "share"
)

// LocalOp is a local operation class checked against LocalGrant.
type LocalOp string

// Local operation classes.
const (
	LocalRead  LocalOp = "read"
	LocalWrite LocalOp = "write"
)

// AllowAll returns a grant of everything: every function, the whole drive,
// every local path and subject. For tests and trusted operator setups.
func AllowAll() Grant {
	all := []string{"/"}
	return Grant{
		Functions: []string{"*", "drive.request"},
		Drive:     DriveGrant{Read: all, Write: all, Delete: all, Share: all},
		Local:     LocalGrant{Read: all, Write: all},
		Emit:      []string{">"},
	}
}

// ErrPermission matches every *PermissionError with errors.Is.
var ErrPermission = errors.New("permission denied")

// PermissionError is a call outside the plugin's grant. Capability names
// what is missing, e.g. "function:wd_drive_trash", "drive.delete:/photos/a",
// "local.read:/etc/passwd", "emit:orders.new"; it holds only what the
// plugin itself named (a path it passed, or a file id, never the path an id
// resolved to). Path is that resolved path, for the audit log only.
type PermissionError struct {
	Capability string
	Path       string
}

func (e *PermissionError) Error() string {
	return fmt.Sprintf("capability %s is not granted: add it to the plugin's plugin.yaml capabilities and the operator's grants for the plugin", e.Capability)
}

// Is makes errors.Is(err, ErrPermission) true.
func (e *PermissionError) Is(target error) bool { return target == ErrPermission }

func denied(format string, args ...any) error {
	return &PermissionError{Capability: fmt.Sprintf(format, args...)}
}

// Function groups and the core functions every plugin may call.
var (
	groups = map[string][]string{
		"drive.read": {abi.FnDriveInfo, abi.FnDriveSpace, abi.FnDriveGet, abi.FnDriveGetByPath,
			abi.FnDriveList, abi.FnDriveSearch, abi.FnDriveDownloadURL, abi.FnDriveDownload},
		"drive.write":   {abi.FnDriveMkdir, abi.FnDriveRename, abi.FnDriveMove, abi.FnDriveCopy, abi.FnDriveRestore, abi.FnDriveUpload, abi.FnDriveBatch, abi.FnDriveUploadMany},
		"drive.delete":  {abi.FnDriveTrash, abi.FnDriveDelete, abi.FnDriveBatch},
		"drive.share":   {abi.FnShareCreate, abi.FnShareList, abi.FnShareCancel},
		"drive.request": {abi.FnDriveRequest},
		"local":         {abi.FnLocalList, abi.FnLocalStat, abi.FnLocalSHA1, abi.FnLocalScan},
		"kv":            {abi.FnKVGet, abi.FnKVPut, abi.FnKVDelete, abi.FnKVList},
		"emit":          {abi.FnEmit},
	}
	core = []string{abi.FnLog, abi.FnProgress, abi.FnConfig, abi.FnNow, abi.FnSleep, abi.FnRunInfo}
	// explicitOnly are the functions "*" does not cover: the raw request
	// reaches API endpoints the host checks only through an allow-list
	// (request.go), so an operator grants it by name.
	explicitOnly = []string{abi.FnDriveRequest}
)

// ExplicitOnly reports whether host function fn is granted only when named
// (itself or its group), never by "*".
func ExplicitOnly(fn string) bool { return slices.Contains(explicitOnly, fn) }

// driveGroups make up the "drive" group.
var driveGroups = []string{"drive.read", "drive.write", "drive.delete", "drive.share"}

// entryAllows reports whether one Functions entry covers host function fn.
func entryAllows(entry, fn string) bool {
	switch entry {
	case fn:
		return true
	case "*":
		return !ExplicitOnly(fn)
	case "drive":
		for _, g := range driveGroups {
			if slices.Contains(groups[g], fn) {
				return true
			}
		}
		return false
	}
	return slices.Contains(groups[entry], fn)
}

// members returns the function names an entry stands for.
func members(entry string) []string {
	switch entry {
	case "*":
		var out []string
		for _, fn := range abi.Functions {
			if !ExplicitOnly(fn) {
				out = append(out, fn)
			}
		}
		return out
	case "drive":
		var out []string
		for _, g := range driveGroups {
			out = append(out, groups[g]...)
		}
		return out
	}
	if m, ok := groups[entry]; ok {
		return m
	}
	return []string{entry}
}

// AllowsFunction reports whether g lets a plugin call host function fn.
func (g *Grant) AllowsFunction(fn string) bool {
	if slices.Contains(core, fn) {
		return true
	}
	for _, e := range g.Functions {
		if entryAllows(e, fn) {
			return true
		}
	}
	return false
}

// CheckFunction returns a *PermissionError unless g allows host function fn.
func (g *Grant) CheckFunction(fn string) error {
	if g.AllowsFunction(fn) {
		return nil
	}
	return denied("function:%s", fn)
}

func (g *Grant) drivePrefixes(op DriveOp) []string {
	switch op {
	case DriveRead:
		return g.Drive.Read
	case DriveWrite:
		return g.Drive.Write
	case DriveDelete:
		return g.Drive.Delete
	case DriveShare:
		return g.Drive.Share
	}
	return nil
}

// CheckDrive returns a *PermissionError unless drive path p (absolute) is
// inside a prefix granted for op. p must already be clean (CleanDrivePath).
func (g *Grant) CheckDrive(op DriveOp, p string) error {
	for _, pre := range g.drivePrefixes(op) {
		if pathWithin(p, path.Clean(pre)) {
			return nil
		}
	}
	return denied("drive.%s:%s", op, p)
}

// DriveAll reports whether op is granted on the whole drive ("/"), in which
// case the host skips resolving file ids to paths.
func (g *Grant) DriveAll(op DriveOp) bool {
	for _, pre := range g.drivePrefixes(op) {
		if path.Clean(pre) == "/" {
			return true
		}
	}
	return false
}

// DriveAny reports whether op is granted anywhere on the drive.
func (g *Grant) DriveAny(op DriveOp) bool { return len(g.drivePrefixes(op)) > 0 }

// CleanDrivePath checks that p is an absolute drive path without "." or
// ".." elements and returns it cleaned ("/a//b/" → "/a/b").
func CleanDrivePath(p string) (string, error) {
	if !strings.HasPrefix(p, "/") {
		return "", fmt.Errorf("drive path %q must be absolute (start with /)", p)
	}
	for _, el := range strings.Split(p, "/") {
		if el == ".." || el == "." {
			return "", fmt.Errorf("drive path %q must not contain %q elements", p, el)
		}
	}
	return path.Clean(p), nil
}

// pathWithin reports whether p is prefix or below it ("/"-separated, clean).
func pathWithin(p, prefix string) bool {
	if prefix == "/" {
		return strings.HasPrefix(p, "/")
	}
	return p == prefix || strings.HasPrefix(p, prefix) && p[len(prefix)] == '/'
}

// CheckSubject returns a *PermissionError unless subject matches one of the
// granted emit patterns. The subject itself must be literal (no wildcards).
func (g *Grant) CheckSubject(subject string) error {
	if err := validSubject(subject, false); err != nil {
		return err
	}
	for _, pat := range g.Emit {
		if subjectMatch(pat, subject) {
			return nil
		}
	}
	return denied("emit:%s", subject)
}
