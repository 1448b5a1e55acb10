package httpapi

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/secure-agent/saa/host/egress"
	"github.com/secure-agent/saa/host/runs"
	"github.com/secure-agent/saa/manifests"
	"github.com/secure-agent/saa/pdk/wire"
)

// HeaderCallbackURL names, on an asynchronous invocation, where to POST the
// finished run.
const HeaderCallbackURL = "Callback-Url"

// maxCallbackURL bounds a callback URL.
const maxCallbackURL = 2048

// CallbackSender sends the run manager's callbacks through the egress guard,
// under a policy that allows exactly the callback's scheme, host, port and
// path: a caller cannot make the server reach a loopback, private or
// metadata address the operator did not allow (SAA_EGRESS_ALLOW_CIDRS), nor
// follow a redirect anywhere else. Signing and retries are the run
// manager's (host/runs).
type CallbackSender struct {
	guard *egress.Guard
}

var _ runs.Sender = (*CallbackSender)(nil)

// NewCallbackSender returns a sender using guard.
func NewCallbackSender(guard *egress.Guard) *CallbackSender {
	return &CallbackSender{guard: guard}
}

// Send POSTs body with headers to rawURL once and returns the status.
func (c *CallbackSender) Send(ctx context.Context, rawURL string, headers map[string]string, body []byte) (int, error) {
	rule, err := CheckCallbackURL(rawURL)
	if err != nil {
		return 0, err
	}
	sess := c.guard.Session(&egress.Policy{Plugin: "callback", Rules: []egress.Rule{rule}}, nil)
	h := map[string]string{"User-Agent": "saa-callback/1"}
	for k, v := range headers {
		h[k] = v
	}
	resp, err := sess.Do(ctx, wire.HTTPRequest{Method: http.MethodPost, URL: rawURL, Headers: h, Body: body})
	if err != nil {
		return 0, err
	}
	return resp.Status, nil
}

// CheckCallbackURL parses a caller's callback URL and returns the egress
// rule that allows exactly it. It refuses what egress rules refuse
// (userinfo, percent-encoding, dot segments, non-ASCII hosts) and fragments;
// a query is allowed and sent as is. It does not resolve the host: the
// address is vetted when the callback is sent, as for plugins.
func CheckCallbackURL(raw string) (egress.Rule, error) {
	if len(raw) > maxCallbackURL {
		return nil, errors.New("callback URL is longer than 2048 bytes")
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Fragment != "" || u.User != nil {
		return nil, errors.New("callback URL must be an absolute http(s) URL without userinfo or fragment")
	}
	r, err := manifests.ParseEgressRule(strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host) + u.Path)
	if err != nil || !r.Allows(u) {
		return nil, errors.New("callback URL must be a plain http(s)://host[:port]/path")
	}
	return r, nil
}
