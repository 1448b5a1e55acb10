package client

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/secure-agent/saa/host"
)

// maxOpenAPI bounds the OpenAPI document read by RequiredScopes.
const maxOpenAPI = 8 << 20

// RequiredScopes reads the scopes plugin.action requires from the server's
// OpenAPI document, which is public: a caller learns them before it has a
// token, so that it asks for exactly those (least privilege). An action the
// document does not name wraps host.ErrNotFound. hc nil means a client with
// a 30-second timeout.
func RequiredScopes(ctx context.Context, baseURL string, hc *http.Client, plugin, action string) ([]string, error) {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("client: base URL %q must be an absolute http(s) URL", baseURL)
	}
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	doc := strings.TrimRight(baseURL, "/") + "/openapi.json"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, doc, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", doc, scrub(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxOpenAPI+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", doc, err)
	}
	if len(body) > maxOpenAPI {
		return nil, fmt.Errorf("read %s: over %d bytes", doc, maxOpenAPI)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("read %s: server answered %d", doc, resp.StatusCode)
	}
	return scopesIn(body, plugin, action)
}

// scopesIn finds the OAuth scopes of plugin.action in an OpenAPI document.
func scopesIn(body []byte, plugin, action string) ([]string, error) {
	var doc struct {
		Paths map[string]map[string]struct {
			Security []map[string][]string `json:"security"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("read openapi.json: %w", err)
	}
	op, ok := doc.Paths[actionPath(plugin, action)]["post"]
	if !ok {
		return nil, fmt.Errorf("%w: %s.%s", host.ErrNotFound, plugin, action)
	}
	for _, req := range op.Security {
		if scopes, ok := req["oauth2"]; ok && len(scopes) > 0 {
			return scopes, nil
		}
	}
	return nil, fmt.Errorf("%s.%s: the server's document names no scope for it", plugin, action)
}

func actionPath(plugin, action string) string {
	return "/v1/actions/" + url.PathEscape(plugin) + "/" + url.PathEscape(action)
}
