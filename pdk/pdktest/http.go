package pdktest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	extism "github.com/extism/go-sdk"

	"github.com/secure-agent/saa/pdk/wire"
)

// maxBody bounds a response body read by Send.
const maxBody = 16 << 20

// httpFunction is saa_http_request: JSON request block in, JSON response
// block out. The plugin frees both blocks.
func httpFunction(opts Options) extism.HostFunction {
	send := opts.HTTP
	if send == nil {
		send = Send
	}
	f := extism.NewHostFunctionWithStack(wire.HTTPRequestFunc,
		func(ctx context.Context, p *extism.CurrentPlugin, stack []uint64) {
			resp := serve(ctx, p, stack[0], opts.Secrets, send)
			b, err := json.Marshal(resp)
			if err != nil {
				panic(fmt.Errorf("encode http response: %w", err))
			}
			offset, err := p.WriteBytes(b)
			if err != nil {
				panic(fmt.Errorf("write http response: %w", err))
			}
			stack[0] = offset
		},
		[]extism.ValueType{extism.ValueTypeI64}, []extism.ValueType{extism.ValueTypeI64})
	f.SetNamespace(wire.Namespace)
	return f
}

func serve(ctx context.Context, p *extism.CurrentPlugin, offset uint64, secrets map[string]string,
	send func(context.Context, *wire.HTTPRequest) *wire.HTTPResponse) *wire.HTTPResponse {
	b, err := p.ReadBytes(offset)
	if err != nil {
		return &wire.HTTPResponse{Error: "read request: " + err.Error()}
	}
	var req wire.HTTPRequest
	if err := json.Unmarshal(b, &req); err != nil {
		return &wire.HTTPResponse{Error: "decode request: " + err.Error()}
	}
	if err := substitute(&req, secrets); err != nil {
		return &wire.HTTPResponse{Error: err.Error()}
	}
	return send(ctx, &req)
}

// substitute replaces header values that are exactly a secret reference and
// refuses a reference anywhere else, as SAA's host does.
func substitute(req *wire.HTTPRequest, secrets map[string]string) error {
	if strings.Contains(req.URL, wire.SecretPrefix) || bytes.Contains(req.Body, []byte(wire.SecretPrefix)) {
		return errors.New("secret reference outside a header value")
	}
	for k, v := range req.Headers {
		if !strings.Contains(v, wire.SecretPrefix) {
			continue
		}
		name, ok := strings.CutPrefix(v, wire.SecretPrefix)
		name, whole := strings.CutSuffix(name, wire.SecretSuffix)
		if !ok || !whole || strings.Contains(name, wire.SecretPrefix) {
			return errors.New("secret reference must be a whole header value")
		}
		value, ok := secrets[name]
		if !ok {
			return fmt.Errorf("secret %q is not declared", name)
		}
		req.Headers[k] = value
	}
	return nil
}

// Send performs req with a plain client (10 s timeout, redirects followed)
// and flattens the response. It checks nothing: tests only.
func Send(ctx context.Context, req *wire.HTTPRequest) *wire.HTTPResponse {
	hr, err := http.NewRequestWithContext(ctx, req.Method, req.URL, bytes.NewReader(req.Body))
	if err != nil {
		return &wire.HTTPResponse{Error: err.Error()}
	}
	for k, v := range req.Headers {
		hr.Header.Set(k, v)
	}
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Do(hr)
	if err != nil {
		return &wire.HTTPResponse{Error: err.Error()}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return &wire.HTTPResponse{Error: err.Error()}
	}
	headers := make(map[string]string, len(resp.Header))
	for k := range resp.Header {
		headers[k] = resp.Header.Get(k)
	}
	return &wire.HTTPResponse{Status: resp.StatusCode, Headers: headers, Body: body}
}
