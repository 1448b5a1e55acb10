package httpapi

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/secure-agent/saa/host/egress"
	"github.com/secure-agent/saa/host/httpapi/signature"
	"github.com/secure-agent/saa/manifests"
	"github.com/secure-agent/saa/pdk/wire"
)

// HeaderCallbackURL names, on an asynchronous invocation, where to POST the
// finished run.
const HeaderCallbackURL = "Callback-Url"

// maxCallbackURL bounds a callback URL.
const maxCallbackURL = 2048

// errPermanent marks a delivery failure that retrying cannot fix.
var errPermanent = errors.New("permanent callback failure")

// Callbacks delivers finished runs to their callback URLs: a POST of the run
// as JSON, signed with HMAC-SHA256 (see package signature), sent through the
// egress guard under a policy that allows exactly the callback's scheme,
// host, port and path, so a caller cannot make the server reach a private
// address the operator did not allow. Failures are retried with exponential
// back-off and full jitter.
type Callbacks struct {
	guard *egress.Guard
	// Attempts is how many times a delivery is tried in all.
	Attempts int
	// BaseDelay is the back-off before the second attempt; it doubles each
	// time, up to MaxDelay.
	BaseDelay, MaxDelay time.Duration
	// onOutcome, if set, counts deliveries: delivered, retried or failed.
	onOutcome func(outcome string)
}

// NewCallbacks returns a sender using guard.
func NewCallbacks(guard *egress.Guard) *Callbacks {
	return &Callbacks{guard: guard, Attempts: 6, BaseDelay: time.Second, MaxDelay: time.Minute}
}

// CheckCallbackURL parses a caller's callback URL, returning the egress rule
// that allows exactly it. It refuses what egress rules refuse (userinfo,
// percent-encoding, dot segments, non-ASCII) and fragments; a query is
// allowed and sent as is. It does not resolve the host: addresses are vetted
// at delivery time, as for plugins.
func CheckCallbackURL(raw string) (egress.Rule, error) {
	if len(raw) > maxCallbackURL {
		return nil, errors.New("callback URL too long")
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Fragment != "" || u.User != nil {
		return nil, errors.New("callback URL must be an absolute http(s) URL without userinfo or fragment")
	}
	base := strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host) + u.Path
	r, err := manifests.ParseEgressRule(base)
	if err != nil {
		return nil, errors.New("callback URL is not acceptable: use plain http(s)://host[:port]/path")
	}
	if !r.Allows(u) {
		return nil, errors.New("callback URL is not acceptable")
	}
	return r, nil
}

// Deliver POSTs body to rawURL, signed with key, retrying transient failures
// until Attempts are spent or ctx ends. It returns nil once the receiver
// answered 2xx.
func (c *Callbacks) Deliver(ctx context.Context, rawURL string, key, body []byte) error {
	rule, err := CheckCallbackURL(rawURL)
	if err != nil {
		return fmt.Errorf("deliver callback: %w: %w", errPermanent, err)
	}
	sess := c.guard.Session(&egress.Policy{Plugin: "callback", Rules: []egress.Rule{rule}}, nil)
	var last error
	for attempt := range max(c.Attempts, 1) {
		if attempt > 0 {
			c.count("retried")
			if err := sleep(ctx, c.backoff(attempt)); err != nil {
				break
			}
		}
		last = c.post(ctx, sess, rawURL, key, body)
		if last == nil {
			c.count("delivered")
			return nil
		}
		if errors.Is(last, errPermanent) {
			break
		}
	}
	c.count("failed")
	return fmt.Errorf("deliver callback: %w", last)
}

// post makes one attempt; errors that retrying cannot fix wrap errPermanent.
func (c *Callbacks) post(ctx context.Context, sess *egress.Session, rawURL string, key, body []byte) error {
	resp, err := sess.Do(ctx, wire.HTTPRequest{
		Method: http.MethodPost,
		URL:    rawURL,
		Headers: map[string]string{
			"Content-Type":   "application/json",
			"User-Agent":     "saa-callback/1",
			signature.Header: signature.Sign(key, body, time.Now()),
		},
		Body: body,
	})
	switch {
	case err != nil && refused(err):
		return fmt.Errorf("%w: %w", errPermanent, err)
	case err != nil:
		return err
	case resp.Status >= 200 && resp.Status < 300:
		return nil
	case resp.Status == http.StatusRequestTimeout || resp.Status == http.StatusTooManyRequests || resp.Status >= 500:
		return fmt.Errorf("receiver answered %d", resp.Status)
	default:
		return fmt.Errorf("%w: receiver answered %d", errPermanent, resp.Status)
	}
}

// refused reports whether egress refused the request by policy or address,
// which no retry can change.
func refused(err error) bool {
	for _, e := range []error{egress.ErrDenied, egress.ErrAddressRefused, egress.ErrHeader, egress.ErrTooLarge, egress.ErrTooManyRedirects} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// backoff returns the wait before attempt (1-based retries): a uniformly
// random duration up to BaseDelay·2^(attempt-1), capped at MaxDelay ("full
// jitter"), so that many failed receivers do not get retried in lockstep.
func (c *Callbacks) backoff(attempt int) time.Duration {
	ceiling := c.BaseDelay << min(attempt-1, 30)
	if ceiling <= 0 || ceiling > c.MaxDelay {
		ceiling = c.MaxDelay
	}
	if ceiling <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(ceiling))) + 1
}

func (c *Callbacks) count(outcome string) {
	if c.onOutcome != nil {
		c.onOutcome(outcome)
	}
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
