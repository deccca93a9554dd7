package backupcore

import (
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
)

// KV is the little a Store needs from plugin KV. Get returns ErrNoKey for a
// missing key. Put must not keep value after it returns (copy it): a Store
// reuses its buffers from one Save to the next.
type KV interface {
	Get(key string) ([]byte, error)
	Put(key string, value []byte) error
	Delete(key string) error
}

// ErrNoKey is what KV.Get returns for a missing key.
var ErrNoKey = errors.New("kv key not found")

// DefaultChunkSize keeps each KV value well under the host's 1 MiB limit.
const DefaultChunkSize = 768 << 10

// Store keeps a Manifest in a few large KV values: "<prefix>head" names the
// current generation, whose encoding is split over "<prefix>g<gen>/<i>".
// Save writes a whole new generation before it flips the head, so a crash
// mid-save leaves the previous manifest intact; the old generation's
// chunks are deleted afterwards.
type Store struct {
	KV        KV
	Prefix    string // e.g. "backup/<source id>/"
	ChunkSize int    // default DefaultChunkSize

	// buf and index are reused by every Save (see AppendEncoded).
	buf, index []byte
}

// Head names the current generation. CRC32 (not SHA-256) guards the
// chunks: it is checked inside Wasm, where SHA-256 of 10 MB costs about a
// second of interruptible loop iterations and CRC32 an eighth of that.
//
// A generation also holds a scan index (Index chunks, "<prefix>g<gen>/i<n>",
// see EncodeIndex) that the host's wd_local_scan compares the source with,
// and the few figures a run needs when that scan finds nothing to do, so a
// no-change rerun never reads the manifest itself.
type Head struct {
	Gen    uint64 `json:"gen"`
	Chunks int    `json:"chunks"`
	Size   int    `json:"size"`
	CRC32  uint32 `json:"crc32"`
	// Index is the number of scan index chunks (0: a generation written
	// before the index existed).
	Index int `json:"index,omitempty"`
	// Entries counts the manifest's entries; OldestDeleted is the earliest
	// DeletedAt among them (0: none is marked deleted).
	Entries       int   `json:"entries,omitempty"`
	OldestDeleted int64 `json:"oldest_deleted,omitempty"`
}

func (s *Store) chunkKey(gen uint64, i int) string { return fmt.Sprintf("%sg%d/%d", s.Prefix, gen, i) }
func (s *Store) indexKey(gen uint64, i int) string { return fmt.Sprintf("%sg%d/i%d", s.Prefix, gen, i) }

// IndexKeys returns the KV keys of h's scan index, in order (none for a
// generation without one).
func (s *Store) IndexKeys(h Head) []string {
	keys := make([]string, h.Index)
	for i := range keys {
		keys[i] = s.indexKey(h.Gen, i)
	}
	return keys
}

// ReadHead returns the current generation's head; ok=false when nothing
// was saved yet.
func (s *Store) ReadHead() (h Head, ok bool, err error) {
	b, err := s.KV.Get(s.Prefix + "head")
	if errors.Is(err, ErrNoKey) {
		return h, false, nil
	}
	if err != nil {
		return h, false, fmt.Errorf("read manifest head: %w", err)
	}
	if err := json.Unmarshal(b, &h); err != nil {
		return h, false, fmt.Errorf("read manifest head: %w: %v", ErrCorrupt, err)
	}
	return h, true, nil
}

// Load returns the stored manifest, or an empty one when none was saved.
func (s *Store) Load() (*Manifest, error) {
	h, ok, err := s.ReadHead()
	if err != nil || !ok {
		return &Manifest{}, err
	}
	return s.LoadAt(h)
}

// LoadAt returns the manifest of the generation h names.
func (s *Store) LoadAt(h Head) (*Manifest, error) {
	if h.Chunks < 0 || h.Chunks > 1<<16 || h.Size < 0 {
		return nil, fmt.Errorf("read manifest: %w: head has %d chunks", ErrCorrupt, h.Chunks)
	}
	data := make([]byte, 0, min(h.Size, maxDecoded))
	for i := 0; i < h.Chunks; i++ {
		b, err := s.KV.Get(s.chunkKey(h.Gen, i))
		if err != nil {
			return nil, fmt.Errorf("read manifest chunk %d of generation %d: %w", i, h.Gen, err)
		}
		data = append(data, b...)
	}
	if len(data) != h.Size || crc32.ChecksumIEEE(data) != h.CRC32 {
		return nil, fmt.Errorf("read manifest generation %d: %w: checksum mismatch", h.Gen, ErrCorrupt)
	}
	return decodeOwned(data) // data is ours alone
}

// Save stores m as a new generation (manifest and scan index) and returns
// the bytes written. The head flips only after every chunk is written.
func (s *Store) Save(m *Manifest) (int, error) {
	data, err := AppendEncoded(s.buf[:0], m)
	if err != nil {
		return 0, err
	}
	s.buf = data
	old, hadOld, err := s.ReadHead()
	if err != nil && !errors.Is(err, ErrCorrupt) {
		return 0, err
	}
	gen := old.Gen + 1
	h := Head{Gen: gen, Size: len(data), CRC32: crc32.ChecksumIEEE(data), Entries: len(m.Entries), OldestDeleted: oldestDeleted(m)}
	if h.Chunks, err = s.putChunks(data, func(i int) string { return s.chunkKey(gen, i) }); err != nil {
		return 0, fmt.Errorf("write manifest: %w", err)
	}
	index := AppendIndex(s.index[:0], m)
	s.index = index
	if h.Index, err = s.putChunks(index, func(i int) string { return s.indexKey(gen, i) }); err != nil {
		return 0, fmt.Errorf("write scan index: %w", err)
	}
	hb, _ := json.Marshal(h)
	if err := s.KV.Put(s.Prefix+"head", hb); err != nil {
		return 0, fmt.Errorf("write manifest head: %w", err)
	}
	if hadOld {
		// Garbage only; the next Save reuses nothing.
		for i := 0; i < old.Chunks; i++ {
			_ = s.KV.Delete(s.chunkKey(old.Gen, i))
		}
		for _, k := range s.IndexKeys(old) {
			_ = s.KV.Delete(k)
		}
	}
	return len(data) + len(index), nil
}

// putChunks writes data in ChunkSize values (at least one) under key(i)
// and returns how many.
func (s *Store) putChunks(data []byte, key func(int) string) (int, error) {
	size := s.ChunkSize
	if size <= 0 {
		size = DefaultChunkSize
	}
	n := 0
	for off := 0; off < len(data) || n == 0; off += size {
		end := min(off+size, len(data))
		if err := s.KV.Put(key(n), data[off:end]); err != nil {
			return 0, fmt.Errorf("chunk %d: %w", n, err)
		}
		n++
		if end == len(data) {
			break
		}
	}
	return n, nil
}

func oldestDeleted(m *Manifest) int64 {
	var t int64
	for i := range m.Entries {
		if d := m.Entries[i].DeletedAt; d != 0 && (t == 0 || d < t) {
			t = d
		}
	}
	return t
}
