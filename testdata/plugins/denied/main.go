// Command denied is a test plugin that attempts host calls outside its
// grant and reports the error code each one got.
package main

import (
	"github.com/wasmdrive/wasmdrive/sdk"
)

func main() {}

// Input names things the test created outside the grant.
type Input struct {
	SecretID  string `json:"secret_id"`  // a file under /secret
	AllowedID string `json:"allowed_id"` // a folder /allowed
	LocalFile string `json:"local_file"` // a host file outside any grant
}

//go:wasmexport try
func try() int32 {
	return sdk.Run(func(ctx sdk.Ctx) (any, error) {
		var in Input
		if err := ctx.Decode(&in); err != nil {
			return nil, err
		}
		codes := map[string]string{}
		rec := func(name string, err error) { codes[name] = sdk.CodeOf(err) }
		_, err := sdk.Get(in.SecretID)
		rec("get_secret", err)
		_, err = sdk.GetByPath("/secret")
		rec("get_by_path_secret", err)
		_, err = sdk.GetByPath("/allowedx")
		rec("get_by_path_sibling", err)
		_, err = sdk.List(sdk.ListOptions{Path: "/secret"})
		rec("list_secret", err)
		_, err = sdk.Mkdir("/secret/new")
		rec("mkdir_secret", err)
		_, err = sdk.Move(in.SecretID, in.AllowedID, "")
		rec("move_out_of_secret", err)
		_, err = sdk.Copy(in.SecretID, in.AllowedID, "", false)
		rec("copy_secret", err)
		rec("trash", sdk.Trash(in.SecretID))
		rec("delete", sdk.Delete(in.SecretID))
		_, err = sdk.CreateShare(sdk.ShareRequest{FileIDs: []string{in.SecretID}})
		rec("share", err)
		rec("request", sdk.Request("/adrive/v1.0/user/getDriveInfo", nil, nil))
		_, err = sdk.KVGet("x")
		rec("kv", err)
		rec("emit", sdk.Emit("any.subject", 1, nil))
		_, err = sdk.LocalStat(in.LocalFile)
		rec("local_stat", err)
		_, err = sdk.Upload(sdk.UploadRequest{LocalPath: in.LocalFile, ParentFileID: in.AllowedID})
		rec("upload_local", err)
		res, err := sdk.Batch([]sdk.BatchItem{sdk.TrashItem(in.SecretID)}, sdk.BatchOptions{})
		rec("batch", err)
		if len(res) == 1 {
			codes["batch_item"] = res[0].Code
		}
		// Allowed calls still work.
		_, err = sdk.Mkdir("/allowed/sub")
		rec("mkdir_allowed", err)
		return codes, nil
	})
}
