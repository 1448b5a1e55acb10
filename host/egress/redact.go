package egress

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strings"
)

// Redacted replaces every injected secret value in what the plugin sees.
const Redacted = "[REDACTED]"

// Redact returns b with every secret value this session injected, and its
// JSON-escaped, base64 and URL-encoded forms, replaced by Redacted. It is
// damage limitation, not a boundary: see the package documentation.
func (s *Session) Redact(b []byte) []byte {
	r := s.replacer()
	if r == nil {
		return b
	}
	var buf bytes.Buffer
	buf.Grow(len(b))
	_, _ = r.WriteString(&buf, string(b))
	return buf.Bytes()
}

// RedactString is Redact for a string.
func (s *Session) RedactString(str string) string {
	r := s.replacer()
	if r == nil {
		return str
	}
	return r.Replace(str)
}

func (s *Session) replacer() *strings.Replacer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.redactor
}

// addRedaction adds v and its encodings to the redactor. s.mu must be held.
func (s *Session) addRedaction(v string) {
	if v == "" {
		return
	}
	forms := append(encodings(v), s.forms...)
	slices.SortFunc(forms, func(a, b string) int { // longest first, so no form is cut by a shorter one
		return cmp.Or(cmp.Compare(len(b), len(a)), strings.Compare(a, b))
	})
	s.forms = slices.Compact(forms)
	pairs := make([]string, 0, 2*len(s.forms))
	for _, f := range s.forms {
		pairs = append(pairs, f, Redacted)
	}
	s.redactor = strings.NewReplacer(pairs...)
}

// encodings returns v in the forms an API commonly echoes it back.
func encodings(v string) []string {
	out := []string{
		v,
		url.QueryEscape(v),
		url.PathEscape(v),
		base64.StdEncoding.EncodeToString([]byte(v)),
		base64.RawStdEncoding.EncodeToString([]byte(v)),
		base64.URLEncoding.EncodeToString([]byte(v)),
		base64.RawURLEncoding.EncodeToString([]byte(v)),
	}
	if j, err := json.Marshal(v); err == nil { // escapes <, > and &
		out = append(out, string(j[1:len(j)-1]))
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if enc.Encode(v) == nil {
		j := bytes.TrimSpace(buf.Bytes())
		out = append(out, string(j[1:len(j)-1]))
	}
	return out
}

// redactErr returns err with secret values removed from its message; it
// still matches the same sentinels with errors.Is.
func (s *Session) redactErr(err error) error {
	msg := err.Error()
	if clean := s.RedactString(msg); clean != msg {
		return &redactedError{msg: clean, err: err}
	}
	return err
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }

// Is matches the sentinels err matched, without exposing err itself through
// Unwrap (whose message holds the value).
func (e *redactedError) Is(target error) bool { return errors.Is(e.err, target) }
