package sdk

import (
	"time"

	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// GetDriveInfo returns the account's user and drive ids (drive.read).
func GetDriveInfo() (*DriveInfo, error) {
	var r DriveInfo
	return &r, call(abi.FnDriveInfo, nil, &r)
}

// Space returns the drive's used and total bytes (drive.read).
func Space() (*SpaceInfo, error) {
	var r SpaceInfo
	return &r, call(abi.FnDriveSpace, nil, &r)
}

// Get returns a file by id (drive.read).
func Get(fileID string) (*File, error) {
	var r File
	if err := call(abi.FnDriveGet, abi.GetRequest{FileID: fileID}, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// GetByPath returns the file at an absolute drive path ("/a/b.txt").
func GetByPath(path string) (*File, error) {
	var r File
	if err := call(abi.FnDriveGetByPath, abi.GetByPathRequest{Path: path}, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// List returns one page of a folder (by opts.ParentFileID or opts.Path;
// neither = the root) or, with opts.Trash, of the trash. See ListAll.
func List(opts ListOptions) (*ListResult, error) {
	var r ListResult
	if err := call(abi.FnDriveList, opts, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// Search runs a query in the Open API query language, one page.
func Search(opts SearchOptions) (*ListResult, error) {
	var r ListResult
	if err := call(abi.FnDriveSearch, opts, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// Mkdir creates every missing folder of an absolute path (mkdir -p) and
// returns the last one (drive.write).
func Mkdir(path string) (*File, error) {
	var r CreateResult
	if err := call(abi.FnDriveMkdir, abi.MkdirRequest{Path: path}, &r); err != nil {
		return nil, err
	}
	return r.File, nil
}

// CreateFolder creates folder name in parentID; mode is a Name* constant
// ("" = NameRefuse: an existing folder is returned with Exist set).
func CreateFolder(parentID, name, mode string) (*CreateResult, error) {
	var r CreateResult
	if err := call(abi.FnDriveMkdir, abi.MkdirRequest{ParentFileID: parentID, Name: name, CheckNameMode: mode}, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// Rename renames a file or folder (drive.write).
func Rename(fileID, name string) (*File, error) {
	var r File
	if err := call(abi.FnDriveRename, abi.RenameRequest{FileID: fileID, Name: name}, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// Move moves fileID into folder toParentID, optionally renaming it
// (newName "" keeps the name). Needs drive.write on both places.
func Move(fileID, toParentID, newName string) (*MoveResult, error) {
	var r MoveResult
	if err := call(abi.FnDriveMove, abi.MoveRequest{FileID: fileID, ToParentID: toParentID, NewName: newName}, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// Copy copies fileID into folder toParentID (drive.read on the source,
// drive.write on the target); autoRename picks a free name on conflicts.
func Copy(fileID, toParentID, newName string, autoRename bool) (*MoveResult, error) {
	var r MoveResult
	req := abi.CopyRequest{FileID: fileID, ToParentID: toParentID, NewName: newName, AutoRename: autoRename}
	if err := call(abi.FnDriveCopy, req, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// Trash moves a file to the trash (drive.delete).
func Trash(fileID string) error {
	return call(abi.FnDriveTrash, abi.FileRequest{FileID: fileID}, nil)
}

// Restore brings a file back from the trash (drive.write; not every backend).
func Restore(fileID string) error {
	return call(abi.FnDriveRestore, abi.FileRequest{FileID: fileID}, nil)
}

// Delete removes a file permanently (drive.delete).
func Delete(fileID string) error {
	return call(abi.FnDriveDelete, abi.FileRequest{FileID: fileID}, nil)
}

// Upload streams a host file to the drive; the bytes never enter the
// plugin (local read grant on req.LocalPath, drive.write on the folder).
func Upload(req UploadRequest) (*UploadResult, error) {
	var r UploadResult
	if err := call(abi.FnDriveUpload, req, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// Download writes a drive file to a host path (local write grant); the
// bytes never enter the plugin.
func Download(req DownloadRequest) (*DownloadResult, error) {
	var r DownloadResult
	if err := call(abi.FnDriveDownload, req, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// GetDownloadURL returns a link valid for expire (0 = 15 minutes).
func GetDownloadURL(fileID string, expire time.Duration) (*DownloadURL, error) {
	var r DownloadURL
	req := abi.DownloadURLRequest{FileID: fileID, ExpireSeconds: int(expire / time.Second)}
	if err := call(abi.FnDriveDownloadURL, req, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// CreateShare creates a share link for files (drive.share).
func CreateShare(req ShareRequest) (*Share, error) {
	var r Share
	if err := call(abi.FnShareCreate, req, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// ListShares returns one page of the account's share links.
func ListShares(limit int, marker string) (*ShareList, error) {
	var r ShareList
	if err := call(abi.FnShareList, abi.ShareListRequest{Limit: limit, Marker: marker}, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// CancelShare cancels a share link.
func CancelShare(shareID string) error {
	return call(abi.FnShareCancel, abi.ShareCancelRequest{ShareID: shareID}, nil)
}

// Request makes a raw authenticated call to any drive API path
// ("/adrive/v1.0/...") with body encoded as JSON, decoding the answer into
// out (nil to ignore). Needs the drive.request capability.
func Request(path string, body, out any) error {
	var raw []byte
	if body != nil {
		var err error
		if raw, err = marshal(body); err != nil {
			return err
		}
	}
	return call(abi.FnDriveRequest, abi.RawRequest{Path: path, Body: raw}, out)
}
