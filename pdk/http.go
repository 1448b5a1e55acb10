package pdk

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/secure-agent/saa/pdk/wire"
)

// HTTPRequest is an outbound request: Method (GET when empty), absolute URL,
// headers and body. A header whose whole value is Secret(name) gets the secret
// from the host.
type HTTPRequest = wire.HTTPRequest

// HTTPResponse is the host's answer to an HTTPRequest. Its Error field is
// always empty here: HTTP turns it into an error.
type HTTPResponse = wire.HTTPResponse

// ErrHTTP is wrapped by the error HTTP returns when the host refused or failed
// the request: a host or path the manifest does not declare, a private
// address, a secret not bound to the host, a timeout, a response too large.
// The text after it is the host's reason.
var ErrHTTP = errors.New("http request failed")

// Secret returns the reference to the secret called name, to use as the whole
// value of a request header. The plugin never learns the value: the host
// replaces the reference on the way out, formatted as the manifest says, and
// only toward the hosts the secret is bound to; anywhere else the request
// fails.
func Secret(name string) string {
	return wire.SecretPrefix + name + wire.SecretSuffix
}

// encodeHTTPRequest checks req and encodes it for the host.
func encodeHTTPRequest(req *HTTPRequest) ([]byte, error) {
	if req == nil || req.URL == "" {
		return nil, errors.New("http request: no url")
	}
	r := *req
	if r.Method == "" {
		r.Method = "GET" // not http.MethodGet: net/http would add megabytes to every plugin
	}
	b, err := json.Marshal(&r)
	if err != nil {
		return nil, fmt.Errorf("encode http request: %w", err)
	}
	return b, nil
}

// decodeHTTPResponse decodes the host's answer; an answer with Error set
// becomes an error wrapping ErrHTTP.
func decodeHTTPResponse(b []byte) (*HTTPResponse, error) {
	var resp HTTPResponse
	if err := json.Unmarshal(b, &resp); err != nil {
		return nil, fmt.Errorf("decode http response: %w", err)
	}
	if resp.Error != "" {
		return nil, fmt.Errorf("%w: %s", ErrHTTP, resp.Error)
	}
	return &resp, nil
}
