package egress

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// valuePlaceholder is replaced by the secret's value in a binding's Format.
const valuePlaceholder = "{{value}}"

// inject sets each referencing header of req to its secret, formatted, if
// the secret is bound to req's URL. Otherwise the first hop fails and a
// redirect hop drops the header: a secret never goes where it is not bound.
func (s *Session) inject(ctx context.Context, req *http.Request, refs map[string]string, first bool) error {
	for header, name := range refs {
		b, _ := s.p.binding(name) // checked by parseHeaders
		if !anyAllows(b.Hosts, req.URL) {
			if first {
				return fmt.Errorf("%w: secret %q is not bound to %s", ErrSecretMisuse, name, origin(req.URL))
			}
			continue
		}
		value, err := s.secret(ctx, name)
		if err != nil {
			return err
		}
		formatted := value
		if b.Format != "" {
			formatted = strings.ReplaceAll(b.Format, valuePlaceholder, value)
		}
		if !httpguts.ValidHeaderFieldValue(formatted) {
			return fmt.Errorf("%w: secret %q is not a valid header value", ErrSecretUnavailable, name)
		}
		req.Header.Set(header, formatted)
		s.noteSecret(name)
	}
	return nil
}

// secret returns the value of the plugin's secret name, fetched once per
// session and remembered for redaction before it is used.
func (s *Session) secret(ctx context.Context, name string) (string, error) {
	s.mu.Lock()
	v, ok := s.values[name]
	s.mu.Unlock()
	if ok {
		return v, nil
	}
	if s.src == nil {
		return "", fmt.Errorf("%w: secret %q has no source", ErrSecretUnavailable, name)
	}
	v, err := s.src.Get(ctx, s.p.Plugin, name)
	if err != nil {
		// The source's error is not wrapped: it is not ours to vouch for.
		return "", fmt.Errorf("%w: secret %q of plugin %s: %s", ErrSecretUnavailable, name, s.p.Plugin, errorKind(err))
	}
	if v == "" {
		return "", fmt.Errorf("%w: secret %q of plugin %s is empty", ErrSecretUnavailable, name, s.p.Plugin)
	}
	s.mu.Lock()
	s.values[name] = v
	s.addRedaction(v)
	s.mu.Unlock()
	return v, nil
}

// noteSecret records that the secret name was sent. Its value is already in
// the redactor: the format around it ("Bearer ") is not secret.
func (s *Session) noteSecret(name string) {
	s.mu.Lock()
	s.used[name] = true
	s.mu.Unlock()
}

// errorKind describes a secret source's error without quoting it, in case a
// careless source put a value in its message.
func errorKind(err error) string {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return "lookup interrupted"
	}
	return "not available"
}
