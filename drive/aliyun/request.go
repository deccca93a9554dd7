package aliyun

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/wasmdrive/wasmdrive/drive"
)

// Request is a raw authenticated POST of body (a JSON object; empty means
// {}) to an API path such as "/adrive/v1.0/openFile/get". For paths under
// /adrive/v1.0/openFile/ a missing "drive_id" is filled with the account's
// default drive. The call goes through the limiter, token refresh and the
// retry policy of a non-idempotent call. path must be a path on the
// configured API host: an absolute URL is refused, so the access token is
// never sent elsewhere.
func (c *Client) Request(ctx context.Context, path string, body json.RawMessage) (json.RawMessage, error) {
	if !strings.HasPrefix(path, "/") || strings.HasPrefix(path, "//") || strings.ContainsAny(path, "?#\\") {
		return nil, drive.Invalid("request path %q must be an API path like /adrive/v1.0/openFile/get", path)
	}
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		body = json.RawMessage("{}")
	}
	if strings.HasPrefix(path, "/adrive/v1.0/openFile/") {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(body, &obj); err != nil {
			return nil, drive.Invalid("request body is not a JSON object: %v", err)
		}
		if _, ok := obj["drive_id"]; !ok {
			did, err := c.DriveID(ctx)
			if err != nil {
				return nil, err
			}
			obj["drive_id"], _ = json.Marshal(did)
			b, err := json.Marshal(obj)
			if err != nil {
				return nil, fmt.Errorf("request %s: %w", path, err)
			}
			body = b
		}
	} else if !json.Valid(body) {
		return nil, drive.Invalid("request body is not valid JSON")
	}
	var out json.RawMessage
	if err := c.call(ctx, path, body, &out, notIdempotent); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		out = json.RawMessage("{}")
	}
	return out, nil
}
