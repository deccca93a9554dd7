package hostfuncs

import (
	"github.com/wasmdrive/wasmdrive/drive"
)

// projectedList is a listing whose items carry only the requested fields
// (abi.ListRequest.Fields).
type projectedList struct {
	Items      []map[string]any `json:"items"`
	NextMarker string           `json:"next_marker"`
	TotalCount int64            `json:"total_count,omitempty"`
}

// project returns res with each item cut down to fields (JSON names of
// drive.File; unknown names are ignored), or res itself when fields is empty.
func project(res *drive.ListResult, fields []string) any {
	if len(fields) == 0 {
		return res
	}
	out := &projectedList{Items: make([]map[string]any, len(res.Items)), NextMarker: res.NextMarker, TotalCount: res.TotalCount}
	for i, f := range res.Items {
		m := make(map[string]any, len(fields))
		for _, name := range fields {
			if v, ok := fileField(f, name); ok {
				m[name] = v
			}
		}
		out.Items[i] = m
	}
	return out
}

// fileField returns the value of File field name (its JSON name).
func fileField(f *drive.File, name string) (any, bool) {
	switch name {
	case "drive_id":
		return f.DriveID, true
	case "file_id":
		return f.FileID, true
	case "parent_file_id":
		return f.ParentFileID, true
	case "name":
		return f.Name, true
	case "type":
		return f.Type, true
	case "size":
		return f.Size, true
	case "content_hash":
		return f.ContentHash, true
	case "content_hash_name":
		return f.ContentHashName, true
	case "category":
		return f.Category, true
	case "file_extension":
		return f.FileExtension, true
	case "status":
		return f.Status, true
	case "created_at":
		return f.CreatedAt, true
	case "updated_at":
		return f.UpdatedAt, true
	case "trashed":
		return f.Trashed, true
	case "starred":
		return f.Starred, true
	case "url":
		return f.URL, true
	case "path":
		return f.Path, true
	}
	return nil, false
}
