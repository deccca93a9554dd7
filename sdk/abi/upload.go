package abi

// UploadManyRequest is wd_drive_upload_many's input: the host uploads the
// items (each exactly as wd_drive_upload would, grant-checked and audited
// one by one) with up to Concurrency uploads at a time (default
// DefaultUploadConcurrency, at most MaxUploadConcurrency). Items must not
// name the same drive file twice.
type UploadManyRequest struct {
	Items       []UploadRequest `json:"items"`
	Concurrency int             `json:"concurrency,omitempty"`
	// Progress, when set, makes the host report the run's progress (unit
	// "bytes") while the items upload: its counts are what the plugin had
	// done before this call, and the host adds this call's bytes and files.
	Progress *UploadProgress `json:"progress,omitempty"`
}

// DefaultUploadConcurrency is wd_drive_upload_many's default concurrency.
const DefaultUploadConcurrency = 4

// UploadProgress is the run-wide progress a wd_drive_upload_many call
// continues: bytes and files done before the call, and the run's totals.
type UploadProgress struct {
	BytesDone  int64 `json:"bytes_done"`
	BytesTotal int64 `json:"bytes_total"`
	FilesDone  int64 `json:"files_done"`
	FilesTotal int64 `json:"files_total"`
}

// UploadManyResult is wd_drive_upload_many's result: one result per item,
// in item order.
type UploadManyResult struct {
	Results []UploadItemResult `json:"results"`
}

// UploadItemResult is one item's outcome: the upload's result, or Error
// (an item's failure is a result, not an envelope error).
type UploadItemResult struct {
	File        *File  `json:"file,omitempty"`
	RapidUpload bool   `json:"rapid_upload,omitempty"`
	BytesSent   int64  `json:"bytes_sent,omitempty"`
	Resumed     bool   `json:"resumed,omitempty"`
	Error       *Error `json:"error,omitempty"`
}
