package trigger

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/wasmdrive/wasmdrive/config"
	"github.com/wasmdrive/wasmdrive/natsx"
	"github.com/wasmdrive/wasmdrive/natsx/namespace"
	"github.com/wasmdrive/wasmdrive/runner"
	"github.com/wasmdrive/wasmdrive/runner/queue"
)

// Event stream and consumer names (owned by natsx/namespace).
const (
	EventsStream   = namespace.EventsStream
	EventsConsumer = namespace.EventsConsumer
	// MaxEventBytes caps an event's payload; bigger events are dropped with an error log.
	MaxEventBytes = 1 << 20
)

// SubjectTrigger is one subject trigger of a plugin, validated.
type SubjectTrigger struct {
	ID      string // "<plugin>/<index>"
	Plugin  string
	Entry   string
	Subject string
	Input   json.RawMessage // fixed input; nil: the event
}

// NewSubjectTrigger validates trigger index of plugin (a subject trigger).
func NewSubjectTrigger(plugin string, index int, t runner.Trigger) (*SubjectTrigger, error) {
	field := fmt.Sprintf("triggers[%d].subject", index)
	if err := runner.ValidSubject(t.Subject); err != nil {
		return nil, &FieldError{plugin, field, err}
	}
	if t.Subject == ">" {
		return nil, &FieldError{plugin, field, fmt.Errorf("\">\" would capture every message; name a subject like inbox.files or app.>")}
	}
	if err := namespace.CheckCapture(t.Subject); err != nil {
		return nil, &FieldError{plugin, field, fmt.Errorf("%w; pick another subject (drive events are %s.>)", err, namespace.Drive)}
	}
	return &SubjectTrigger{ID: fmt.Sprintf("%s/%d", plugin, index), Plugin: plugin, Entry: t.Entry, Subject: t.Subject, Input: json.RawMessage(t.Input)}, nil
}

// Event is what a subject-triggered run gets as input.
type Event struct {
	Subject string            `json:"subject"`
	Headers map[string]string `json:"headers,omitempty"`
	// Data is the payload: JSON as is; other UTF-8 text as a JSON string
	// (DataEncoding "text"); anything else base64 (DataEncoding "base64").
	Data         json.RawMessage `json:"data"`
	DataEncoding string          `json:"data_encoding,omitempty"`
	Seq          uint64          `json:"seq"`
	Time         time.Time       `json:"time"`
}

// EncodeEvent builds a plugin's input from a NATS message. It never fails:
// malformed payloads travel as text or base64.
func EncodeEvent(subject string, hdr nats.Header, data []byte, seq uint64, t time.Time) json.RawMessage {
	ev := Event{Subject: subject, Seq: seq, Time: t.UTC()}
	if len(hdr) > 0 {
		ev.Headers = make(map[string]string, len(hdr))
		for k, v := range hdr {
			if len(v) > 0 && !strings.HasPrefix(k, "Nats-") {
				ev.Headers[k] = v[0]
			}
		}
	}
	switch {
	case len(data) == 0:
		ev.Data = json.RawMessage("null")
	case json.Valid(data):
		ev.Data = data
	case utf8.Valid(data):
		ev.Data, _ = json.Marshal(string(data))
		ev.DataEncoding = "text"
	default:
		ev.Data, _ = json.Marshal(base64.StdEncoding.EncodeToString(data))
		ev.DataEncoding = "base64"
	}
	b, _ := json.Marshal(ev)
	return b
}

