package sdk

import "github.com/wasmdrive/wasmdrive/sdk/abi"

// Scan types, re-exported from sdk/abi.
type (
	// LocalScanRequest walks a host folder against an index in KV.
	LocalScanRequest = abi.LocalScanRequest
	// LocalScanResult is what a scan found: new or changed files, missing
	// index paths, skipped files, unreadable folders and counts.
	LocalScanResult = abi.LocalScanResult
	// ScanFile is a file a scan reports.
	ScanFile = abi.ScanFile
	// ScanSkip is a file a scan left out, with the reason.
	ScanSkip = abi.ScanSkip
	// ScanRecord is one record of a scan index.
	ScanRecord = abi.ScanRecord
)

// LocalScan runs one page of a scan (local read grant on req.Path; kv when
// req.Index names an index). See LocalScanAll.
func LocalScan(req LocalScanRequest) (*LocalScanResult, error) {
	r := &LocalScanResult{}
	if err := call(abi.FnLocalScan, req, &scanAnswer{r}); err != nil {
		return nil, err
	}
	return r, nil
}

// LocalScanAll runs a scan page after page and returns the pages merged:
// a no-change rerun over any tree is one host call whose answer holds only
// counts. Skipped keeps at most maxSkipped entries (< 0: all).
func LocalScanAll(req LocalScanRequest, maxSkipped int) (*LocalScanResult, error) {
	all := &LocalScanResult{}
	for {
		page, err := LocalScan(req)
		if err != nil {
			return nil, err
		}
		all.Files = append(all.Files, page.Files...)
		all.Missing = append(all.Missing, page.Missing...)
		all.Failed = append(all.Failed, page.Failed...)
		for _, s := range page.Skipped {
			if maxSkipped < 0 || len(all.Skipped) < maxSkipped {
				all.Skipped = append(all.Skipped, s)
			}
		}
		all.Unchanged += page.Unchanged
		all.Excluded += page.Excluded
		if page.NextMarker == "" {
			return all, nil
		}
		req.Marker = page.NextMarker
	}
}

// NewScanIndex returns an empty scan index to append records to
// (AppendScanRecord); store it in KV values and pass their keys as
// LocalScanRequest.Index.
func NewScanIndex(sizeHint int) []byte {
	return append(make([]byte, 0, len(abi.ScanIndexMagic)+sizeHint), abi.ScanIndexMagic...)
}

// AppendScanRecord appends one record to an index.
func AppendScanRecord(index []byte, r ScanRecord) []byte { return abi.AppendScanRecord(index, r) }

// scanAnswer decodes a scan result with the lexer (encoding/json would
// spend a reflection walk per file of a first, full scan).
type scanAnswer struct{ r *LocalScanResult }

// UnmarshalJSON implements json.Unmarshaler.
func (a *scanAnswer) UnmarshalJSON(b []byte) error {
	l := newLexer(b)
	decodeLocalScan(l, a.r)
	if l.err != nil {
		return l.err
	}
	return nil
}

func decodeLocalScan(l *lexer, r *LocalScanResult) {
	l.object(func(k []byte) {
		switch string(k) {
		case "files":
			l.array(func() {
				var f ScanFile
				l.object(func(k []byte) {
					switch string(k) {
					case "path":
						f.Path = l.str()
					case "size":
						f.Size = l.int64()
					case "mtime_ns":
						f.MTime = l.int64()
					case "symlink":
						f.Symlink = l.bool()
					case "link":
						f.Link = l.str()
					default:
						l.skip()
					}
				})
				r.Files = append(r.Files, f)
			})
		case "missing":
			l.array(func() { r.Missing = append(r.Missing, l.str()) })
		case "failed":
			l.array(func() { r.Failed = append(r.Failed, l.str()) })
		case "skipped":
			l.array(func() {
				var s ScanSkip
				l.object(func(k []byte) {
					switch string(k) {
					case "path":
						s.Path = l.str()
					case "reason":
						s.Reason = l.str()
					default:
						l.skip()
					}
				})
				r.Skipped = append(r.Skipped, s)
			})
		case "unchanged":
			r.Unchanged = int(l.int64())
		case "excluded":
			r.Excluded = int(l.int64())
		case "next_marker":
			r.NextMarker = l.str()
		default:
			l.skip()
		}
	})
}
