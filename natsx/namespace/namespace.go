// Package namespace owns every NATS name wasmdrive uses for itself: the
// subjects of its internal messages, its JetStream streams, consumers and
// key-value buckets. From them it derives the reserved set, the subjects a
// plugin may not publish on (PluginPublish) and a subject trigger may not
// capture (TriggerSubject), together with the NATS and JetStream system
// prefixes. Code that names an internal subject, stream or bucket takes the
// name from here, so a new one cannot be left out of the reserved set.
// NAMES.md lists them all for operators (a test keeps it complete).
//
// The package is a leaf (standard library only): the host functions, the
// runner's sub-packages, natsx and app all import it.
package namespace

// Root is the first token of every internal subject.
const Root = "wasmdrive"

// Subjects of internal messages (a trailing comment gives the tokens that
// follow).
const (
	// RunRequests carries run requests and the schedule slot ledger
	// (.run.<plugin> | .sched.<schedule>), stream RunsStream.
	RunRequests = Root + ".runs.req"
	// RunCancel is the core NATS cancel broadcast (.<run id>).
	RunCancel = Root + ".runs.cancel"
	// Runs is the prefix of RunRequests and RunCancel.
	Runs = Root + ".runs"
	// DeadLetters carries runs whose retries ran out (.<plugin>).
	DeadLetters = Root + ".dlq"
	// Logs carries run log lines (.<run id>).
	Logs = Root + ".logs"
	// Batch carries batch chunks (.<job>), stream BatchStream.
	Batch = Root + ".batch"
	// Control carries requests to serve nodes (.plugins, .enable).
	Control = Root + ".control"
	// ControlPlugins asks a serve node for the plugin list.
	ControlPlugins = Control + ".plugins"
	// ControlEnable turns a plugin on or off.
	ControlEnable = Control + ".enable"
	// ControlGroup is the queue group of the control subscribers.
	ControlGroup = Root + "-control"
	// Drive carries drive change events (.<account>.file.<kind>). Triggers
	// may capture them; only the host publishes them.
	Drive = Root + ".drive"
)

// JetStream streams.
const (
	RunsStream   = "WASMDRIVE_RUNS"
	DLQStream    = "WASMDRIVE_DLQ"
	LogsStream   = "WASMDRIVE_LOGS"
	EventsStream = "WASMDRIVE_EVENTS"
	BatchStream  = "WASMDRIVE_BATCH"
)

// Durable consumers.
const (
	// WorkConsumer pulls run requests from RunsStream.
	WorkConsumer = "workers"
	// EventsConsumer pulls trigger events from EventsStream.
	EventsConsumer = "triggers"
	// BatchConsumer pulls chunks from BatchStream.
	BatchConsumer = "batch-workers"
)

// JetStream key-value buckets.
const (
	RecordsBucket = "wasmdrive_runs"
	LeasesBucket  = "wasmdrive_leases"
	StateBucket   = "wasmdrive_state"
	BatchBucket   = "wasmdrive_batch"
	EnabledBucket = "wasmdrive_plugins_enabled"
)

// KVSubject is the subject a key of bucket is stored under.
func KVSubject(bucket, key string) string { return "$KV." + bucket + "." + key }

// KVStream is the stream behind bucket.
func KVStream(bucket string) string { return "KV_" + bucket }

// DriveEventSubject is the subject of a drive change event.
func DriveEventSubject(account, kind string) string {
	return Drive + "." + account + ".file." + kind
}

// HeaderPrefix starts the names of wasmdrive's own message headers; like
// the NATS headers (NATSHeaderPrefix) a plugin cannot set them.
const HeaderPrefix = "Wasmdrive-"

// Headers the host sets on the events a run publishes (plugin emits and
// drive events), after dropping any the plugin gave under HeaderPrefix.
const (
	// HopHeader counts the runs in the chain that led to the event: 1 on
	// the emits of a run an outside publish (or a person, or a schedule)
	// started, n+1 on those of a run an event of hop n started.
	HopHeader = HeaderPrefix + "Hop"
	// CausedByHeader is the ID of the run that published the event.
	CausedByHeader = HeaderPrefix + "Caused-By"
)

// NATSHeaderPrefix starts the headers NATS and JetStream interpret
// (Nats-Msg-Id, Nats-Expected-Last-Sequence, Nats-Rollup, ...).
const NATSHeaderPrefix = "Nats-"
