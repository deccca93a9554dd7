package queue

import (
	"encoding/json"
	"fmt"
	"time"
)

// Request is a run request: the message on the run stream.
type Request struct {
	ID      string          `json:"id"`
	Plugin  string          `json:"plugin"`
	Entry   string          `json:"entry,omitempty"`
	Input   json.RawMessage `json:"input,omitempty"`
	Key     string          `json:"key,omitempty"`
	Trigger string          `json:"trigger"`
	Account string          `json:"account,omitempty"`
	Queued  time.Time       `json:"queued"`
	// Serial names a lease group of size one the run must hold (the
	// "queue" overlap policy of a schedule); "" for none.
	Serial string `json:"serial,omitempty"`
	// RetryOf is the run this one replays (wasmdrive runs retry).
	RetryOf string `json:"retry_of,omitempty"`
	// SkipIfRunning drops the run when another run of the plugin is
	// executing when it is delivered (the "skip" overlap policy).
	SkipIfRunning bool `json:"skip_if_running,omitempty"`
	// Slot is the schedule slot (UTC) of a schedule run; the slot ledger
	// reads it back from the last request on the schedule's subject.
	Slot time.Time `json:"slot,omitempty"`
	// Hop is how many runs came before this one in its chain of subject
	// triggers (the event's namespace.HopHeader; 0: not started by a run's
	// event). The run's own events carry Hop+1.
	Hop int `json:"hop,omitempty"`
}

// DecodeRequest parses and checks a run request.
func DecodeRequest(b []byte) (*Request, error) {
	var r Request
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("queue: bad run request: %w", err)
	}
	if r.ID == "" || r.Plugin == "" {
		return nil, fmt.Errorf("queue: bad run request: id and plugin are required")
	}
	if !validRunID(r.ID) {
		return nil, fmt.Errorf("queue: bad run request: id %q is not [A-Za-z0-9_-]{1,64}", r.ID)
	}
	return &r, nil
}

// DeadLetter is a message on the dead-letter stream.
type DeadLetter struct {
	Request  Request   `json:"request"`
	Error    string    `json:"error"`
	Attempts int       `json:"attempts"`
	Node     string    `json:"node"`
	Time     time.Time `json:"time"`
}
