package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/wasmdrive/wasmdrive/plugins/internal/backupcore"
	"github.com/wasmdrive/wasmdrive/plugins/internal/crypt"
	"github.com/wasmdrive/wasmdrive/plugins/internal/glob"
	"github.com/wasmdrive/wasmdrive/plugins/internal/match"
	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// Config is the plugin's config (plugin.yaml's schema); a run's input may
// override any key but subject (pluginconf.OutputKeys).
type Config struct {
	Source         string     `json:"source"` // absolute local folder
	Target         string     `json:"target"` // absolute drive folder
	Include        []string   `json:"include"`
	Exclude        []string   `json:"exclude"`
	Symlinks       string     `json:"symlinks"`
	MaxFileSize    match.Size `json:"max_file_size"`
	Deletion       string     `json:"deletion"`
	TrashAfterDays float64    `json:"trash_after_days"`
	KeepVersions   bool       `json:"keep_versions"`
	VersionsDir    string     `json:"versions_dir"`
	// EncryptionKey turns on client-side encryption: "base64:<32 bytes>",
	// "hex:<32 bytes>" or a passphrase. Give it through the environment
	// (WASMDRIVE_PLUGINS__ENABLED__BACKUP__CONFIG__ENCRYPTION_KEY), never in
	// a file that is checked in.
	EncryptionKey string `json:"encryption_key"`
	EncryptNames  *bool  `json:"encrypt_names"`
	// TempDir is a granted local folder (read and write) for encrypted
	// copies and deep verification downloads.
	TempDir string `json:"temp_dir"`
	// Subject receives the run summary ("" = none).
	Subject string `json:"subject"`
	// CheckpointFiles saves the manifest after this many changes.
	CheckpointFiles int `json:"checkpoint_files"`
	Retries         int `json:"retries"`
	// Parallel is how many files the host uploads at once (1: one by one).
	Parallel int `json:"parallel"`
	// PartSize is the multipart part size of uploads (0: the drive's
	// default). A file killed mid-upload resumes after its last whole part.
	PartSize match.Size `json:"part_size"`
}

// defaults fills unset keys.
func (c *Config) defaults() {
	if c.Symlinks == "" {
		c.Symlinks = string(backupcore.SymlinkSkip)
	}
	if c.Deletion == "" {
		c.Deletion = string(backupcore.DeleteKeep)
	}
	if c.VersionsDir == "" {
		c.VersionsDir = ".versions"
	}
	if c.CheckpointFiles <= 0 {
		c.CheckpointFiles = 500
	}
	if c.Retries <= 0 {
		c.Retries = 4
	}
	if c.Parallel <= 0 {
		c.Parallel = defaultParallel
	}
	if c.EncryptNames == nil {
		t := true
		c.EncryptNames = &t
	}
}

// defaultParallel and maxParallel bound Config.Parallel.
const (
	defaultParallel = 4
	maxParallel     = abi.MaxUploadConcurrency
)

// settings is a validated Config.
type settings struct {
	Config
	opts backupcore.Options
	keys *crypt.Keys // nil: no encryption
}

func (c Config) compile() (*settings, error) {
	c.defaults()
	c.Source = strings.TrimSuffix(c.Source, "/")
	c.Target = path.Clean("/" + strings.TrimSpace(c.Target))
	if !strings.HasPrefix(c.Source, "/") {
		return nil, fmt.Errorf("config source: %q must be an absolute local folder", c.Source)
	}
	if c.Target == "/" {
		return nil, fmt.Errorf("config target: give a drive folder, not the drive root")
	}
	if c.Parallel > maxParallel {
		return nil, fmt.Errorf("config parallel: %d is over the host's limit of %d uploads at once", c.Parallel, maxParallel)
	}
	if c.PartSize < 0 {
		return nil, fmt.Errorf("config part_size: %d must not be negative", c.PartSize)
	}
	if strings.Contains(c.VersionsDir, "/") {
		return nil, fmt.Errorf("config versions_dir: %q must be a single folder name", c.VersionsDir)
	}
	f, err := glob.NewFilter(c.Include, c.Exclude)
	if err != nil {
		return nil, fmt.Errorf("config include/exclude: %w", err)
	}
	s := &settings{Config: c}
	s.opts = backupcore.Options{Filter: f, Symlinks: backupcore.SymlinkPolicy(c.Symlinks),
		MaxFileSize: int64(c.MaxFileSize), Deletion: backupcore.DeletionPolicy(c.Deletion),
		TrashAfter: time.Duration(c.TrashAfterDays * float64(24*time.Hour))}
	if c.KeepVersions {
		s.opts.VersionsDir = c.VersionsDir
	}
	if err := s.opts.Validate(); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if c.EncryptionKey != "" {
		if s.keys, err = crypt.ParseKey(c.EncryptionKey); err != nil {
			return nil, fmt.Errorf("config encryption_key: %w", err)
		}
		if c.TempDir == "" {
			return nil, fmt.Errorf("config temp_dir: encryption needs a granted local temp folder")
		}
	}
	return s, nil
}

// kvPrefix scopes the manifest by source and target, so one plugin
// config can back up several folders.
func (s *settings) kvPrefix() string {
	h := sha256.Sum256([]byte(s.Source + "\x00" + s.Target))
	return "backup/" + hex.EncodeToString(h[:8]) + "/"
}

// remoteRel maps a relative local path to its relative drive path
// (encrypted segment by segment when names are encrypted).
func (s *settings) remoteRel(rel string) string {
	if s.keys != nil && *s.EncryptNames {
		return s.keys.EncryptPath(rel)
	}
	return rel
}

// localRel maps a drive name path back (restore of a drive folder).
func (s *settings) localRel(remote string) (string, error) {
	if s.keys != nil && *s.EncryptNames {
		return s.keys.DecryptPath(remote)
	}
	return remote, nil
}
