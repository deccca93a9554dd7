package sdk

import "github.com/wasmdrive/wasmdrive/sdk/abi"

// BatchOptions tunes Batch.
type BatchOptions struct {
	ChunkSize   int // items per drive batch chunk, ≤ 100 (default 100)
	Concurrency int // parallel calls per chunk on backends without a batch endpoint
}

// maxItemsPerCall keeps one host call's request well under the ABI limit.
const maxItemsPerCall = 20000

// Batch runs copy/move/trash/delete items on the host, chunked and in
// parallel there, and returns one result per item in order. Item failures
// (including items outside the grant: status 403) are results; the error is
// for the batch as a whole. Very large batches are sent in several host
// calls.
func Batch(items []BatchItem, opts BatchOptions) ([]BatchItemResult, error) {
	out := make([]BatchItemResult, 0, len(items))
	for start := 0; start < len(items) || start == 0 && len(items) == 0; start += maxItemsPerCall {
		end := min(start+maxItemsPerCall, len(items))
		var r abi.BatchResponse
		req := abi.BatchRequest{Items: items[start:end], ChunkSize: opts.ChunkSize, Concurrency: opts.Concurrency}
		if err := call(abi.FnDriveBatch, req, &r); err != nil {
			return out, err
		}
		out = append(out, r.Results...)
		if len(items) == 0 {
			break
		}
	}
	return out, nil
}

// CopyItem, MoveItem, TrashItem and DeleteItem build batch items.
func CopyItem(fileID, toParentID string) BatchItem {
	return BatchItem{Op: abi.OpCopy, FileID: fileID, ToParentID: toParentID}
}

// MoveItem builds a move batch item.
func MoveItem(fileID, toParentID string) BatchItem {
	return BatchItem{Op: abi.OpMove, FileID: fileID, ToParentID: toParentID}
}

// TrashItem builds a trash batch item.
func TrashItem(fileID string) BatchItem { return BatchItem{Op: abi.OpTrash, FileID: fileID} }

// DeleteItem builds a delete batch item.
func DeleteItem(fileID string) BatchItem { return BatchItem{Op: abi.OpDelete, FileID: fileID} }

// Failed returns the results that did not succeed (status ≥ 300).
func Failed(results []BatchItemResult) []BatchItemResult {
	var out []BatchItemResult
	for _, r := range results {
		if r.Status >= 300 {
			out = append(out, r)
		}
	}
	return out
}
