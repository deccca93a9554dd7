package aliyun

import (
	"context"
	"errors"
	"net/http"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/openapi"
)

// hasExtension reports whether the server advertises the extension name at
// openapi.PathCapabilities. It is asked once per client: the real service
// answers the path with its 404 route, which means no extensions. Nothing
// in the client guesses from the base URL. A failure to ask (network) is
// "no" for this call and asked again next time; any other refusal (4xx) is
// a definite "none".
func (c *Client) hasExtension(ctx context.Context, name string) bool {
	c.extMu.Lock()
	defer c.extMu.Unlock()
	if c.ext == nil {
		var r openapi.Capabilities
		err := c.call(ctx, openapi.PathCapabilities, nil, &r, idempotent)
		var de *drive.Error
		definite := isUnknownRoute(err) || errors.As(err, &de) && de.Status/100 == 4 && de.Status != http.StatusTooManyRequests
		if err != nil && !definite {
			c.log.Debug("aliyun: capabilities unknown", "err", err)
			return false
		}
		c.ext = map[string]bool{}
		for _, e := range r.Extensions {
			c.ext[e] = true
		}
	}
	return c.ext[name]
}
