package runs

import (
	"crypto/rand"
	"fmt"
	"net/url"
	"regexp"

	"github.com/secure-agent/saa/host"
)

// Request is what Submit runs.
type Request struct {
	Principal host.Principal
	Plugin    string
	Action    string
	// Input is the action's input JSON.
	Input []byte
	// CallbackURL, if set, receives the result (see webhook.go).
	CallbackURL string
	// IdempotencyKey, if set, makes a repeated Submit with the same request
	// return the first run.
	IdempotencyKey string
	// ID is the run's id; empty means a new random one.
	ID string
}

// maxCallbackURL bounds a callback URL's length.
const maxCallbackURL = 2048

var validID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// NewID returns a new random run id: "run_" and 26 base32 characters
// (128 bits).
func NewID() string { return "run_" + rand.Text() }

func (r *Request) validate() error {
	switch {
	case r.Plugin == "" || r.Action == "":
		return fmt.Errorf("%w: plugin and action are required", ErrInvalidRequest)
	case r.Principal.ClientID == "":
		return fmt.Errorf("%w: no client", ErrInvalidRequest)
	case r.ID != "" && !validID.MatchString(r.ID):
		return fmt.Errorf("%w: malformed run id", ErrInvalidRequest)
	}
	if r.CallbackURL != "" {
		return ValidateCallbackURL(r.CallbackURL)
	}
	return nil
}

// ValidateCallbackURL checks the shape of a callback URL: absolute http or
// https, a host, no user information, no fragment. Where it may point is the
// egress guard's decision, when the callback is sent.
func ValidateCallbackURL(s string) error {
	if len(s) > maxCallbackURL {
		return fmt.Errorf("%w: longer than %d bytes", ErrInvalidCallback, maxCallbackURL)
	}
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return fmt.Errorf("%w: not a URL", ErrInvalidCallback)
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("%w: scheme must be http or https", ErrInvalidCallback)
	case u.Host == "" || u.Hostname() == "":
		return fmt.Errorf("%w: no host", ErrInvalidCallback)
	case u.User != nil:
		return fmt.Errorf("%w: user information is not allowed", ErrInvalidCallback)
	case u.Fragment != "" || u.RawFragment != "":
		return fmt.Errorf("%w: fragments are not allowed", ErrInvalidCallback)
	}
	return nil
}
