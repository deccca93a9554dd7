package backupcore

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
)

// KV is the little a Store needs from plugin KV. Get returns ErrNoKey for a
// missing key.
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
}

// head names the current generation. CRC32 (not SHA-256) guards the
// chunks: it is checked inside Wasm, where SHA-256 of 10 MB costs about a
// second of interruptible loop iterations and CRC32 an eighth of that.
type head struct {
	Gen    uint64 `json:"gen"`
	Chunks int    `json:"chunks"`
	Size   int    `json:"size"`
	CRC32  uint32 `json:"crc32"`
}

func (s *Store) chunkKey(gen uint64, i int) string { return fmt.Sprintf("%sg%d/%d", s.Prefix, gen, i) }

func (s *Store) head() (head, bool, error) {
	var h head
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
	h, ok, err := s.head()
	if err != nil || !ok {
		return &Manifest{}, err
	}
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
	return Decode(data)
}

// Save stores m as a new generation and returns the bytes written.
func (s *Store) Save(m *Manifest) (int, error) {
	data, err := Encode(m)
	if err != nil {
		return 0, err
	}
	old, hadOld, err := s.head()
	if err != nil && !errors.Is(err, ErrCorrupt) {
		return 0, err
	}
	size := s.ChunkSize
	if size <= 0 {
		size = DefaultChunkSize
	}
	gen := old.Gen + 1
	n := 0
	for off := 0; off < len(data) || n == 0; off += size {
		end := min(off+size, len(data))
		if err := s.KV.Put(s.chunkKey(gen, n), bytes.Clone(data[off:end])); err != nil {
			return 0, fmt.Errorf("write manifest chunk %d: %w", n, err)
		}
		n++
		if end == len(data) {
			break
		}
	}
	hb, _ := json.Marshal(head{Gen: gen, Chunks: n, Size: len(data), CRC32: crc32.ChecksumIEEE(data)})
	if err := s.KV.Put(s.Prefix+"head", hb); err != nil {
		return 0, fmt.Errorf("write manifest head: %w", err)
	}
	if hadOld {
		for i := 0; i < old.Chunks; i++ {
			_ = s.KV.Delete(s.chunkKey(old.Gen, i)) // garbage only; the next Save reuses nothing
		}
	}
	return len(data), nil
}
