// Package client is the REST client of a remote SAA for Go agents: it
// implements agents.Invoker over /v1, getting and refreshing its access
// token with the OAuth 2.0 client-credentials grant
// (golang.org/x/oauth2/clientcredentials), so the same agent definitions
// run against a remote server as in-process.
//
// The server is the boundary: it checks the token's scopes and the input
// schema on every call. The client also refuses locally what the principal
// given to it may not call, so that a sub-agent narrowed below the token's
// scopes stays narrowed; and when it holds client credentials, it calls for
// a sub-agent (a principal with a delegation chain) with a token exchanged
// (RFC 8693) for the sub-agent's scopes, so the server enforces the
// narrowing as well. This package must never log a token, a secret or a
// body.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/manifests"
)

// Config configures a Client.
type Config struct {
	// BaseURL is the server's root, such as https://saa.example.com.
	BaseURL string
	// ClientID and ClientSecret get tokens with the client-credentials
	// grant; Token, if set instead, is used as is.
	ClientID, ClientSecret string
	Token                  string
	// Scopes are asked for; empty asks for every scope the client has.
	Scopes []string
	// HTTPClient sends the requests; nil means one with a 5-minute timeout.
	HTTPClient *http.Client
}

// Client calls a remote SAA. It is safe for concurrent use.
type Client struct {
	base string
	hc   *http.Client
	// exchange gets a narrower token for a delegated principal; nil when
	// the client holds a fixed token and cannot authenticate to exchange.
	exchange *exchanger

	mu      sync.Mutex
	catalog []entry
	loaded  time.Time
}

type entry struct {
	info   host.ActionInfo
	schema *jsonschema.Schema
}

// catalogTTL is how long a fetched catalog is reused.
const catalogTTL = 30 * time.Second

// maxBody bounds an answer read from the server.
const maxBody = 32 << 20

// New returns a client for cfg.
func New(ctx context.Context, cfg Config) (*Client, error) {
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("client: base URL %q must be an absolute http(s) URL", cfg.BaseURL)
	}
	base := strings.TrimRight(cfg.BaseURL, "/")
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 5 * time.Minute}
	}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, hc)
	var ts oauth2.TokenSource
	switch {
	case cfg.Token != "":
		ts = oauth2.StaticTokenSource(&oauth2.Token{AccessToken: cfg.Token, TokenType: "Bearer"})
	case cfg.ClientID != "" && cfg.ClientSecret != "":
		cc := clientcredentials.Config{
			ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, Scopes: cfg.Scopes,
			TokenURL: base + "/oauth2/token", AuthStyle: oauth2.AuthStyleInHeader,
		}
		ts = cc.TokenSource(ctx)
	default:
		return nil, errors.New("client: a client id and secret, or a token, is required")
	}
	authed := oauth2.NewClient(ctx, ts)
	authed.Timeout = hc.Timeout
	c := &Client{base: base, hc: authed}
	if cfg.Token == "" {
		c.exchange = newExchanger(base, cfg.ClientID, cfg.ClientSecret, ts, hc)
	}
	return c, nil
}

// Actions lists the actions the token may call and p holds every scope of.
func (c *Client) Actions(ctx context.Context, p host.Principal) ([]host.ActionInfo, error) {
	cat, err := c.load(ctx)
	if err != nil {
		return nil, err
	}
	var out []host.ActionInfo
	for _, e := range cat {
		if holdsAll(p, e.info.Scopes) {
			out = append(out, e.info)
		}
	}
	return out, nil
}

func holdsAll(p host.Principal, scopes []string) bool {
	return !slices.ContainsFunc(scopes, func(s string) bool { return !p.HasScope(s) })
}

// load returns the catalog, fetched at most every catalogTTL.
func (c *Client) load(ctx context.Context) ([]entry, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.catalog != nil && time.Since(c.loaded) < catalogTTL {
		return c.catalog, nil
	}
	body, err := c.do(ctx, http.MethodGet, "/v1/actions", nil)
	if err != nil {
		return nil, fmt.Errorf("list actions: %w", err)
	}
	var cat struct {
		Actions []host.ActionInfo `json:"actions"`
	}
	if err := json.Unmarshal(body, &cat); err != nil {
		return nil, fmt.Errorf("list actions: decode: %w", err)
	}
	out := make([]entry, 0, len(cat.Actions))
	for _, a := range cat.Actions {
		sch, err := manifests.CompileSchema(a.Input)
		if err != nil {
			return nil, fmt.Errorf("list actions: schema of %s.%s: %w", a.Plugin, a.Name, err)
		}
		out = append(out, entry{info: a, schema: sch})
	}
	c.catalog, c.loaded = out, time.Now()
	return out, nil
}

