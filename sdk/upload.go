package sdk

import "github.com/wasmdrive/wasmdrive/sdk/abi"

// UploadProgress is the run-wide progress an UploadMany continues: what the
// plugin had done before, and the run's totals.
type UploadProgress = abi.UploadProgress

// UploadManyOptions tunes UploadMany.
type UploadManyOptions struct {
	// Concurrency is how many uploads the host runs at once (default 4,
	// at most abi.MaxUploadConcurrency).
	Concurrency int
	// Progress, when set, makes the host report the run's progress in
	// bytes while it uploads, continuing these counts.
	Progress *UploadProgress
}

// UploadOutcome is one item's result: Result on success, else Err (an
// *Error with the item's stable code, e.g. not_found for a file that
// vanished, permission_denied outside the grant).
type UploadOutcome struct {
	Result *UploadResult
	Err    error
}

// uploadItemsPerCall keeps one host call's request well under the ABI's
// request limit (an item is a few hundred bytes of JSON).
const uploadItemsPerCall = 2000

// UploadMany uploads host files to the drive, several at a time on the
// host (a Wasm plugin is single-threaded): each item is what Upload takes
// (local read grant, drive.write on its folder) and is checked and audited
// on its own. It returns one outcome per item, in order; the error is for
// the call as a whole (the run was cancelled). Items must name distinct
// drive files. Very long lists are sent in several host calls.
func UploadMany(items []UploadRequest, opts UploadManyOptions) ([]UploadOutcome, error) {
	out := make([]UploadOutcome, 0, len(items))
	var prog *UploadProgress
	if opts.Progress != nil {
		p := *opts.Progress
		prog = &p
	}
	for start := 0; start < len(items); start += uploadItemsPerCall {
		end := min(start+uploadItemsPerCall, len(items))
		var r abi.UploadManyResult
		req := abi.UploadManyRequest{Items: items[start:end], Concurrency: opts.Concurrency, Progress: prog}
		if err := call(abi.FnDriveUploadMany, req, &r); err != nil {
			return out, err
		}
		if len(r.Results) != end-start {
			return out, &Error{Func: abi.FnDriveUploadMany, Code: abi.CodeInternal, Message: "the host answered a different number of results"}
		}
		for _, it := range r.Results {
			o := UploadOutcome{}
			if it.Error != nil {
				o.Err = &Error{Func: abi.FnDriveUploadMany, Code: it.Error.Code, Message: it.Error.Message, Retryable: it.Error.Retryable}
			} else {
				o.Result = &UploadResult{File: it.File, RapidUpload: it.RapidUpload, BytesSent: it.BytesSent, Resumed: it.Resumed}
			}
			if prog != nil {
				prog.FilesDone++
				if it.File != nil {
					prog.BytesDone += it.File.Size
				}
			}
			out = append(out, o)
		}
	}
	return out, nil
}
