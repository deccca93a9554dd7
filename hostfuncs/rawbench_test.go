package hostfuncs

import (
	"context"
	"encoding/json"
	"testing"
)

// The floor under BenchmarkDriveGetPlugin: the plugin calls wd_call
// directly with a prebuilt request and a binary answer (no sdk), and
// optionally decodes the answer (abi.DecodeFile), or only decodes one
// answer n times (the guest's share, without the host).
//
//	go test ./hostfuncs -run X -bench 'RawGet|DecodeOnly|DriveGet' -benchtime 20000x
func BenchmarkRawGet(b *testing.B)       { rawGet(b, "") }
func BenchmarkRawGetDecode(b *testing.B) { rawGet(b, "decode") }
func BenchmarkDecodeOnly(b *testing.B)   { rawGet(b, "decodeonly") }

func rawGet(b *testing.B, mode string) {
	f, file := benchFixture(b)
	p := newPlugin(b, buildPlugin(b, "all"), pluginOpts{})
	ctx := WithEnv(context.Background(), f.env)
	in, _ := json.Marshal(map[string]any{"file_id": file.FileID, "n": b.N, "target": mode})
	b.ResetTimer()
	c := startCPU()
	defer c.report(b)
	_, out, err := p.CallWithContext(ctx, "raw_get_loop", in)
	if err != nil {
		b.Fatal(err)
	}
	if len(out) == 0 {
		b.Fatal("no output")
	}
}