// Check validates a call against the catalog: the action is there, p holds
// its scopes, input matches its schema. Errors wrap host's sentinels.
func (c *Client) Check(p host.Principal, plugin, action string, input []byte) error {
	cat, err := c.load(context.Background())
	if err != nil {
		return err
	}
	i := slices.IndexFunc(cat, func(e entry) bool { return e.info.Plugin == plugin && e.info.Name == action })
	if i < 0 {
		return fmt.Errorf("%w: %s.%s", host.ErrNotFound, plugin, action)
	}
	if !holdsAll(p, cat[i].info.Scopes) {
		return &host.ScopeError{Missing: missing(p, cat[i].info.Scopes)}
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(input))
	if err != nil {
		return fmt.Errorf("%w: not JSON: %v", host.ErrInvalidInput, err)
	}
	if err := cat[i].schema.Validate(v); err != nil {
		return fmt.Errorf("%w: %v", host.ErrInvalidInput, err)
	}
	return nil
}

func missing(p host.Principal, scopes []string) []string {
	var out []string
	for _, s := range scopes {
		if !p.HasScope(s) {
			out = append(out, s)
		}
	}
	return out
}

// Invoke calls plugin.action on the server. p must hold the action's
// scopes (the token must too: the server checks).
func (c *Client) Invoke(ctx context.Context, p host.Principal, plugin, action string, input []byte) ([]byte, error) {
	if err := c.Check(p, plugin, action, input); err != nil {
		return nil, err
	}
	if p.Delegated() && c.exchange != nil {
		// A sub-agent: the server enforces its narrowing too, with a token
		// exchanged for the sub-agent's scopes.
		tok, err := c.exchange.token(ctx, p.Scopes)
		if err != nil {
			return nil, fmt.Errorf("plugin/%s: %w", plugin, err)
		}
		ctx = withToken(ctx, tok)
	}
	return c.Call(ctx, plugin, action, input)
}

// Call calls plugin.action on the server with the token's own authority and
// no local check: for a caller that is the token's holder itself (such as
// the CLI), not a principal narrowed below it. The server checks the scopes
// and the input.
func (c *Client) Call(ctx context.Context, plugin, action string, input []byte) ([]byte, error) {
	var hdr http.Header
	if n, ok := host.HandleOver(ctx); ok {
		hdr = http.Header{"Prefer": {"return=handle; over=" + strconv.FormatInt(n, 10)}}
	}
	out, err := c.send(ctx, http.MethodPost, actionPath(plugin, action), input, hdr)
	if err != nil {
		return nil, fmt.Errorf("plugin/%s: %w", plugin, err)
	}
	return out, nil
}

// do sends a request with a JSON body and returns the answer's body, or the
// problem it answered turned into an error.
func (c *Client) do(ctx context.Context, method, path string, body []byte) ([]byte, error) {
	return c.send(ctx, method, path, body, nil)
}

// send is do with extra request headers.
func (c *Client) send(ctx context.Context, method, path string, body []byte, hdr http.Header) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	for k, v := range hdr {
		req.Header[k] = v
	}
	hc := c.hc
	if tok, ok := tokenFrom(ctx); ok {
		hc = c.exchange.plain
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, scrub(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("%s %s: read: %w", method, path, err)
	}
	if len(data) > maxBody {
		return nil, fmt.Errorf("%s %s: read: answer over %d bytes", method, path, maxBody)
	}
	if resp.StatusCode/100 != 2 {
		return nil, problemError(resp.StatusCode, data)
	}
	return data, nil
}

// scrub drops the URL error's wrapping, which may quote a token endpoint
// answer, keeping the cause.
func scrub(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// Catalog lists every action the token may call.
func (c *Client) Catalog(ctx context.Context) ([]host.ActionInfo, error) {
	cat, err := c.load(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]host.ActionInfo, len(cat))
	for i, e := range cat {
		out[i] = e.info
	}
	return out, nil
}
