package local

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/openapi"
)

// The HTTP server answers as the real Open API does (drive/openapi/REFERENCE.md),
// even where the Go API of *Drive keeps a kinder contract (refuse by default,
// pages up to MaxLocalListLimit, NotFound.File for every miss). This file
// holds those translations.

// Codes of the real service the Go API does not use.
const (
	// codeInvalidLimit: list/search with limit > 100 (the aliyunpan desktop
	// client's error table; zxbu/webdav-aliyundriver#11 for the message).
	codeInvalidLimit = "InvalidParameter.Limit"
	// codeForeignDrive: a drive_id the user has no access to (T-api
	// aliyunpan_open/api_error.go ParseAliApiError, 403).
	codeForeignDrive = "UserNotAllowedAccessDrive"
	// codePartNotSequential: OSS's answer to a part sent before its
	// predecessor in a sequential upload (400; OSS SDK error table,
	// T-cli internal/functions/panupload/upload.go).
	codePartNotSequential = "PartNotSequential"
	// codeSignatureMismatch: OSS's answer when a signed URL is used with a
	// header the signature did not cover, e.g. a Content-Type on a part PUT.
	codeSignatureMismatch = "SignatureDoesNotMatch"
)

// strictFields are the request fields every call is checked for.
type strictFields struct {
	DriveID   *string `json:"drive_id"`
	ToDriveID *string `json:"to_drive_id"`
	// DriveIDCamel is createShare's camelCase driveId (T-api openapi/file_share.go).
	DriveIDCamel *string `json:"driveId"`
	Limit        *int64  `json:"limit"`
	Query        *string `json:"query"`
}

// checkRequest refuses what the real service refuses whatever the call: a
// drive_id that is not the user's, a page limit over MaxListLimit.
func (s *Server) checkRequest(path string, body []byte) error {
	var f strictFields
	if len(body) == 0 || json.Unmarshal(body, &f) != nil {
		return nil // the typed decode reports it
	}
	for _, id := range []*string{f.DriveID, f.ToDriveID, f.DriveIDCamel} {
		if id != nil && *id != "" && *id != s.d.opts.DriveID {
			return &drive.Error{Status: http.StatusForbidden, Code: codeForeignDrive,
				Message: fmt.Sprintf("drive %q is not a drive of this user: use default_drive_id from getDriveInfo (%s)", *id, s.d.opts.DriveID)}
		}
	}
	switch path {
	case openapi.PathList, openapi.PathSearch, openapi.PathStarredList:
		if f.Limit != nil && (*f.Limit < 0 || *f.Limit > openapi.MaxListLimit) && !s.opts.LargePages {
			return &drive.Error{Status: http.StatusBadRequest, Code: codeInvalidLimit,
				Message: fmt.Sprintf("The input parameter limit is not valid. limit should be less than or equal to %d (got %d)", openapi.MaxListLimit, *f.Limit)}
		}
	}
	if path == openapi.PathSearch && f.Query != nil {
		return checkSearchQuery(*f.Query)
	}
	return nil
}

// realError rewrites the Go API's errors into the real service's for path:
// an unknown file_id is 404 NotFound.FileId (T-api api_error.go; iOS SDK
// AliyunpanError.swift), a missing path is 400 NotFound.File (T-api
// api_error.go; OpenDAL aliyun_drive/error.rs).
func realError(path string, err error) error {
	var de *drive.Error
	if err == nil || !errors.As(err, &de) || de.Code != drive.CodeNotFoundFile {
		return err
	}
	c := *de
	if path == openapi.PathGetByPath {
		c.Status = http.StatusBadRequest
	} else {
		c.Code = drive.CodeNotFoundFileID
	}
	return &c
}

// nameMode is check_name_mode as the real service reads it: absent means
// ignore (duplicates allowed; PDS CreateFile/MoveFile docs, T-api
// file_api.go FileUpdateParam/FileMoveParam).
func nameMode(m drive.CheckNameMode) drive.CheckNameMode {
	if m == "" {
		return drive.NameIgnore
	}
	return m
}

// copyMode is the name mode of a copy: check_name_mode when given (an
// extension), else auto_rename when asked, else ignore: the real copy has no
// check_name_mode and auto_rename false allows a duplicate name (iOS
// CopyFile.swift, T-api file_api.go FileCopyParam).
func copyMode(autoRename bool, m drive.CheckNameMode) drive.CheckNameMode {
	switch {
	case m != "":
		return m
	case autoRename:
		return drive.NameAutoRename
	}
	return drive.NameIgnore
}

