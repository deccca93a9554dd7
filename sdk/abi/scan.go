package abi

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// FnLocalScan walks a host folder and compares it with an index the plugin
// keeps in its KV: LocalScanRequest → LocalScanResult. It needs the local
// read grant on the folder, and the kv function when an index is given.
const FnLocalScan = "wd_local_scan"

// Symlink policies of wd_local_scan.
const (
	ScanSymlinksSkip   = "skip"   // links are reported in Skipped only
	ScanSymlinksFollow = "follow" // a link to a file is scanned as that file
	ScanSymlinksRecord = "record" // a link is scanned as itself, with its target
)

// MaxLocalScanFiles caps the files one wd_local_scan page reports (new or
// changed ones; unchanged files are only counted).
const MaxLocalScanFiles = 50000

// MaxScanIndexBytes caps the index one wd_local_scan reads from KV.
const MaxScanIndexBytes = 256 << 20

// LocalScanRequest is wd_local_scan's input. The host walks Path (inside
// the local read grant) in walk order ("a" < "a/b" < "a.txt"), prunes the
// folders an Exclude glob matches (glob syntax: glob.go), and compares each
// file with the record of the same path in the index, the concatenated
// values of the KV keys Index (the encoding of AppendScanRecord; none: every
// file is new). A file whose size, mtime and link target equal its record's
// is only counted; others are reported. New files (no record) must also
// pass the Include/Exclude globs and MaxSize.
//
// A page reports at most Limit files (default and max MaxLocalScanFiles);
// pass NextMarker back as Marker, with the same other fields, for the next.
type LocalScanRequest struct {
	Path     string   `json:"path"`
	Include  []string `json:"include,omitempty"`
	Exclude  []string `json:"exclude,omitempty"`
	MaxSize  int64    `json:"max_size,omitempty"` // bytes; 0: no limit
	Symlinks string   `json:"symlinks,omitempty"` // ScanSymlinks*; "" = skip
	Index    []string `json:"index,omitempty"`
	Limit    int      `json:"limit,omitempty"`
	Marker   string   `json:"marker,omitempty"`
}

// ScanFile is a file a scan reports: new, changed, or flagged by its index
// record.
type ScanFile struct {
	Path  string `json:"path"` // relative to the scanned folder, "/"-separated
	Size  int64  `json:"size"`
	MTime int64  `json:"mtime_ns"` // Unix nanoseconds
	// Symlink marks a link (followed or recorded); Link is its target when
	// recorded.
	Symlink bool   `json:"symlink,omitempty"`
	Link    string `json:"link,omitempty"`
}

// ScanSkip is a new file a scan left out, with the reason.
type ScanSkip struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

// LocalScanResult is one page of a scan. Missing lists the index paths
// (without ScanFlagReport) in this page's part of the walk that were not
// found, except below pruned or unreadable folders; Failed lists the
// folders that could not be read ("/"-separated, relative).
type LocalScanResult struct {
	Files      []ScanFile `json:"files"`
	Missing    []string   `json:"missing,omitempty"`
	Skipped    []ScanSkip `json:"skipped,omitempty"`
	Failed     []string   `json:"failed,omitempty"`
	Unchanged  int        `json:"unchanged"`
	Excluded   int        `json:"excluded"` // new files and folders the globs left out
	NextMarker string     `json:"next_marker,omitempty"`
}

// ScanFlagReport makes the scan report the file whenever it exists (for
// example a file the plugin saw deleted), and never list it as missing.
const ScanFlagReport = 1

// scanLink marks a record with a link target (internal to the encoding).
const scanLink = 2

// ScanIndexMagic starts an index.
const ScanIndexMagic = "WDSI1"

// ScanRecord is one index record.
type ScanRecord struct {
	Path  string
	Size  int64
	MTime int64 // Unix ns
	Link  string
	Flags uint64 // ScanFlagReport
}

// AppendScanRecord appends the encoding of r to an index (start it with
// ScanIndexMagic): uvarint path length, path, uvarint flags, zig-zag varint
// size and mtime, then uvarint length and target when the record has a
// link. Records may come in any order; a later record of a path replaces an
// earlier one.
func AppendScanRecord(b []byte, r ScanRecord) []byte {
	flags := r.Flags &^ scanLink
	if r.Link != "" {
		flags |= scanLink
	}
	b = binary.AppendUvarint(b, uint64(len(r.Path)))
	b = append(b, r.Path...)
	b = binary.AppendUvarint(b, flags)
	b = binary.AppendVarint(b, r.Size)
	b = binary.AppendVarint(b, r.MTime)
	if r.Link != "" {
		b = binary.AppendUvarint(b, uint64(len(r.Link)))
		b = append(b, r.Link...)
	}
	return b
}

// ErrBadScanIndex reports an index that does not decode.
var ErrBadScanIndex = errors.New("bad scan index")

// DecodeScanIndex parses an index and calls each for every record. Paths
// and links are substrings of one string copy of data. It never panics and
// allocates in proportion to len(data).
func DecodeScanIndex(data []byte, each func(ScanRecord)) error {
	if !strings.HasPrefix(string(data), ScanIndexMagic) {
		return fmt.Errorf("%w: it does not start with %q", ErrBadScanIndex, ScanIndexMagic)
	}
	d := NewReader(string(data), len(ScanIndexMagic), ErrBadScanIndex)
	for d.Len() > 0 {
		var r ScanRecord
		r.Path = d.Str()
		r.Flags = d.Uvarint()
		r.Size = d.Varint()
		r.MTime = d.Varint()
		if r.Flags&scanLink != 0 {
			r.Link = d.Str()
		}
		r.Flags &^= scanLink
		if d.Err() == nil {
			each(r)
		}
	}
	return d.Err()
}
