package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// callTimeout bounds an action call through a server: longer than the
// operator's default plugin timeout cap (30 s).
const callTimeout = 2 * time.Minute

// maxRemoteAnswer bounds an answer read by `saa call --server`: the
// operator's default output cap (16 MiB) with room to spare.
const maxRemoteAnswer = 32 << 20

// callRemote invokes the action through the server's REST API, as an agent
// would. Without a --token it gets one with the client-credentials grant
// for exactly the scopes the server's /openapi.json says the action needs.
func callRemote(ctx context.Context, o callOptions) ([]byte, error) {
	token := o.token
	if token == "" {
		scopes, err := remoteScopes(ctx, o.server, o.plugin, o.action)
		if err != nil {
			return nil, err
		}
		if token, err = clientToken(ctx, o.server, o.clientID, o.clientSecret, strings.Join(scopes, " ")); err != nil {
			return nil, err
		}
	}
	req, err := newCLIRequest(ctx, o.server, actionPath(o.plugin, o.action), "application/json", o.input)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	status, body, err := doCLI(req, callTimeout)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("%s.%s: server answered %d: %s", o.plugin, o.action, status, describeError(body))
	}
	return body, nil
}

func actionPath(plugin, action string) string {
	return "/v1/actions/" + url.PathEscape(plugin) + "/" + url.PathEscape(action)
}

// remoteScopes reads the scopes plugin.action requires from the server's
// OpenAPI document (public, generated from the plugins it runs).
func remoteScopes(ctx context.Context, server, plugin, action string) ([]string, error) {
	req, err := newCLIRequest(ctx, server, "/openapi.json", "", nil)
	if err != nil {
		return nil, err
	}
	req, err = http.NewRequestWithContext(ctx, http.MethodGet, req.URL.String(), nil)
	if err != nil {
		return nil, err
	}
	status, body, err := doCLI(req, cliHTTPTimeout)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("read %s/openapi.json: server answered %d", server, status)
	}
	var doc struct {
		Paths map[string]map[string]struct {
			Security []map[string][]string `json:"security"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("read %s/openapi.json: %w", server, err)
	}
	op, ok := doc.Paths[actionPath(plugin, action)]["post"]
	if !ok {
		return nil, fmt.Errorf("%s.%s: %w on %s", plugin, action, errNoAction, server)
	}
	for _, req := range op.Security {
		if scopes, ok := req["oauth2"]; ok && len(scopes) > 0 {
			return scopes, nil
		}
	}
	return nil, fmt.Errorf("%s.%s: the server's document names no scope for it", plugin, action)
}

// errNoAction means the server does not run the action.
var errNoAction = errors.New("no such action")

// doCLI sends req and returns the status and the bounded body.
func doCLI(req *http.Request, timeout time.Duration) (int, []byte, error) {
	resp, err := (&http.Client{Timeout: timeout}).Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("call %s: %w", req.URL.Redacted(), err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxRemoteAnswer+1))
	if err != nil {
		return 0, nil, fmt.Errorf("read answer: %w", err)
	}
	if len(body) > maxRemoteAnswer {
		return 0, nil, fmt.Errorf("read answer: over %d bytes", maxRemoteAnswer)
	}
	return resp.StatusCode, bytes.TrimRight(body, "\n"), nil
}
