package auth

import (
	"errors"
	"fmt"
	"slices"
	"unicode/utf8"

	"github.com/secure-agent/saa/host/hostscope"
)

// Scopes with a meaning to the server itself. All others are free-form
// strings (such as "echo:call") matched exactly.
const (
	// ScopeAdmin lets a bearer token use the admin API.
	ScopeAdmin = hostscope.Admin
	// ScopeIntrospect lets a client call the introspection endpoint.
	ScopeIntrospect = hostscope.Introspect
)

// ErrInvalidInput is matched by every *InputError.
var ErrInvalidInput = errors.New("invalid input")

// InputError is a bad client name, scope, status, role or password; Reason
// is safe to show to whoever sent it.
type InputError struct {
	Reason string
}

func (e *InputError) Error() string { return "invalid input: " + e.Reason }

// Is makes errors.Is(err, ErrInvalidInput) true.
func (e *InputError) Is(target error) bool { return target == ErrInvalidInput }

func inputErrorf(format string, args ...any) error {
	return &InputError{Reason: fmt.Sprintf(format, args...)}
}

const (
	maxScopes   = 100
	maxScopeLen = 200
	maxNameLen  = 200
)

// normalizeScopes checks scopes against RFC 6749's scope-token grammar and
// returns them without duplicates, in their first order.
func normalizeScopes(scopes []string) ([]string, error) {
	if len(scopes) == 0 {
		return nil, inputErrorf("at least one scope is required")
	}
	if len(scopes) > maxScopes {
		return nil, inputErrorf("more than %d scopes", maxScopes)
	}
	out := make([]string, 0, len(scopes))
	for _, s := range scopes {
		if err := checkScope(s); err != nil {
			return nil, err
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out, nil
}

// checkScope accepts 1*( %x21 / %x23-5B / %x5D-7E ) of bounded length.
func checkScope(s string) error {
	if s == "" || len(s) > maxScopeLen {
		return inputErrorf("a scope must have 1 to %d characters", maxScopeLen)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x21 || c > 0x7e || c == '"' || c == '\\' {
			return inputErrorf("scope %q has a character outside RFC 6749 scope-token", s)
		}
	}
	return nil
}

// checkName accepts printable UTF-8 of bounded length.
func checkName(name string) error {
	if name == "" || len(name) > maxNameLen || !utf8.ValidString(name) {
		return inputErrorf("a name must be valid UTF-8 of 1 to %d bytes", maxNameLen)
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return inputErrorf("a name may not contain control characters")
		}
	}
	return nil
}
