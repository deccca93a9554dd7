package namespace

import (
	"errors"
	"testing"
)

func TestCheckPublish(t *testing.T) {
	for _, tc := range []struct {
		subject string
		area    string // "" = allowed
	}{
		{"app.chain.done", ""},
		{"inbox.files", ""},
		{"wasmdrivex.foo", ""},
		{"wasmdrive.batch.job1", Batch + ".>"},
		{"wasmdrive.control.enable", Control + ".>"},
		{"wasmdrive.control.plugins", Control + ".>"},
		{"wasmdrive.drive.default.file.uploaded", Drive + ".>"},
		{"wasmdrive.runs.req.run.backup", Runs + ".>"},
		{"wasmdrive.runs.cancel.r1", Runs + ".>"},
		{"wasmdrive.logs.r1", Logs + ".>"},
		{"wasmdrive.dlq.backup", DeadLetters + ".>"},
		{"wasmdrive.future", Root + ".>"},
		{"$JS.API.STREAM.LIST", "$JS.>"},
		{"$JSC.R.x", "$JSC.>"},
		{"$NRG.AE.x", "$NRG.>"},
		{"$SYS.REQ.SERVER.PING", "$SYS.>"},
		{"$KV.wasmdrive_batch.job.x", "$KV.>"},
		{"$O.store.x", "$O.>"},
		{"$G.anything", "$G.>"},
		{"_INBOX.abc.1", "_INBOX.>"},
	} {
		err := CheckPublish(tc.subject)
		var re *ReservedError
		switch {
		case tc.area == "" && err != nil:
			t.Errorf("CheckPublish(%q) = %v, want allowed", tc.subject, err)
		case tc.area != "" && !errors.As(err, &re):
			t.Errorf("CheckPublish(%q) = %v, want reserved by %s", tc.subject, err, tc.area)
		case tc.area != "" && re.Area.Pattern != tc.area:
			t.Errorf("CheckPublish(%q) names %s, want %s", tc.subject, re.Area.Pattern, tc.area)
		}
	}
}

func TestCheckCapture(t *testing.T) {
	for _, tc := range []struct {
		pattern string
		ok      bool
	}{
		{"app.>", true},
		{"wasmdrive.drive.*.file.>", true},
		{"wasmdrive.drive.default.file.uploaded", true},
		{"wasmdrive.drive.>", true},
		{"wasmdrive.batch.>", false},
		{"wasmdrive.control.enable", false},
		{"wasmdrive.runs.>", false},
		{"wasmdrive.*.x", false},
		{"wasmdrive.>", false},
		{"wasmdrive.other", false},
		{"$JSC.>", false},
		{"$NRG.x", false},
		{"$X.y", false},
		{"*.foo", false},
		{"_INBOX.>", false},
	} {
		if err := CheckCapture(tc.pattern); (err == nil) != tc.ok {
			t.Errorf("CheckCapture(%q) = %v, want ok=%v", tc.pattern, err, tc.ok)
		}
	}
}

func TestReservedHeader(t *testing.T) {
	for name, want := range map[string]bool{
		"Nats-Msg-Id": true, "nats-msg-id": true, "NATS-Expected-Last-Sequence": true,
		"Nats-Rollup": true, "Wasmdrive-Hops": true, "wasmdrive-x": true,
		"X-From": false, "Natsy": false, "Content-Type": false,
	} {
		if got := ReservedHeader(name); got != want {
			t.Errorf("ReservedHeader(%q) = %v, want %v", name, got, want)
		}
	}
}
