package llm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/secure-agent/saa/host/egress"
	"github.com/secure-agent/saa/pdk/wire"
)

// maxRequestBytes bounds one request body (a conversation with its tools).
const maxRequestBytes = 4 << 20

// doer sends the provider client's requests through the egress guard, one
// session per request, with the API key injected by the guard and retries
// on transient failures. It implements the HTTP client interfaces of
// go-openai and of the Anthropic SDK. Responses are opened as streams, so
// that server-sent events reach the client as the provider writes them.
type doer struct {
	guard  *egress.Guard
	policy *egress.Policy
	src    egress.SecretSource
	// keyHeader and keyRef are the header the guard fills with the key and
	// its reference ("{{secret:<provider>}}"); empty when the provider has
	// no key.
	keyHeader, keyRef string
	// forward are the headers of the client library passed on; any other
	// header it set is dropped.
	forward []string
	retry   retryPolicy
}

// Do sends req, retrying 429, 5xx and network failures. Whatever headers
// the client library set, only those of d.forward pass: a credential
// header it built holds no key and is replaced.
func (d *doer) Do(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	body, err := readBody(req)
	if err != nil {
		return nil, err
	}
	wreq := wire.HTTPRequest{Method: req.Method, URL: req.URL.String(), Headers: map[string]string{}, Body: body}
	for _, h := range d.forward {
		if v := req.Header.Get(h); v != "" {
			wreq.Headers[h] = v
		}
	}
	if d.keyRef != "" {
		wreq.Headers[d.keyHeader] = d.keyRef
	}
	for attempt := 0; ; attempt++ {
		st, err := d.guard.Session(d.policy, d.src).Open(ctx, wreq)
		wait, again := d.retry.next(attempt, st, err)
		if !again || ctx.Err() != nil {
			return toHTTP(req, st, err)
		}
		st.Body.Close()
		if !sleep(ctx, wait) {
			return nil, fmt.Errorf("%w: %w", ErrUnavailable, ctx.Err())
		}
	}
}

func readBody(req *http.Request) ([]byte, error) {
	if req.Body == nil {
		return nil, nil
	}
	defer req.Body.Close()
	b, err := io.ReadAll(io.LimitReader(req.Body, maxRequestBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read request: %w", err)
	}
	if len(b) > maxRequestBytes {
		return nil, fmt.Errorf("%w: request over %d bytes", ErrProvider, maxRequestBytes)
	}
	return b, nil
}

// toHTTP turns the guard's answer into the *http.Response the client
// library reads. The guard's errors carry no secret.
func toHTTP(req *http.Request, st *egress.Stream, err error) (*http.Response, error) {
	if err != nil {
		kind := ErrProvider // refused by policy: retrying cannot help
		if transient(nil, err) {
			kind = ErrUnavailable
		}
		return nil, fmt.Errorf("%w: %w", kind, err)
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

// retryPolicy says when and after how long a request is tried again.
type retryPolicy struct {
	// Max is how many retries follow the first attempt.
	Max int
	// Base is the first back-off; each retry doubles it, with full jitter.
	Base time.Duration
	// MaxWait caps one wait. A Retry-After beyond it is not waited for: the
	// failure is returned at once rather than holding a run for minutes.
	MaxWait time.Duration
}

// next reports whether attempt (counted from 0) should be retried, and after
// how long.
func (p retryPolicy) next(attempt int, st *egress.Stream, err error) (time.Duration, bool) {
	if attempt >= p.Max || !transient(st, err) {
		return 0, false
	}
	if err == nil {
		if d, ok := retryAfter(st.Headers["Retry-After"], time.Now()); ok {
			return d, d <= p.MaxWait
		}
	}
	backoff := min(p.Base<<attempt, p.MaxWait)
	return rand.N(backoff + 1), true
}

// transient reports whether a failure may pass: 429, 5xx, or a network
// error. A refusal by the egress policy or a missing key never passes.
func transient(st *egress.Stream, err error) bool {
	if err != nil {
		return !errors.Is(err, egress.ErrDenied) && !errors.Is(err, egress.ErrAddressRefused) &&
			!errors.Is(err, egress.ErrSecretMisuse) && !errors.Is(err, egress.ErrSecretUnavailable) &&
			!errors.Is(err, egress.ErrHeader) && !errors.Is(err, egress.ErrTooLarge) &&
			!errors.Is(err, context.Canceled)
	}
	return st.Status == http.StatusTooManyRequests || st.Status >= 500
}

// retryAfter parses a Retry-After value: seconds, or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s < 0 {
			return 0, false
		}
		return time.Duration(min(s, 86400)) * time.Second, true // clamped: no overflow
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// sleep waits d and reports whether ctx is still live.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
