package sdk

import (
	"encoding/base64"

	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// fastEnvelope decodes an envelope whose result is one of the types below
// with the lexer. ok=false means "not handled": res is untouched or will be
// overwritten by the encoding/json fallback.
func fastEnvelope(out []byte, res any) (env envelopeInto, ok bool) {
	dec := resultDecoder(res)
	if dec == nil {
		return env, false
	}
	l := newLexer(out)
	l.object(func(k []byte) {
		switch string(k) {
		case "ok":
			env.OK = l.bool()
		case "result":
			dec(l)
		case "error":
			if l.null() {
				return
			}
			env.Error = &abi.Error{}
			decodeError(l, env.Error)
		default:
			l.skip()
		}
	})
	if l.err != nil || l.peek() != 0 {
		return env, false
	}
	return env, true
}

// resultDecoder returns the lexer decoder for res, or nil.
func resultDecoder(res any) func(*lexer) {
	switch r := res.(type) {
	case *File:
		return func(l *lexer) { decodeFile(l, r) }
	case *ListResult:
		return func(l *lexer) { decodeList(l, r) }
	case *LocalListResult:
		return func(l *lexer) { decodeLocalList(l, r) }
	case *abi.BatchResponse:
		return func(l *lexer) { decodeBatch(l, r) }
	case *MoveResult:
		return func(l *lexer) { decodeMove(l, r) }
	case *KVEntry:
		return func(l *lexer) { decodeKV(l, r) }
	case *abi.NowResult:
		return func(l *lexer) {
			l.object(func(k []byte) {
				switch string(k) {
				case "unix_nano":
					r.UnixNano = l.int64()
				case "time":
					r.Time = l.time()
				default:
					l.skip()
				}
			})
		}
	}
	return nil
}

func decodeError(l *lexer, e *abi.Error) {
	l.object(func(k []byte) {
		switch string(k) {
		case "code":
			e.Code = l.str()
		case "message":
			e.Message = l.str()
		case "retryable":
			e.Retryable = l.bool()
		default:
			l.skip()
		}
	})
}

func decodeFile(l *lexer, f *File) {
	l.object(func(k []byte) {
		switch string(k) {
		case "drive_id":
			f.DriveID = l.str()
		case "file_id":
			f.FileID = l.str()
		case "parent_file_id":
			f.ParentFileID = l.str()
		case "name":
			f.Name = l.str()
		case "type":
			f.Type = l.str()
		case "size":
			f.Size = l.int64()
		case "content_hash":
			f.ContentHash = l.str()
		case "content_hash_name":
			f.ContentHashName = l.str()
		case "category":
			f.Category = l.str()
		case "file_extension":
			f.FileExtension = l.str()
		case "status":
			f.Status = l.str()
		case "created_at":
			f.CreatedAt = l.time()
		case "updated_at":
			f.UpdatedAt = l.time()
		case "trashed":
			f.Trashed = l.bool()
		case "starred":
			f.Starred = l.bool()
		case "url":
			f.URL = l.str()
		case "path":
			f.Path = l.str()
		default:
			l.skip()
		}
	})
}

func decodeList(l *lexer, r *ListResult) {
	l.object(func(k []byte) {
		switch string(k) {
		case "items":
			r.Items = r.Items[:0]
			l.array(func() {
				if l.null() {
					r.Items = append(r.Items, nil)
					return
				}
				f := new(File)
				decodeFile(l, f)
				r.Items = append(r.Items, f)
			})
		case "next_marker":
			r.NextMarker = l.str()
		case "total_count":
			r.TotalCount = l.int64()
		default:
			l.skip()
		}
	})
}

func decodeLocalList(l *lexer, r *LocalListResult) {
	l.object(func(k []byte) {
		switch string(k) {
		case "entries":
			r.Entries = r.Entries[:0]
			l.array(func() {
				var e LocalEntry
				l.object(func(k []byte) {
					switch string(k) {
					case "path":
						e.Path = l.str()
					case "name":
						e.Name = l.str()
					case "dir":
						e.Dir = l.bool()
					case "size":
						e.Size = l.int64()
					case "mtime":
						e.ModTime = l.time()
					case "symlink":
						e.Symlink = l.bool()
					default:
						l.skip()
					}
				})
				r.Entries = append(r.Entries, e)
			})
		case "next_marker":
			r.NextMarker = l.str()
		default:
			l.skip()
		}
	})
}

func decodeBatch(l *lexer, r *abi.BatchResponse) {
	l.object(func(k []byte) {
		if string(k) != "results" {
			l.skip()
			return
		}
		r.Results = r.Results[:0]
		l.array(func() {
			var x BatchItemResult
			l.object(func(k []byte) {
				switch string(k) {
				case "id":
					x.ID = l.str()
				case "status":
					x.Status = int(l.int64())
				case "file_id":
					x.FileID = l.str()
				case "code":
					x.Code = l.str()
				case "error":
					if l.null() {
						return
					}
					x.Error = &abi.DriveError{}
					l.object(func(k []byte) {
						switch string(k) {
						case "status":
							x.Error.Status = int(l.int64())
						case "code":
							x.Error.Code = l.str()
						case "message":
							x.Error.Message = l.str()
						case "requestId":
							x.Error.RequestID = l.str()
						default:
							l.skip()
						}
					})
				default:
					l.skip()
				}
			})
			r.Results = append(r.Results, x)
		})
	})
}

func decodeMove(l *lexer, r *MoveResult) {
	l.object(func(k []byte) {
		switch string(k) {
		case "file_id":
			r.FileID = l.str()
		case "exist":
			r.Exist = l.bool()
		default:
			l.skip()
		}
	})
}

func decodeKV(l *lexer, r *KVEntry) {
	l.object(func(k []byte) {
		switch string(k) {
		case "key":
			r.Key = l.str()
		case "revision":
			r.Revision = uint64(l.int64())
		case "value":
			if l.null() {
				r.Value = nil
				return
			}
			raw, ok := l.rawString()
			if !ok {
				l.fail()
				return
			}
			v, err := base64.StdEncoding.DecodeString(string(raw))
			if err != nil {
				l.fail()
				return
			}
			r.Value = v
		default:
			l.skip()
		}
	})
}
