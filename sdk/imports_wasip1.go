//go:build wasip1

package sdk

import "github.com/wasmdrive/wasmdrive/sdk/abi"

// The host function imports. Each takes the offset of a JSON request in
// extism memory (0 for none) and returns the offset of the JSON envelope.

//go:wasmimport extism:host/user wd_drive_info
func wdDriveInfo(uint64) uint64

//go:wasmimport extism:host/user wd_drive_space
func wdDriveSpace(uint64) uint64

//go:wasmimport extism:host/user wd_drive_get
func wdDriveGet(uint64) uint64

//go:wasmimport extism:host/user wd_drive_get_by_path
func wdDriveGetByPath(uint64) uint64

//go:wasmimport extism:host/user wd_drive_list
func wdDriveList(uint64) uint64

//go:wasmimport extism:host/user wd_drive_search
func wdDriveSearch(uint64) uint64

//go:wasmimport extism:host/user wd_drive_mkdir
func wdDriveMkdir(uint64) uint64

//go:wasmimport extism:host/user wd_drive_rename
func wdDriveRename(uint64) uint64

//go:wasmimport extism:host/user wd_drive_move
func wdDriveMove(uint64) uint64

//go:wasmimport extism:host/user wd_drive_copy
func wdDriveCopy(uint64) uint64

//go:wasmimport extism:host/user wd_drive_trash
func wdDriveTrash(uint64) uint64

//go:wasmimport extism:host/user wd_drive_restore
func wdDriveRestore(uint64) uint64

//go:wasmimport extism:host/user wd_drive_delete
func wdDriveDelete(uint64) uint64

//go:wasmimport extism:host/user wd_drive_batch
func wdDriveBatch(uint64) uint64

//go:wasmimport extism:host/user wd_drive_upload
func wdDriveUpload(uint64) uint64

//go:wasmimport extism:host/user wd_drive_download
func wdDriveDownload(uint64) uint64

//go:wasmimport extism:host/user wd_drive_download_url
func wdDriveDownloadUrl(uint64) uint64

//go:wasmimport extism:host/user wd_drive_request
func wdDriveRequest(uint64) uint64

//go:wasmimport extism:host/user wd_share_create
func wdShareCreate(uint64) uint64

//go:wasmimport extism:host/user wd_share_list
func wdShareList(uint64) uint64

//go:wasmimport extism:host/user wd_share_cancel
func wdShareCancel(uint64) uint64

//go:wasmimport extism:host/user wd_local_list
func wdLocalList(uint64) uint64

//go:wasmimport extism:host/user wd_local_stat
func wdLocalStat(uint64) uint64

//go:wasmimport extism:host/user wd_local_sha1
func wdLocalSha1(uint64) uint64

//go:wasmimport extism:host/user wd_kv_get
func wdKvGet(uint64) uint64

//go:wasmimport extism:host/user wd_kv_put
func wdKvPut(uint64) uint64

//go:wasmimport extism:host/user wd_kv_delete
func wdKvDelete(uint64) uint64

//go:wasmimport extism:host/user wd_kv_list
func wdKvList(uint64) uint64

//go:wasmimport extism:host/user wd_log
func wdLog(uint64) uint64

//go:wasmimport extism:host/user wd_progress
func wdProgress(uint64) uint64

//go:wasmimport extism:host/user wd_emit
func wdEmit(uint64) uint64

//go:wasmimport extism:host/user wd_config
func wdConfig(uint64) uint64

//go:wasmimport extism:host/user wd_now
func wdNow(uint64) uint64

//go:wasmimport extism:host/user wd_sleep
func wdSleep(uint64) uint64

//go:wasmimport extism:host/user wd_run_info
func wdRunInfo(uint64) uint64

// imports maps each abi function name to its import.
var imports = map[string]func(uint64) uint64{
	abi.FnDriveInfo:        wdDriveInfo,
	abi.FnDriveSpace:       wdDriveSpace,
	abi.FnDriveGet:         wdDriveGet,
	abi.FnDriveGetByPath:   wdDriveGetByPath,
	abi.FnDriveList:        wdDriveList,
	abi.FnDriveSearch:      wdDriveSearch,
	abi.FnDriveMkdir:       wdDriveMkdir,
	abi.FnDriveRename:      wdDriveRename,
	abi.FnDriveMove:        wdDriveMove,
	abi.FnDriveCopy:        wdDriveCopy,
	abi.FnDriveTrash:       wdDriveTrash,
	abi.FnDriveRestore:     wdDriveRestore,
	abi.FnDriveDelete:      wdDriveDelete,
	abi.FnDriveBatch:       wdDriveBatch,
	abi.FnDriveUpload:      wdDriveUpload,
	abi.FnDriveDownload:    wdDriveDownload,
	abi.FnDriveDownloadURL: wdDriveDownloadUrl,
	abi.FnDriveRequest:     wdDriveRequest,
	abi.FnShareCreate:      wdShareCreate,
	abi.FnShareList:        wdShareList,
	abi.FnShareCancel:      wdShareCancel,
	abi.FnLocalList:        wdLocalList,
	abi.FnLocalStat:        wdLocalStat,
	abi.FnLocalSHA1:        wdLocalSha1,
	abi.FnKVGet:            wdKvGet,
	abi.FnKVPut:            wdKvPut,
	abi.FnKVDelete:         wdKvDelete,
	abi.FnKVList:           wdKvList,
	abi.FnLog:              wdLog,
	abi.FnProgress:         wdProgress,
	abi.FnEmit:             wdEmit,
	abi.FnConfig:           wdConfig,
	abi.FnNow:              wdNow,
	abi.FnSleep:            wdSleep,
	abi.FnRunInfo:          wdRunInfo,
}