// Router turns messages on trigger subjects into run requests. Events go
// through the Limits-retention stream WASMDRIVE_EVENTS (so nothing is lost
// while no node runs) and one durable consumer every node pulls from, so
// each event is turned into runs by one node; the run requests' idempotency
// key is the event's stream sequence, so a redelivered event (its node died
// before the ack) makes no second run. Nodes sharing a NATS must load the
// same plugins: an event no trigger of the consuming node matches is acked
// without a run.
type Router struct {
	// Enabled, if set, says whether a plugin's triggers fire now; events
	// for a plugin it reports off are acked without a run. Set it before
	// Run.
	Enabled func(plugin string) bool
	// MaxDepth is how many runs one chain of triggers may hold
	// (plugins.max_trigger_depth; 0: config.DefaultMaxTriggerDepth): an
	// event whose hop header (namespace.HopHeader) says MaxDepth runs led
	// to it starts no run, with one warning. Set it before Run.
	MaxDepth int

	q        *queue.Queue
	triggers []*SubjectTrigger
	log      *slog.Logger
	stream   jetstream.Stream
	subjects []string
}

// NewRouter creates or extends the event stream with the triggers'
// subjects (keeping those other nodes added) and the shared consumer.
func NewRouter(ctx context.Context, c *natsx.Conn, q *queue.Queue, triggers []*SubjectTrigger, log *slog.Logger) (*Router, error) {
	if log == nil {
		log = slog.Default()
	}
	r := &Router{q: q, triggers: triggers, log: log}
	var subjects []string
	for _, t := range triggers {
		subjects = append(subjects, t.Subject)
	}
	if s, err := c.JS.Stream(ctx, EventsStream); err == nil {
		subjects = append(subjects, s.CachedInfo().Config.Subjects...)
	}
	r.subjects = minimalSubjects(subjects)
	if len(r.subjects) == 0 {
		return r, nil
	}
	var err error
	maxBytes := int64(config.DefaultEventsMaxBytes)
	if q != nil && q.Opts.EventsMaxBytes > 0 {
		maxBytes = q.Opts.EventsMaxBytes
	}
	r.stream, err = c.EnsureStream(ctx, jetstream.StreamConfig{
		Name: EventsStream, Description: "wasmdrive trigger events",
		Subjects: r.subjects, Retention: jetstream.LimitsPolicy, MaxAge: 7 * 24 * time.Hour, MaxBytes: maxBytes,
		Duplicates: time.Hour, Discard: jetstream.DiscardOld,
	})
	if err != nil {
		return nil, fmt.Errorf("trigger: event stream (subjects %v): %w", r.subjects, err)
	}
	return r, nil
}

// Subjects are the subjects the event stream captures.
func (r *Router) Subjects() []string { return r.subjects }

// Captures reports whether subject is stored by the event stream.
func (r *Router) Captures(subject string) bool {
	for _, s := range r.subjects {
		if subjectMatch(s, subject) {
			return true
		}
	}
	return false
}

// Run consumes events until ctx ends.
func (r *Router) Run(ctx context.Context) error {
	if r.stream == nil {
		<-ctx.Done()
		return nil
	}
	cons, err := r.stream.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{
		Durable: EventsConsumer, AckPolicy: jetstream.AckExplicitPolicy, AckWait: 30 * time.Second,
		DeliverPolicy: jetstream.DeliverAllPolicy, MaxAckPending: 4096,
	})
	if err != nil {
		return fmt.Errorf("trigger: event consumer: %w", err)
	}
	cc, err := cons.Consume(func(m jetstream.Msg) { r.handle(ctx, m) }, jetstream.PullMaxMessages(64))
	if err != nil {
		return fmt.Errorf("trigger: consume events: %w", err)
	}
	<-ctx.Done()
	cc.Drain()
	<-cc.Closed()
	return nil
}

