package hostfuncs

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// BenchmarkUploadMany uploads 200 files of 4 KiB, or 8 of 4 MiB, into the
// in-process local drive per iteration, at several concurrencies: what
// wd_drive_upload_many's parallelism buys on this machine. Every iteration
// writes new content, so no upload is a rapid one.
func BenchmarkUploadMany(b *testing.B) {
	for _, shape := range []struct {
		name        string
		files, size int
	}{{"200x4KiB", 200, 4 << 10}, {"8x4MiB", 8, 4 << 20}} {
		for _, conc := range []int{1, 4} {
			b.Run(fmt.Sprintf("%s/concurrency=%d", shape.name, conc), func(b *testing.B) {
				f := newFixture(b, AllowAll())
				f.env.Audit = nil
				items := make([]abi.UploadRequest, shape.files)
				content := make([]byte, shape.size)
				b.SetBytes(int64(shape.files * shape.size))
				for i := 0; i < b.N; i++ {
					b.StopTimer()
					for k := range items {
						for j := range content {
							content[j] = byte(j*7 + j>>9)
						}
						// A unique head: no pre-hash match, no rapid upload.
						binary.BigEndian.PutUint64(content, uint64(i)<<32|uint64(k))
						p := filepath.Join(f.dir, "src", fmt.Sprintf("f%03d", k))
						writeLocal(b, p, content)
						items[k] = abi.UploadRequest{LocalPath: p, ParentPath: fmt.Sprintf("/b%d", i), CheckNameMode: abi.NameOverwrite}
					}
					in, _ := json.Marshal(abi.UploadManyRequest{Items: items, Concurrency: conc})
					b.StartTimer()
					if _, err := driveUploadMany(context.Background(), f.env, in); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
