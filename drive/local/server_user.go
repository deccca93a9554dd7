package local

import (
	"context"
	"net/http"
	"time"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/openapi"
)

// Endpoints of the real Open API that drive/local answers with what a local
// drive has (REFERENCE.md "User and auth", "Share", "Download").
const (
	// pathVipInfo is getVipInfo as the Open API docs and alist name it;
	// pathVipInfoOld is the path T-api aliyunpan_open/openapi/user_api.go
	// (3b06ee8) calls.
	pathVipInfo    = "/business/v1.0/user/getVipInfo"
	pathVipInfoOld = "/v1.0/user/getVipInfo"
	pathUserInfo   = "/oauth/users/info"
	pathUserScopes = "/oauth/users/scopes"
	// pathFastTransfer and pathVideoPlayInfo: T-api openapi/file_share.go,
	// openapi/video_api.go.
	pathFastTransfer  = "/adrive/v1.0/openFile/createFastTransfer"
	pathVideoPlayInfo = "/adrive/v1.0/openFile/getVideoPreviewPlayInfo"
)

// listURLMax: list items carry a download url only for files under 5 MB
// (T-api file_api.go FileItem.Url: "小于 5MB 文件的下载地址"; alist types.go File).
const listURLMax = 5 << 20

// vipInfo is T-api user_api.go UserVipInfoResult plus the fields
// REFERENCE.md lists (level, thirdPartyVip, thirdPartyVipExpire).
type vipInfo struct {
	Identity            string `json:"identity"` // member, vip, svip
	Level               string `json:"level"`
	PromotedAt          string `json:"promotedAt"`
	Expire              int64  `json:"expire"`
	ThirdPartyVip       bool   `json:"thirdPartyVip"`
	ThirdPartyVipExpire int64  `json:"thirdPartyVipExpire"`
}

// userInfo is GET /oauth/users/info (Open API docs: id, name, avatar, phone).
type userInfo struct {
	ID     string  `json:"id"`
	Name   string  `json:"name"`
	Avatar string  `json:"avatar"`
	Phone  *string `json:"phone"`
}

type userScope struct {
	Scope string `json:"scope"`
}

// userScopes is GET /oauth/users/scopes (T-api user_api.go UserScopes).
type userScopes struct {
	ID     string      `json:"id"`
	Scopes []userScope `json:"scopes"`
}

// fastTransferRequest and fastTransferAnswer: REFERENCE.md createFastTransfer.
type fastTransferRequest struct {
	DriveFileList []openapi.FileRequest `json:"drive_file_list"`
}

type fastTransferAnswer struct {
	ShareID       string                `json:"share_id"`
	ShareURL      string                `json:"share_url"`
	Expiration    openapi.Time          `json:"expiration"`
	CreatorID     string                `json:"creator_id"`
	DriveFileList []openapi.FileRequest `json:"drive_file_list"`
}

// userRoutes registers the user, fast-transfer and video routes.
func (s *Server) userRoutes() {
	d, m := s.d, s.mux
	vip := api(s, true, func(context.Context, *struct{}) (any, error) { return vipInfo{Identity: "member"}, nil })
	m.HandleFunc("POST "+pathVipInfo, vip)
	m.HandleFunc("POST "+pathVipInfoOld, vip)
	m.HandleFunc("GET "+pathUserInfo, api(s, true, func(context.Context, *struct{}) (any, error) {
		return userInfo{ID: d.opts.UserName, Name: d.opts.UserName}, nil
	}))
	m.HandleFunc("GET "+pathUserScopes, api(s, true, func(context.Context, *struct{}) (any, error) {
		return userScopes{ID: d.opts.UserName, Scopes: []userScope{{"user:base"}, {"file:all:read"}, {"file:all:write"}}}, nil
	}))
	m.HandleFunc("POST "+pathFastTransfer, api(s, true, func(ctx context.Context, r *fastTransferRequest) (any, error) {
		if n := len(r.DriveFileList); n < 1 || n > 100 {
			return nil, drive.Invalid("drive_file_list has %d files; send 1 to 100", n)
		}
		ids := make([]string, len(r.DriveFileList))
		for i, f := range r.DriveFileList {
			if f.DriveID != "" && f.DriveID != d.opts.DriveID {
				return nil, &drive.Error{Status: http.StatusForbidden, Code: codeForeignDrive, Message: "drive " + f.DriveID + " is not a drive of this user"}
			}
			ids[i] = f.FileID
		}
		sh, err := d.CreateShare(ctx, drive.ShareRequest{FileIDs: ids})
		if err != nil {
			return nil, err
		}
		return fastTransferAnswer{ShareID: sh.ShareID, ShareURL: sh.ShareURL, Expiration: openapi.Time{Time: sh.Expiration},
			CreatorID: d.opts.UserName, DriveFileList: r.DriveFileList}, nil
	}))
	m.HandleFunc("POST "+pathVideoPlayInfo, api(s, true, func(ctx context.Context, r *openapi.FileRequest) (any, error) {
		if _, err := d.Get(ctx, r.FileID); err != nil {
			return nil, err
		}
		// drive/local does not transcode: every file answers as one with no
		// preview (adrive's error table: NotFound.VideoPreviewInfo).
		return nil, &drive.Error{Status: http.StatusNotFound, Code: "NotFound.VideoPreviewInfo",
			Message: "no video preview for file " + r.FileID + ": download it with getDownloadUrl"}
	}))
}

// withURLs sets url on the files of a page under listURLMax, as the real
// list and search answer them.
func (s *Server) withURLs(res *drive.ListResult, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	exp := time.Now().Add(openapi.DefaultDownloadExpireSec * time.Second).Truncate(time.Second)
	for _, f := range res.Items {
		if f.IsFolder() || f.Size >= listURLMax || f.Status != openapi.StatusAvailable || f.URL != "" {
			continue
		}
		u, err := s.d.signedURL(http.MethodGet, downloadPrefix+f.FileID, exp)
		if err != nil {
			return nil, err
		}
		f.URL = u
	}
	return listResponse(res, nil)
}
