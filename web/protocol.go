package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/wasmdrive/wasmdrive/runner/contract"
)

// The websocket protocol (documented in API.md).
//
// Client → server: one JSON object per message, at most maxClientMsg bytes:
//
//	{"op":"sub","topic":"runs","filter":{"plugin":"backup","status":"failed"}}
//	{"op":"sub","topic":"log","run":"r1","after":42}
//	{"op":"unsub","topic":"log","run":"r1"}
//	{"op":"unsub","topic":"runs"}
//
// Server → client: each message holds one or more JSON frames separated by
// "\n" (JSON encoding never puts a raw newline inside a frame):
//
//	{"t":"hello","time":"..."}                   on connect (server clock)
//	{"t":"runs","runs":[...]}                    snapshot for a runs subscription
//	{"t":"run","run":{...}}                      one run record changed
//	{"t":"log","run":"r1","lines":[...]}         log lines, in seq order, no duplicates
//	{"t":"live","run":"r1","seq":42}             the log is caught up; what follows is live
//	{"t":"hb"}                                   heartbeat every heartbeatPeriod
//	{"t":"error","msg":"..."}                    a request could not be served

const (
	maxClientMsg    = 4096
	maxRunIDLen     = 128
	maxLogSubs      = 8
	heartbeatPeriod = 20 * time.Second
)

// Topics a client may subscribe to.
const (
	topicRuns = "runs"
	topicLog  = "log"
)

// clientMsg is a request from the page.
type clientMsg struct {
	Op     string              `json:"op"`
	Topic  string              `json:"topic"`
	Run    string              `json:"run,omitempty"`
	After  uint64              `json:"after,omitempty"`
	Filter *contract.RunFilter `json:"filter,omitempty"`
}

var errBadMsg = errors.New("bad message")

// decodeClientMsg parses and validates one client message.
func decodeClientMsg(b []byte) (clientMsg, error) {
	var m clientMsg
	if len(b) > maxClientMsg {
		return m, fmt.Errorf("%w: %d bytes (max %d)", errBadMsg, len(b), maxClientMsg)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("%w: %v", errBadMsg, err)
	}
	if m.Op != "sub" && m.Op != "unsub" {
		return m, fmt.Errorf("%w: op %q (want sub or unsub)", errBadMsg, m.Op)
	}
	switch m.Topic {
	case topicRuns:
		if m.Filter == nil {
			m.Filter = &contract.RunFilter{}
		}
		if err := checkFilter(*m.Filter); err != nil {
			return m, err
		}
	case topicLog:
		if err := checkRunID(m.Run); err != nil {
			return m, err
		}
	default:
		return m, fmt.Errorf("%w: topic %q (want runs or log)", errBadMsg, m.Topic)
	}
	return m, nil
}

func checkRunID(id string) error {
	if id == "" || len(id) > maxRunIDLen {
		return fmt.Errorf("%w: run id must be 1..%d characters", errBadMsg, maxRunIDLen)
	}
	for _, r := range id {
		if r <= ' ' || r == '/' || r == 0x7f {
			return fmt.Errorf("%w: run id %q has a forbidden character", errBadMsg, id)
		}
	}
	return nil
}

func checkFilter(f contract.RunFilter) error {
	if len(f.Plugin) > 128 || len(f.Trigger) > 256 || len(f.Status) > 32 {
		return fmt.Errorf("%w: filter field too long", errBadMsg)
	}
	if f.Limit < 0 || f.Limit > 1000 {
		return fmt.Errorf("%w: filter limit %d (0..1000)", errBadMsg, f.Limit)
	}
	return nil
}

// Server → client frames.
type (
	helloFrame struct {
		T    string    `json:"t"`
		Time time.Time `json:"time"`
	}
	runsFrame struct {
		T    string                `json:"t"`
		Runs []*contract.RunRecord `json:"runs"`
	}
	runFrame struct {
		T   string              `json:"t"`
		Run *contract.RunRecord `json:"run"`
	}
	liveFrame struct {
		T   string `json:"t"`
		Run string `json:"run"`
		Seq uint64 `json:"seq"`
	}
	errorFrame struct {
		T   string `json:"t"`
		Msg string `json:"msg"`
	}
)

var hbFrame = []byte(`{"t":"hb"}`)

// mustJSON encodes a frame built from our own types; failure is a bug.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("web: encode frame: %v", err))
	}
	return b
}

// encodeLine encodes one log line. Fields holding values JSON cannot carry
// (NaN, channels) are replaced by a note rather than dropping the line.
func encodeLine(l contract.LogLine) []byte {
	b, err := json.Marshal(l)
	if err != nil {
		l.Fields = map[string]any{"_error": "fields not encodable: " + err.Error()}
		b = mustJSON(l)
	}
	return b
}

// logFrame joins pre-encoded lines into one log frame.
func logFrame(run string, lines [][]byte) []byte {
	n := 40 + len(run)
	for _, l := range lines {
		n += len(l) + 1
	}
	b := make([]byte, 0, n)
	b = append(b, `{"t":"log","run":`...)
	b = append(b, mustJSON(run)...)
	b = append(b, `,"lines":[`...)
	for i, l := range lines {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, l...)
	}
	return append(b, "]}"...)
}
