package namespace

import (
	"fmt"
	"strings"
)

// Area is one reserved part of the subject space.
type Area struct {
	// Pattern matches the area's subjects ("wasmdrive.batch.>").
	Pattern string
	// Owner says what uses it, for error messages and docs.
	Owner string
	// Capture is true when a subject trigger may capture the area (drive
	// events); a plugin may never publish on any area.
	Capture bool
}

// internal are wasmdrive's own areas, most specific first; the last one
// covers every subject under Root, including ones added later.
var internal = []Area{
	{Runs + ".>", "run requests and cancels", false},
	{DeadLetters + ".>", "dead-lettered runs", false},
	{Logs + ".>", "run logs", false},
	{Batch + ".>", "batch chunks", false},
	{Control + ".>", "serve node control requests", false},
	{Drive + ".>", "drive change events (published by the host; triggers may capture them)", true},
	{Root + ".>", "wasmdrive's internal subjects", false},
}

// system are the NATS and JetStream system prefixes; any first token
// starting with '$' is reserved as well (systemToken).
var system = []Area{
	{"$JS.>", "the JetStream API, acks and advisories", false},
	{"$JSC.>", "JetStream cluster traffic", false},
	{"$NRG.>", "NATS raft groups", false},
	{"$SYS.>", "the NATS system account", false},
	{"$KV.>", "JetStream key-value buckets", false},
	{"$O.>", "JetStream object stores", false},
	{"$MQTT.>", "the MQTT gateway", false},
	{"$SRV.>", "NATS service discovery", false},
	{"_INBOX.>", "request replies", false},
}

// Reserved lists every reserved area: wasmdrive's own, then the system
// prefixes.
func Reserved() []Area {
	return append(append([]Area(nil), internal...), system...)
}

// ReservedError is a subject inside a reserved area.
type ReservedError struct {
	Subject string
	Area    Area
}

func (e *ReservedError) Error() string {
	return fmt.Sprintf("subject %q is reserved for wasmdrive itself (%s, %s); use an application subject such as app.<name>", e.Subject, e.Area.Pattern, e.Area.Owner)
}

// CheckPublish returns a *ReservedError when a plugin must not publish on
// the literal subject: every internal subject (including drive events,
// which only the host publishes) and every system prefix.
func CheckPublish(subject string) error {
	for _, a := range internal {
		if Match(a.Pattern, subject) {
			return &ReservedError{subject, a}
		}
	}
	return checkSystem(subject, Match)
}

// CheckCapture returns a *ReservedError when a subject trigger must not
// capture pattern: it overlaps an internal area other than the drive
// events, or a system prefix.
func CheckCapture(pattern string) error {
	for _, a := range internal {
		if a.Capture || !Overlaps(pattern, a.Pattern) {
			continue
		}
		if a.Pattern == Root+".>" && insideCapturable(pattern) {
			continue
		}
		return &ReservedError{pattern, a}
	}
	return checkSystem(pattern, Overlaps)
}

// insideCapturable reports whether every subject pattern matches lies in
// an area triggers may capture.
func insideCapturable(pattern string) bool {
	for _, a := range internal {
		if a.Capture && Subsumes(a.Pattern, pattern) {
			return true
		}
	}
	return false
}

func checkSystem(s string, hit func(pattern, s string) bool) error {
	for _, a := range system {
		if hit(a.Pattern, s) {
			return &ReservedError{s, a}
		}
	}
	if first, _, _ := strings.Cut(s, "."); strings.HasPrefix(first, "$") {
		return &ReservedError{s, Area{Pattern: first + ".>", Owner: "a NATS system prefix ('$')"}}
	}
	return nil
}

// ReservedHeader reports whether a plugin must not set header name: the
// NATS and JetStream headers (Nats-*) and wasmdrive's own (Wasmdrive-*),
// in any letter case.
func ReservedHeader(name string) bool {
	return hasPrefixFold(name, NATSHeaderPrefix) || hasPrefixFold(name, HeaderPrefix)
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