func (r *Router) handle(ctx context.Context, m jetstream.Msg) {
	md, err := m.Metadata()
	if err != nil {
		_ = m.Term()
		return
	}
	if len(m.Data()) > MaxEventBytes {
		r.log.Error("dropping event larger than the limit", "subject", m.Subject(), "bytes", len(m.Data()), "limit", MaxEventBytes)
		_ = m.TermWithReason("event too large")
		return
	}
	hop := eventHop(m.Headers())
	if max := r.maxDepth(); hop >= max {
		r.refuseDeep(m, hop, max)
		_ = m.Ack()
		return
	}
	var input json.RawMessage
	for _, t := range r.triggers {
		if !subjectMatch(t.Subject, m.Subject()) {
			continue
		}
		if r.Enabled != nil && !r.Enabled(t.Plugin) {
			r.log.Debug("plugin disabled; event makes no run", "subject", m.Subject(), "plugin", t.Plugin)
			continue
		}
		in := t.Input
		if len(in) == 0 {
			if input == nil {
				input = EncodeEvent(m.Subject(), m.Headers(), m.Data(), md.Sequence.Stream, md.Timestamp)
			}
			in = input
		}
		req := &queue.Request{
			Plugin: t.Plugin, Entry: t.Entry, Input: in,
			Key:     fmt.Sprintf("evt:%d:%s", md.Sequence.Stream, t.ID),
			Trigger: "subject:" + m.Subject(),
			Hop:     hop,
		}
		if _, _, err := r.q.Enqueue(ctx, req, ""); err != nil {
			r.log.Warn("queue run for event; will retry", "subject", m.Subject(), "plugin", t.Plugin, "err", err)
			_ = m.NakWithDelay(time.Second)
			return
		}
	}
	_ = m.Ack()
}

func (r *Router) maxDepth() int {
	if r.MaxDepth > 0 {
		return r.MaxDepth
	}
	return config.DefaultMaxTriggerDepth
}

// eventHop reads an event's hop header: 0 when absent or malformed (an
// outside publisher may set any header; only the host sets it on runs'
// events).
func eventHop(h nats.Header) int {
	n, err := strconv.Atoi(h.Get(namespace.HopHeader))
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// refuseDeep logs, once for the event, the triggers a too-deep event does
// not fire. An event no enabled trigger wanted is acked silently as ever.
func (r *Router) refuseDeep(m jetstream.Msg, hop, max int) {
	var plugins []string
	for _, t := range r.triggers {
		if subjectMatch(t.Subject, m.Subject()) && (r.Enabled == nil || r.Enabled(t.Plugin)) && !slices.Contains(plugins, t.Plugin) {
			plugins = append(plugins, t.Plugin)
		}
	}
	if len(plugins) == 0 {
		return
	}
	r.log.Warn("trigger chain too deep: event starts no run (a plugin's events trigger runs that publish them again; break the loop, or raise plugins.max_trigger_depth if the chain is meant to be this long)",
		"subject", m.Subject(), "plugin", strings.Join(plugins, ","), "hop", hop, "limit", max,
		"caused_by", m.Headers().Get(namespace.CausedByHeader))
}

// subjectMatch reports whether subject matches the pattern (with * and >).
func subjectMatch(pattern, subject string) bool {
	p, s := strings.Split(pattern, "."), strings.Split(subject, ".")
	for i, tok := range p {
		if tok == ">" {
			return len(s) > i
		}
		if i >= len(s) || (tok != "*" && tok != s[i]) {
			return false
		}
	}
	return len(p) == len(s)
}

// minimalSubjects drops duplicates and subjects another one subsumes, so
// the stream config is accepted.
func minimalSubjects(in []string) []string {
	sort.Strings(in)
	var out []string
	for i, s := range in {
		dup := false
		for j, o := range in {
			if i != j && (o == s && j < i || o != s && subsumes(o, s)) {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, s)
		}
	}
	return out
}

// subsumes reports whether every subject matched by b is matched by a.
func subsumes(a, b string) bool {
	x, y := strings.Split(a, "."), strings.Split(b, ".")
	for i, tok := range x {
		if tok == ">" {
			return len(y) > i
		}
		if i >= len(y) || y[i] == ">" || (tok != "*" && (y[i] == "*" || tok != y[i])) {
			return false
		}
	}
	return len(x) == len(y)
}
