package trigger

import (
	"context"
	"encoding/json"
	"github.com/wasmdrive/wasmdrive/internal/testbin"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/wasmdrive/wasmdrive/config"
	"github.com/wasmdrive/wasmdrive/natsx"
	"github.com/wasmdrive/wasmdrive/runner"
	"github.com/wasmdrive/wasmdrive/runner/queue"
)

func TestSubjectMatching(t *testing.T) {
	tests := []struct {
		pattern, subject string
		match            bool
	}{
		{"a.b", "a.b", true},
		{"a.*", "a.b", true},
		{"a.*", "a.b.c", false},
		{"a.>", "a.b.c", true},
		{"a.>", "a", false},
		{"*.b", "a.b", true},
		{"a.b", "a.c", false},
	}
	for _, tt := range tests {
		if got := subjectMatch(tt.pattern, tt.subject); got != tt.match {
			t.Errorf("subjectMatch(%q, %q) = %v", tt.pattern, tt.subject, got)
		}
	}
	got := minimalSubjects([]string{"a.b", "a.>", "c.*", "c.d", "c.*", "e"})
	if want := []string{"a.>", "c.*", "e"}; !reflect.DeepEqual(got, want) {
		t.Errorf("minimalSubjects = %v, want %v", got, want)
	}
}

func TestEncodeEvent(t *testing.T) {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		data []byte
		want Event
	}{
		{"json", []byte(`{"path":"/inbox/a.txt"}`), Event{Data: json.RawMessage(`{"path":"/inbox/a.txt"}`)}},
		{"text", []byte(`hello {`), Event{Data: json.RawMessage(`"hello {"`), DataEncoding: "text"}},
		{"binary", []byte{0xff, 0x00, 0xfe}, Event{Data: json.RawMessage(`"/wD+"`), DataEncoding: "base64"}},
		{"empty", nil, Event{Data: json.RawMessage(`null`)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hdr := nats.Header{"X-Source": {"cam"}, "Nats-Msg-Id": {"dropped"}}
			var ev Event
			if err := json.Unmarshal(EncodeEvent("s.x", hdr, tt.data, 7, at), &ev); err != nil {
				t.Fatal(err)
			}
			if ev.Subject != "s.x" || ev.Seq != 7 || !reflect.DeepEqual(ev.Headers, map[string]string{"X-Source": "cam"}) ||
				string(ev.Data) != string(tt.want.Data) || ev.DataEncoding != tt.want.DataEncoding {
				t.Fatalf("event = %+v (data %s)", ev, ev.Data)
			}
		})
	}
}

func FuzzEncodeEvent(f *testing.F) {
	f.Add([]byte(`{"a":1}`), "k", "v")
	f.Add([]byte{0xff}, "", "")
	f.Add([]byte(`[1,2`), "X", "\x00")
	f.Fuzz(func(t *testing.T, data []byte, hk, hv string) {
		hdr := nats.Header{}
		if hk != "" {
			hdr.Set(hk, hv)
		}
		b := EncodeEvent("a.b", hdr, data, 1, time.Unix(0, 0))
		var ev Event
		if err := json.Unmarshal(b, &ev); err != nil || !json.Valid(ev.Data) {
			t.Fatalf("invalid event JSON %q: %v", b, err)
		}
	})
}

type chanCaller chan runner.CallRequest

func (c chanCaller) Call(_ context.Context, req runner.CallRequest, _ runner.RunSink) (*runner.CallResult, error) {
	c <- req
	return &runner.CallResult{Plugin: req.Plugin}, nil
}

// TestSubjectTriggerFromNatsCLI publishes with natscli, a separate process,
// to an embedded server listening on loopback, and checks the plugin runs
// once with the event as its input.
func TestSubjectTriggerFromNatsCLI(t *testing.T) {
	natsBin := testbin.Look(t, "nats", testbin.NATSCLI)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c, err := natsx.Open(ctx, natsx.Options{DataDir: t.TempDir(), NATS: config.NATS{Listen: "127.0.0.1:-1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	q, err := queue.Setup(ctx, c, queue.Options{AckWait: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	st, err := NewSubjectTrigger("archive", 0, runner.Trigger{Subject: "app.inbox.*", Entry: "run"})
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewRouter(ctx, c, q, []*SubjectTrigger{st}, nil)
	if err != nil {
		t.Fatal(err)
	}
	calls := make(chanCaller, 10)
	go func() { _ = r.Run(ctx) }()
	go func() { _ = queue.NewWorker(q, calls, queue.WorkerOptions{Grace: 100 * time.Millisecond}).Run(ctx) }()

	out, err := exec.Command(natsBin, "--server", tokenURL(c), "pub", "app.inbox.photos", `{"file":"a.jpg"}`, "-H", "X-Camera:front").CombinedOutput()
	if err != nil {
		t.Fatalf("nats pub: %v\n%s", err, out)
	}
	// A malformed (non-JSON) payload still runs, as text.
	if out, err := exec.Command(natsBin, "--server", tokenURL(c), "pub", "app.inbox.photos", `not json {`).CombinedOutput(); err != nil {
		t.Fatalf("nats pub: %v\n%s", err, out)
	}
	var got []Event
	for len(got) < 2 {
		select {
		case req := <-calls:
			if req.Plugin != "archive" || req.Entry != "run" || req.Trigger != "subject:app.inbox.photos" {
				t.Fatalf("call = %+v", req)
			}
			var ev Event
			if err := json.Unmarshal(req.Input, &ev); err != nil {
				t.Fatal(err)
			}
			got = append(got, ev)
		case <-time.After(10 * time.Second):
			t.Fatal("plugin not called for the event")
		}
	}
	if got[0].Subject != "app.inbox.photos" || string(got[0].Data) != `{"file":"a.jpg"}` || got[0].Headers["X-Camera"] != "front" {
		t.Fatalf("event 1 = %+v", got[0])
	}
	if got[1].DataEncoding != "text" || string(got[1].Data) != `"not json {"` {
		t.Fatalf("event 2 = %+v", got[1])
	}
	select {
	case extra := <-calls:
		t.Fatalf("extra call %+v", extra)
	case <-time.After(200 * time.Millisecond):
	}
}

// tokenURL is c's listener URL with its token, for clients in other
// processes.
func tokenURL(c *natsx.Conn) string {
	return "nats://" + c.Token() + "@" + strings.TrimPrefix(c.URL, "nats://")
}
