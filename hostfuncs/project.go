package hostfuncs

import (
	"encoding/json"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// projection is a listing to be sent with only some fields of each item
// (abi.ListRequest.Fields): in JSON the other keys are left out, in a
// binary answer they are zero (a byte each).
type projection struct {
	list   *drive.ListResult
	fields []string
}

// projectedList is a projection's JSON form.
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
	return &projection{list: res, fields: fields}
}

// MarshalJSON writes the listing with only the selected keys.
func (p *projection) MarshalJSON() ([]byte, error) {
	out := projectedList{Items: make([]map[string]any, len(p.list.Items)), NextMarker: p.list.NextMarker, TotalCount: p.list.TotalCount}
	for i, f := range p.list.Items {
		m := make(map[string]any, len(p.fields))
		for _, name := range p.fields {
			if fld, ok := fileFields[name]; ok {
				m[name] = fld.get(f)
			}
		}
		out.Items[i] = m
	}
	return json.Marshal(out)
}

// masked returns a copy of f with only the selected fields set.
func (p *projection) masked(f *drive.File) abi.File {
	var m abi.File
	for _, name := range p.fields {
		if fld, ok := fileFields[name]; ok {
			fld.copy(&m, f)
		}
	}
	return m
}

// fileField reads one File field for JSON, or copies it.
type fileField struct {
	get  func(*drive.File) any
	copy func(dst *abi.File, src *drive.File)
}

// fileFields are drive.File's fields by JSON name.
var fileFields = map[string]fileField{
	"drive_id":          {func(f *drive.File) any { return f.DriveID }, func(d *abi.File, s *drive.File) { d.DriveID = s.DriveID }},
	"file_id":           {func(f *drive.File) any { return f.FileID }, func(d *abi.File, s *drive.File) { d.FileID = s.FileID }},
	"parent_file_id":    {func(f *drive.File) any { return f.ParentFileID }, func(d *abi.File, s *drive.File) { d.ParentFileID = s.ParentFileID }},
	"name":              {func(f *drive.File) any { return f.Name }, func(d *abi.File, s *drive.File) { d.Name = s.Name }},
	"type":              {func(f *drive.File) any { return f.Type }, func(d *abi.File, s *drive.File) { d.Type = s.Type }},
	"size":              {func(f *drive.File) any { return f.Size }, func(d *abi.File, s *drive.File) { d.Size = s.Size }},
	"content_hash":      {func(f *drive.File) any { return f.ContentHash }, func(d *abi.File, s *drive.File) { d.ContentHash = s.ContentHash }},
	"content_hash_name": {func(f *drive.File) any { return f.ContentHashName }, func(d *abi.File, s *drive.File) { d.ContentHashName = s.ContentHashName }},
	"category":          {func(f *drive.File) any { return f.Category }, func(d *abi.File, s *drive.File) { d.Category = s.Category }},
	"file_extension":    {func(f *drive.File) any { return f.FileExtension }, func(d *abi.File, s *drive.File) { d.FileExtension = s.FileExtension }},
	"status":            {func(f *drive.File) any { return f.Status }, func(d *abi.File, s *drive.File) { d.Status = s.Status }},
	"created_at":        {func(f *drive.File) any { return f.CreatedAt }, func(d *abi.File, s *drive.File) { d.CreatedAt = s.CreatedAt }},
	"updated_at":        {func(f *drive.File) any { return f.UpdatedAt }, func(d *abi.File, s *drive.File) { d.UpdatedAt = s.UpdatedAt }},
	"trashed":           {func(f *drive.File) any { return f.Trashed }, func(d *abi.File, s *drive.File) { d.Trashed = s.Trashed }},
	"starred":           {func(f *drive.File) any { return f.Starred }, func(d *abi.File, s *drive.File) { d.Starred = s.Starred }},
	"url":               {func(f *drive.File) any { return f.URL }, func(d *abi.File, s *drive.File) { d.URL = s.URL }},
	"path":              {func(f *drive.File) any { return f.Path }, func(d *abi.File, s *drive.File) { d.Path = s.Path }},
}

// appendBinary appends res's binary answer to b when res has a binary
// form (abi.CallBinary), reporting whether it did.
func appendBinary(b []byte, res any) ([]byte, bool) {
	switch r := res.(type) {
	case *drive.File:
		f := abi.File(*r)
		return abi.AppendFile(append(b, abi.BinaryOK), &f), true
	case *drive.ListResult:
		b = abi.AppendListHeader(append(b, abi.BinaryOK), len(r.Items))
		for _, it := range r.Items {
			var f abi.File
			if it != nil {
				f = abi.File(*it)
			}
			b = abi.AppendFile(b, &f)
		}
		return abi.AppendListTrailer(b, r.NextMarker, r.TotalCount), true
	case *projection:
		b = abi.AppendListHeader(append(b, abi.BinaryOK), len(r.list.Items))
		for _, it := range r.list.Items {
			var f abi.File
			if it != nil {
				f = r.masked(it)
			}
			b = abi.AppendFile(b, &f)
		}
		return abi.AppendListTrailer(b, r.list.NextMarker, r.list.TotalCount), true
	}
	return b, false
}
