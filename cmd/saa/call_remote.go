package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/secure-agent/saa/host/client"
)

// callTimeout bounds an action call through a server: longer than the
// operator's default plugin timeout cap (30 s).
const callTimeout = 2 * time.Minute

// callRemote invokes the action through the server's REST API, as an agent
// would. Without a --token it gets one with the client-credentials grant
// for exactly the scopes the server's /openapi.json says the action needs.
func callRemote(ctx context.Context, o callOptions) ([]byte, error) {
	cfg := client.Config{BaseURL: o.server, Token: o.token, HTTPClient: &http.Client{Timeout: callTimeout}}
	if o.token == "" {
		scopes, err := client.RequiredScopes(ctx, o.server, &http.Client{Timeout: cliHTTPTimeout}, o.plugin, o.action)
		if err != nil {
			return nil, fmt.Errorf("%w on %s", err, o.server)
		}
		cfg.ClientID, cfg.ClientSecret, cfg.Scopes = o.clientID, o.clientSecret, scopes
	}
	cl, err := client.New(ctx, cfg)
	if err != nil {
		return nil, err
	}
	out, err := cl.Call(ctx, o.plugin, o.action, o.input)
	if err != nil {
		return nil, fmt.Errorf("%s.%s: %w", o.plugin, o.action, err)
	}
	return bytes.TrimRight(out, "\n"), nil
}
