package abi

import (
	"encoding/binary"
	"errors"
	"time"
)

// Binary results. Decoding JSON is the dominant cost of a host call inside
// a Go-compiled plugin (a 400-byte File takes tens of microseconds there),
// so wd_call offers a compact binary form for the hot read results: a
// plugin that sets CallBinary in wd_call's fn argument gets, for a
// successful call whose result is a File or a ListResult (wd_drive_get,
// wd_drive_get_by_path, wd_drive_list, wd_drive_search, ...), an answer
// that starts with BinaryOK followed by the record below. Every other
// answer (other results, and all errors) is the usual JSON envelope, whose
// first byte is '{'. The layout (see ABI.md, "Binary results"):
//
//	string  = uvarint length, UTF-8 bytes
//	File    = 12 strings: drive_id file_id parent_file_id name type
//	          content_hash content_hash_name category file_extension status
//	          url path; varint size; varint created_at and updated_at in
//	          Unix nanoseconds (0 = unset); uvarint flags (1 trashed, 2 starred)
//	List    = uvarint count, count Files, string next_marker, varint total_count
//
// Varints are those of encoding/binary (zig-zag for signed values).

// CallBinary is the wd_call fn flag that asks for binary results.
const CallBinary = 1 << 16

// BinaryOK is the first byte of a binary answer.
const BinaryOK = 0xB1

// maxBinaryItems bounds a decoded listing, against hostile lengths.
const maxBinaryItems = 1 << 20

// ErrBinary means a binary answer is truncated or malformed.
var ErrBinary = errors.New("abi: malformed binary answer")

const (
	flagTrashed = 1 << iota
	flagStarred
)

// AppendFile appends f's binary record to b.
func AppendFile(b []byte, f *File) []byte {
	for _, s := range [...]string{f.DriveID, f.FileID, f.ParentFileID, f.Name, f.Type,
		f.ContentHash, f.ContentHashName, f.Category, f.FileExtension, f.Status, f.URL, f.Path} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	b = binary.AppendVarint(b, f.Size)
	b = binary.AppendVarint(b, unixNano(f.CreatedAt))
	b = binary.AppendVarint(b, unixNano(f.UpdatedAt))
	var flags uint64
	if f.Trashed {
		flags |= flagTrashed
	}
	if f.Starred {
		flags |= flagStarred
	}
	return binary.AppendUvarint(b, flags)
}

// AppendListHeader starts a List record of n Files; append the Files with
// AppendFile, then finish with AppendListTrailer.
func AppendListHeader(b []byte, n int) []byte { return binary.AppendUvarint(b, uint64(n)) }

// AppendListTrailer ends a List record.
func AppendListTrailer(b []byte, nextMarker string, total int64) []byte {
	b = binary.AppendUvarint(b, uint64(len(nextMarker)))
	b = append(b, nextMarker...)
	return binary.AppendVarint(b, total)
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// binTime reads a time in Unix nanoseconds (0 = unset).
func binTime(r *Reader) time.Time {
	ns := r.Varint()
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns).UTC()
}

// binFile reads one File record.
func binFile(r *Reader, f *File) {
	for _, p := range [...]*string{&f.DriveID, &f.FileID, &f.ParentFileID, &f.Name, &f.Type,
		&f.ContentHash, &f.ContentHashName, &f.Category, &f.FileExtension, &f.Status, &f.URL, &f.Path} {
		*p = r.Str()
	}
	f.Size = r.Varint()
	f.CreatedAt = binTime(r)
	f.UpdatedAt = binTime(r)
	flags := r.Uvarint()
	f.Trashed, f.Starred = flags&flagTrashed != 0, flags&flagStarred != 0
}

// DecodeFile decodes a binary answer (starting with BinaryOK) into f.
func DecodeFile(b []byte, f *File) error {
	if len(b) == 0 || b[0] != BinaryOK {
		return ErrBinary
	}
	// Strings are cut from one copy of the answer: a page of files costs
	// one string allocation, not one per field.
	r := NewReader(string(b[1:]), 0, ErrBinary)
	binFile(r, f)
	return r.Done()
}

// DecodeList decodes a binary answer (starting with BinaryOK) into l.
func DecodeList(b []byte, l *ListResult) error {
	if len(b) == 0 || b[0] != BinaryOK {
		return ErrBinary
	}
	r := NewReader(string(b[1:]), 0, ErrBinary)
	n := r.Uvarint()
	// Each File takes at least 16 bytes: a count beyond that is a lie.
	if r.Err() == nil && (n > maxBinaryItems || n > uint64(r.Len())/16) {
		return ErrBinary
	}
	items := make([]File, n) // one allocation for the page
	l.Items = make([]*File, n)
	for i := range items {
		binFile(r, &items[i])
		l.Items[i] = &items[i]
	}
	l.NextMarker = r.Str()
	l.TotalCount = r.Varint()
	return r.Done()
}