// move answers openFile/move: new_name is used only when the file's name is
// taken at the target ("the new name to use when a same-named file exists":
// T-api file_api.go FileMoveParam; alist aliyundrive_open driver.go Move), it
// is not a rename.
func (s *Server) move(ctx context.Context, r *openapi.MoveRequest) (any, error) {
	d := s.d
	var res *drive.MoveResult
	check := func(ctx context.Context) (bool, error) {
		return s.placeable(ctx, r.FileID, r.ToParentFileID, "", nameMode(r.CheckNameMode))
	}
	task, err := s.asyncOr(ctx, r.FileID, check, func(ctx context.Context) error {
		var dead []string
		err := d.withTx(ctx, func(tx *txn) error {
			name := ""
			if r.NewName != "" {
				f, err := d.mutable(ctx, tx, r.FileID)
				if err != nil {
					return err
				}
				ex, err := d.sibling(ctx, tx, r.ToParentFileID, f.Name, f.FileID)
				if err != nil {
					return err
				}
				if ex != nil {
					name = r.NewName
				}
			}
			var err error
			res, dead, err = d.moveTx(ctx, tx, r.FileID, r.ToParentFileID, name, nameMode(r.CheckNameMode))
			return err
		})
		d.removeBlobsIfUnused(ctx, dead)
		return err
	})
	if err != nil {
		return nil, err
	}
	if task != "" {
		return openapi.MoveResponse{DriveID: d.opts.DriveID, FileID: r.FileID, AsyncTaskID: task}, nil
	}
	return openapi.MoveResponse{DriveID: d.opts.DriveID, FileID: res.FileID, Exist: res.Exist}, nil
}

// checkPartPUT refuses a part PUT the real signed URL refuses: one with a
// Content-Type header (not in the signature: 403 SignatureDoesNotMatch;
// T-cli panupload/upload.go and alist upload.go send none), and one sent
// before its predecessor when parallel upload was not granted (400
// PartNotSequential).
func (s *Server) checkPartPUT(r *http.Request, uploadID string, part int) error {
	if r.Header.Get("Content-Type") != "" {
		return &ossError{status: http.StatusForbidden, code: codeSignatureMismatch,
			msg: "The request signature we calculated does not match the signature you provided. Send the part without a Content-Type header."}
	}
	if s.opts.ParallelUpload || part <= 1 {
		return nil
	}
	parts, err := s.d.UploadedParts(r.Context(), uploadID)
	if err != nil {
		return err
	}
	for _, p := range parts {
		if p.PartNumber == part-1 || p.PartNumber == part {
			return nil
		}
	}
	return &ossError{status: http.StatusBadRequest, code: codePartNotSequential,
		msg: fmt.Sprintf("part %d was sent before part %d: send the parts of a file in order (listUploadedParts did not grant parallelUpload)", part, part-1)}
}

// extensions are the names of the extensions this server serves, for
// PathCapabilities.
func (s *Server) extensions() []string {
	ext := []string{openapi.ExtOverwrite, openapi.ExtBatch, openapi.ExtTrash, openapi.ExtShares}
	if s.opts.LargePages {
		ext = append(ext, openapi.ExtLargePages)
	}
	if fs := s.faults.Load(); fs != nil && len(fs.faults) > 0 {
		ext = append(ext, openapi.ExtFaults)
	}
	return ext
}

// shareAnswer is createShare's answer on the wire (T-api openapi/file_share.go
// FileShareCreateResult): times in openapi.TimeLayout and, for a permanent
// link, expiration "" (T-api aliyunpan_open/file_share.go converts it only
// when non-empty).
type shareAnswer struct {
	ShareID     string       `json:"share_id"`
	ShareURL    string       `json:"share_url"`
	SharePwd    string       `json:"share_pwd"`
	FileIDList  []string     `json:"file_id_list"`
	Expiration  openapi.Time `json:"expiration"`
	Expired     bool         `json:"expired"`
	Status      string       `json:"status"`
	Description string       `json:"description,omitempty"`
	Creator     string       `json:"creator"`
	CreatedAt   openapi.Time `json:"created_at"`
	UpdatedAt   openapi.Time `json:"update_at"`
}

func shareWire(sh *drive.Share, creator string) shareAnswer {
	return shareAnswer{Creator: creator, UpdatedAt: openapi.Time{Time: sh.CreatedAt}, ShareID: sh.ShareID, ShareURL: sh.ShareURL, SharePwd: sh.Password, FileIDList: sh.FileIDs,
		Expiration: openapi.Time{Time: sh.Expiration}, Expired: sh.Expired, Status: sh.Status, Description: sh.Description,
		CreatedAt: openapi.Time{Time: sh.CreatedAt}}
}

// maxOpenConditions is the most conditions a search query may join (T-api
// openapi/file_api.go FileSearchParam: "query拼接的条件 <= 5个").
const maxOpenConditions = 5

// checkSearchQuery refuses a query with more conditions than the Open API
// takes (the Go API of Drive allows maxConditions).
func checkSearchQuery(q string) error {
	toks, err := lex(q)
	if err != nil || len(toks) == 0 {
		return nil // the search itself reports it
	}
	p := &qparser{toks: toks}
	if _, err := p.or(0); err != nil {
		return nil
	}
	if p.conds > maxOpenConditions {
		return &drive.Error{Status: http.StatusBadRequest, Code: "InvalidParameter.Query",
			Message: fmt.Sprintf("the query joins %d conditions; the Open API takes at most %d: split it into several searches", p.conds, maxOpenConditions)}
	}
	return nil
}
