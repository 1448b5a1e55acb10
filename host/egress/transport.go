package egress

import (
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/secure-agent/saa/pdk/wire"
)

// Transport is an http.RoundTripper that sends every request through the
// guard, for a client library that takes an *http.Client (x/oauth2 toward
// OAuth providers' token endpoints): the request gets the same address
// vetting, size and time bounds as a plugin's, and redirects are followed
// only where the policy allows. Policy returns the policy a request is sent
// under. Headers the guard sets itself are not passed on.
type Transport struct {
	Guard  *Guard
	Policy func(*http.Request) (*Policy, error)
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	pol, err := t.Policy(req)
	if err != nil {
		return nil, err
	}
	var body []byte
	if req.Body != nil {
		defer req.Body.Close()
		if body, err = io.ReadAll(io.LimitReader(req.Body, t.Guard.cfg.MaxRequestBytes+1)); err != nil {
			return nil, fmt.Errorf("read request: %w", err)
		}
	}
	wreq := wire.HTTPRequest{Method: req.Method, URL: req.URL.String(), Headers: make(map[string]string, len(req.Header)), Body: body}
	for name, values := range req.Header {
		if len(values) > 0 && !forbiddenHeaders[http.CanonicalHeaderKey(name)] {
			wreq.Headers[name] = values[0]
		}
	}
	st, err := t.Guard.Session(pol, nil).Open(req.Context(), wreq)
	if err != nil {
		return nil, err
	}
	h := make(http.Header, len(st.Headers))
	for k, v := range st.Headers {
		h.Set(k, v)
	}
	return &http.Response{
		Status: strconv.Itoa(st.Status) + " " + http.StatusText(st.Status), StatusCode: st.Status,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: h, Request: req,
		Body: st.Body, ContentLength: -1,
	}, nil
}
