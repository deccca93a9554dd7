// Package openapi holds the wire contract of the Aliyun Drive Open Platform
// API (openapi.alipan.com) as spoken by both drive/local's HTTP server and the
// drive/aliyun client: the request paths, the request and response bodies
// with their real JSON field names, the error bodies, the rapid-upload proof
// and the part-size rule.
//
// Everything under /adrive/v1.0 mirrors the public Open API. The few paths
// the Open API lacks (restore from trash, list trash, list and cancel shares,
// batch) are extensions served by drive/local at the paths documented below;
// a client must treat a 404 on them from the real service as "unsupported".
package openapi

// Open API paths (POST, JSON body, Authorization: Bearer <access_token>).
const (
	PathDriveInfo         = "/adrive/v1.0/user/getDriveInfo"
	PathSpaceInfo         = "/adrive/v1.0/user/getSpaceInfo"
	PathGet               = "/adrive/v1.0/openFile/get"
	PathGetByPath         = "/adrive/v1.0/openFile/get_by_path"
	PathList              = "/adrive/v1.0/openFile/list"
	PathSearch            = "/adrive/v1.0/openFile/search"
	PathCreate            = "/adrive/v1.0/openFile/create"
	PathUpdate            = "/adrive/v1.0/openFile/update"
	PathMove              = "/adrive/v1.0/openFile/move"
	PathCopy              = "/adrive/v1.0/openFile/copy"
	PathTrash             = "/adrive/v1.0/openFile/recyclebin/trash"
	PathDelete            = "/adrive/v1.0/openFile/delete"
	PathGetUploadURL      = "/adrive/v1.0/openFile/getUploadUrl"
	PathListUploadedParts = "/adrive/v1.0/openFile/listUploadedParts"
	PathComplete          = "/adrive/v1.0/openFile/complete"
	PathGetDownloadURL    = "/adrive/v1.0/openFile/getDownloadUrl"
	PathCreateShare       = "/adrive/v1.0/openFile/createShare"
	PathAsyncTask         = "/adrive/v1.0/openFile/async_task/get"
	PathStarredList       = "/adrive/v1.0/openFile/starredList"

	// PathAccessToken exchanges an authorization code or a refresh token for
	// tokens (body AccessTokenRequest, answer TokenResponse; no bearer).
	PathAccessToken = "/oauth/access_token"
	// PathAuthorize is the browser step of the authorization-code flow
	// (GET with client_id, redirect_uri, response_type=code, state,
	// code_challenge, code_challenge_method=S256). drive/local shows a
	// consent page; when the user approves it (a POST to the same path) it
	// redirects to the registered redirect_uri?code=...&state=....
	PathAuthorize = "/oauth/authorize"
)

// Extensions served by drive/local (absent from the public Open API).
const (
	// PathRestore restores a trashed file (body FileRequest; 204 or 200 {}).
	PathRestore = "/adrive/v1.0/openFile/recyclebin/restore"
	// PathListTrash lists the recycle bin (body ListRequest without parent; answer ListResponse).
	PathListTrash = "/adrive/v1.0/openFile/recyclebin/list"
	// PathListShares lists share links (body ShareListRequest; answer drive.ShareList).
	PathListShares = "/adrive/v1.0/openFile/share/list"
	// PathCancelShare cancels a share link (body ShareCancelRequest).
	PathCancelShare = "/adrive/v1.0/openFile/share/cancel"
	// PathCapabilities answers the extensions a server adds to the Open API
	// (body {}, answer Capabilities). The real service has no such path (a
	// 404 route): it has no extensions. Clients ask here instead of guessing
	// from the base URL.
	PathCapabilities = "/adrive/v1.0/wasmdrive/capabilities"
	// PathBatch runs up to MaxBatch sub-requests in the web API's shape
	// (body BatchRequest, answer BatchResponse, HTTP 200 with per-item status).
	PathBatch = "/adrive/v1.0/openFile/batch"
)

// Capabilities is the answer of PathCapabilities.
type Capabilities struct {
	Extensions []string `json:"extensions"`
}

// Names of extensions a server may advertise in Capabilities.
const (
	// ExtOverwrite: create takes check_name_mode "overwrite" and replaces
	// the file of that name atomically at completion.
	ExtOverwrite = "check_name_mode.overwrite"
	// ExtLargePages: list and search accept limit > MaxListLimit.
	ExtLargePages = "list_limit.large"
	// ExtBatch: PathBatch is served.
	ExtBatch = "batch"
	// ExtTrash: PathRestore and PathListTrash are served.
	ExtTrash = "recyclebin"
	// ExtShares: PathListShares and PathCancelShare are served.
	ExtShares = "share.manage"
	// ExtFaults: the server injects faults (429, 5xx, resets, expired
	// URLs or tokens) on purpose; advertised while any are configured.
	ExtFaults = "faults"
)

// Sub-request URLs accepted inside a PathBatch request (the web API's names).
const (
	BatchURLGet     = "/file/get"
	BatchURLMove    = "/file/move"
	BatchURLCopy    = "/file/copy"
	BatchURLUpdate  = "/file/update"
	BatchURLDelete  = "/file/delete"
	BatchURLTrash   = "/recyclebin/trash"
	BatchURLRestore = "/recyclebin/restore"
	BatchURLCancel  = "/share_link/cancel"
)

// Limits of the API.
const (
	// MaxBatch is the most sub-requests one PathBatch call carries.
	MaxBatch = 100
	// MaxParts is the most parts one upload may have.
	MaxParts = 10000
	// DefaultPartSize is the part size clients use unless the file is too
	// large for MaxParts parts of it.
	DefaultPartSize = 10 << 20
	// PreHashSize is how many leading bytes pre_hash covers.
	PreHashSize = 1024
	// MaxNameBytes is the longest file name accepted.
	MaxNameBytes = 1024
	// DefaultListLimit and MaxListLimit bound list and search pages.
	DefaultListLimit = 50
	MaxListLimit     = 100
	// DefaultDownloadExpireSec and MaxDownloadExpireSec bound getDownloadUrl's expire_sec.
	DefaultDownloadExpireSec = 900
	MaxDownloadExpireSec     = 14400
)

// HTTP header names the API uses.
const (
	// HeaderRetryAfter carries, on a 429, how many milliseconds to wait.
	HeaderRetryAfter = "x-retry-after"
	// HeaderRequestID echoes the request id of an answer.
	HeaderRequestID = "x-request-id"
)

// Query parameters of pre-signed part-upload and download URLs (OSS style).
// QueryExpires is an absolute Unix time in seconds, as OSS2/3 URLs carry it.
const (
	QueryExpires   = "x-oss-expires"
	QuerySignature = "x-oss-signature"
)

// Values of enumerated fields.
const (
	ContentHashNameSHA1 = "sha1"
	ProofVersionV1      = "v1"
	StatusAvailable     = "available"
	StatusUploading     = "uploading"
	GrantAuthCode       = "authorization_code"
	GrantRefreshToken   = "refresh_token"
	TokenTypeBearer     = "Bearer"
)
