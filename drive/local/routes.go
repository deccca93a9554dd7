package local

import (
	"context"
	"net/http"
	"time"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/openapi"
)

// routes registers every endpoint.
func (s *Server) routes() {
	d := s.d
	m := s.mux
	m.HandleFunc("POST "+openapi.PathDriveInfo, api(s, true, func(ctx context.Context, _ *struct{}) (any, error) { return d.DriveInfo(ctx) }))
	m.HandleFunc("POST "+openapi.PathSpaceInfo, api(s, true, func(ctx context.Context, _ *struct{}) (any, error) {
		si, err := d.SpaceInfo(ctx)
		if err != nil {
			return nil, err
		}
		return openapi.SpaceInfoResponse{PersonalSpaceInfo: *si}, nil
	}))
	m.HandleFunc("POST "+openapi.PathGet, api(s, true, func(ctx context.Context, r *openapi.FileRequest) (any, error) { return d.Get(ctx, r.FileID) }))
	m.HandleFunc("POST "+openapi.PathGetByPath, api(s, true, func(ctx context.Context, r *openapi.GetByPathRequest) (any, error) {
		return d.GetByPath(ctx, r.FilePath)
	}))
	m.HandleFunc("POST "+openapi.PathList, api(s, true, func(ctx context.Context, r *openapi.ListRequest) (any, error) {
		res, err := d.List(ctx, drive.ListOptions{ParentFileID: r.ParentFileID, Limit: r.Limit, Marker: r.Marker,
			OrderBy: r.OrderBy, OrderDirection: r.OrderDirection, Type: r.Type, Category: r.Category})
		return s.withURLs(res, err)
	}))
	m.HandleFunc("POST "+openapi.PathListTrash, api(s, true, func(ctx context.Context, r *openapi.ListRequest) (any, error) {
		res, err := d.ListTrash(ctx, drive.ListOptions{Limit: r.Limit, Marker: r.Marker, OrderBy: r.OrderBy, OrderDirection: r.OrderDirection})
		return listResponse(res, err)
	}))
	m.HandleFunc("POST "+openapi.PathSearch, api(s, true, func(ctx context.Context, r *openapi.SearchRequest) (any, error) {
		res, err := d.Search(ctx, drive.SearchOptions{Query: r.Query, Limit: r.Limit, Marker: r.Marker, OrderBy: r.OrderBy, ReturnTotal: r.ReturnTotalCount})
		return s.withURLs(res, err)
	}))
	m.HandleFunc("POST "+openapi.PathStarredList, api(s, true, func(ctx context.Context, r *openapi.ListRequest) (any, error) {
		// T-api openapi/file_api.go FileStarredListParam: drive_id, limit, marker, order_by, order_direction, type.
		q := "starred = true"
		if r.Type == drive.TypeFile || r.Type == drive.TypeFolder {
			q += " and type = '" + r.Type + "'"
		}
		by := r.OrderBy
		if by != "" && r.OrderDirection != "" {
			by += " " + r.OrderDirection
		}
		res, err := d.Search(ctx, drive.SearchOptions{Query: q, Limit: r.Limit, Marker: r.Marker, OrderBy: by})
		return s.withURLs(res, err)
	}))
	m.HandleFunc("POST "+openapi.PathCreate, api(s, true, s.create))
	m.HandleFunc("POST "+openapi.PathUpdate, api(s, true, func(ctx context.Context, r *openapi.UpdateRequest) (any, error) {
		opts := drive.UpdateOptions{Starred: r.Starred, CheckNameMode: nameMode(r.CheckNameMode)}
		if r.Name != "" {
			opts.Name = &r.Name
		}
		return d.Update(ctx, r.FileID, opts)
	}))
	m.HandleFunc("POST "+openapi.PathMove, api(s, true, s.move))
	m.HandleFunc("POST "+openapi.PathCopy, api(s, true, s.copy))
	m.HandleFunc("POST "+openapi.PathTrash, api(s, true, s.trash))
	m.HandleFunc("POST "+openapi.PathDelete, api(s, true, s.remove))
	m.HandleFunc("POST "+openapi.PathAsyncTask, api(s, true, s.taskState))
	m.HandleFunc("POST "+openapi.PathRestore, api(s, true, func(ctx context.Context, r *openapi.FileRequest) (any, error) {
		return openapi.AsyncTaskResponse{DriveID: d.opts.DriveID, FileID: r.FileID}, d.Restore(ctx, r.FileID)
	}))
	m.HandleFunc("POST "+openapi.PathGetUploadURL, api(s, true, s.getUploadURL))
	m.HandleFunc("POST "+openapi.PathListUploadedParts, api(s, true, func(ctx context.Context, r *openapi.ListUploadedPartsRequest) (any, error) {
		parts, err := d.UploadedParts(ctx, r.UploadID)
		if err != nil {
			return nil, err
		}
		return openapi.ListUploadedPartsResponse{DriveID: d.opts.DriveID, UploadID: r.UploadID, UploadedParts: parts,
			ParallelUpload: s.opts.ParallelUpload}, nil
	}))
	m.HandleFunc("POST "+openapi.PathComplete, api(s, true, func(ctx context.Context, r *openapi.CompleteRequest) (any, error) {
		return d.Complete(ctx, r.FileID, r.UploadID)
	}))
	m.HandleFunc("POST "+openapi.PathGetDownloadURL, api(s, true, func(ctx context.Context, r *openapi.DownloadURLRequest) (any, error) {
		return d.DownloadURL(ctx, r.FileID, time.Duration(r.ExpireSec)*time.Second)
	}))
	m.HandleFunc("POST "+openapi.PathCreateShare, api(s, true, s.createShare))
	m.HandleFunc("POST "+openapi.PathListShares, api(s, true, func(ctx context.Context, r *openapi.ShareListRequest) (any, error) {
		return d.ListShares(ctx, drive.ListOptions{Limit: r.Limit, Marker: r.Marker})
	}))
	m.HandleFunc("POST "+openapi.PathCancelShare, api(s, true, func(ctx context.Context, r *openapi.ShareCancelRequest) (any, error) {
		return struct{}{}, d.CancelShare(ctx, r.ShareID)
	}))
	m.HandleFunc("POST "+openapi.PathBatch, api(s, true, s.batch))
	m.HandleFunc("POST "+openapi.PathCapabilities, api(s, true, func(context.Context, *struct{}) (any, error) {
		return openapi.Capabilities{Extensions: s.extensions()}, nil
	}))
	m.HandleFunc("POST "+openapi.PathAccessToken, api(s, false, func(ctx context.Context, r *openapi.AccessTokenRequest) (any, error) {
		return d.exchangeToken(ctx, *r, s.opts.AccessTokenTTL)
	}))
	m.HandleFunc("GET "+openapi.PathAuthorize, s.authorize)
	m.HandleFunc("POST "+openapi.PathAuthorize, s.decide)
	m.HandleFunc("PUT "+uploadPrefix+"{upload}/{part}", s.putPart)
	m.HandleFunc("GET "+downloadPrefix+"{file}", s.download)
	s.userRoutes()
	m.HandleFunc("GET "+SharePrefix, func(w http.ResponseWriter, r *http.Request) {
		if !d.ServeSharePage(w, r) {
			s.notFoundRoute(w, r)
		}
	})
	m.HandleFunc("/", s.notFoundRoute)
}

func listResponse(res *drive.ListResult, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	return openapi.ListResponse{Items: res.Items, NextMarker: res.NextMarker, TotalCount: res.TotalCount}, nil
}
