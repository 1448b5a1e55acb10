package egress

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/secure-agent/saa/pdk/wire"
)

// userAgent is sent when the plugin sets none.
const userAgent = "saa-egress/1"

// follow sends out and follows redirects, re-checking every hop.
func (s *Session) follow(ctx context.Context, out *outbound) (wire.HTTPResponse, error) {
	res, err := s.final(ctx, out)
	if err != nil {
		return wire.HTTPResponse{}, err
	}
	return s.readResponse(res)
}

// final sends out, follows redirects re-checking every hop, and returns the
// last response with its body unread.
func (s *Session) final(ctx context.Context, out *outbound) (*http.Response, error) {
	for redirects := 0; ; redirects++ {
		res, err := s.hop(ctx, out, redirects == 0)
		if err != nil {
			return nil, err
		}
		next, ok, err := redirectTarget(res, out.url)
		if err != nil || !ok || s.g.cfg.MaxRedirects == 0 {
			if err != nil {
				drain(res)
				return nil, err
			}
			return res, nil
		}
		drain(res)
		if redirects >= s.g.cfg.MaxRedirects {
			return nil, fmt.Errorf("%w: more than %d", ErrTooManyRedirects, s.g.cfg.MaxRedirects)
		}
		out = out.redirect(res.StatusCode, next)
	}
}

// hop checks and sends one request. On the first hop a secret bound to other
// hosts fails the request; on later hops (redirects) its header is dropped.
func (s *Session) hop(ctx context.Context, out *outbound, first bool) (*http.Response, error) {
	req, err := s.request(ctx, out, first)
	if err != nil {
		s.report(out.url, err)
		return nil, err
	}
	res, err := s.g.client.Do(req)
	s.report(out.url, err)
	if !errors.Is(err, ErrAddressRefused) { // the request may have left
		s.noteDestination(out.url)
	}
	if err != nil {
		return nil, fmt.Errorf("send %s %s: %w", out.method, origin(out.url), unwrapURLError(err))
	}
	return res, nil
}

// request builds the http.Request for this hop, injecting secrets bound to
// its URL.
func (s *Session) request(ctx context.Context, out *outbound, first bool) (*http.Request, error) {
	if err := s.checkURL(out.url); err != nil {
		return nil, err
	}
	var body io.Reader
	if out.body != nil {
		body = bytes.NewReader(out.body)
	}
	req, err := http.NewRequestWithContext(ctx, out.method, out.url.String(), body)
	if err != nil {
		return nil, fmt.Errorf("%w: build request: %w", ErrDenied, err)
	}
	req.URL, req.Host = out.url, out.url.Host // exactly what was checked, not a re-parse
	req.Header = out.hdr.plain.Clone()
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", userAgent)
	}
	req.Header.Set("Accept-Encoding", "identity")
	if err := s.inject(ctx, req, out.hdr.refs, first); err != nil {
		return nil, err
	}
	return req, nil
}

// redirectTarget returns where res redirects to, if it is a redirect egress
// follows. A Location that does not parse is an error.
func redirectTarget(res *http.Response, base *url.URL) (*url.URL, bool, error) {
	switch res.StatusCode {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
	default:
		return nil, false, nil
	}
	loc := res.Header.Get("Location")
	if loc == "" {
		return nil, false, nil
	}
	ref, err := url.Parse(loc)
	if err != nil {
		return nil, false, fmt.Errorf("%w: unparsable redirect location", ErrDenied)
	}
	next := base.ResolveReference(ref)
	if err := checkForm(next); err != nil {
		return nil, false, fmt.Errorf("redirect: %w", err)
	}
	return next, true, nil
}

// redirect returns the request to send to next after a redirect with status
// code, following net/http: 307 and 308 keep method and body, the others turn
// into a body-less GET (HEAD stays HEAD). Credentials set by the plugin are
// dropped when the origin changes.
func (o *outbound) redirect(code int, next *url.URL) *outbound {
	n := &outbound{method: o.method, url: next, body: o.body, hdr: headers{plain: o.hdr.plain.Clone(), refs: o.hdr.refs}}
	if code != http.StatusTemporaryRedirect && code != http.StatusPermanentRedirect {
		if n.method != "HEAD" {
			n.method = "GET"
		}
		n.body = nil
		n.hdr.plain.Del("Content-Type")
	}
	if origin(next) != origin(o.url) {
		for _, h := range crossOriginHeaders {
			n.hdr.plain.Del(h)
		}
	}
	return n
}

// readResponse reads res within the size limit and redacts it.
func (s *Session) readResponse(res *http.Response) (wire.HTTPResponse, error) {
	defer res.Body.Close()
	limit := s.g.cfg.MaxResponseBytes
	if res.ContentLength > limit {
		return wire.HTTPResponse{}, fmt.Errorf("%w: response body of %d bytes over %d", ErrTooLarge, res.ContentLength, limit)
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, limit+1))
	if err != nil {
		return wire.HTTPResponse{}, fmt.Errorf("read response: %w", err)
	}
	if int64(len(body)) > limit {
		return wire.HTTPResponse{}, fmt.Errorf("%w: response body over %d bytes", ErrTooLarge, limit)
	}
	hdr := make(map[string]string, len(res.Header))
	for k, v := range res.Header {
		hdr[s.RedactString(k)] = s.RedactString(strings.Join(v, ", "))
	}
	return wire.HTTPResponse{Status: res.StatusCode, Headers: hdr, Body: s.Redact(body)}, nil
}

// drain discards a little of a body so the connection can be reused, and
// closes it.
func drain(res *http.Response) {
	_, _ = io.CopyN(io.Discard, res.Body, 64<<10)
	res.Body.Close()
}

// unwrapURLError strips net/http's *url.Error, whose message repeats the URL.
func unwrapURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}
