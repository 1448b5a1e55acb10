// Package problem writes HTTP errors as RFC 9457 problem details
// (application/problem+json) and carries them through code as one typed error,
// unwrapped once at the HTTP edge.
//
// A problem's detail is shown to the caller: it must never carry internals
// (file paths, SQL, stack traces, wrapped error strings, secrets or tokens).
// Errors that are not a *Error are reported as a bare 500 with a generic detail.
package problem

import (
	"encoding/json"
	"errors"
	"net/http"
)

// TypeBase prefixes every problem type URI: TypeBase + kind.
const TypeBase = "https://saa.dev/problems/"

// ContentType is the media type of a problem body.
const ContentType = "application/problem+json"

// Kinds shared across the HTTP surface. A kind is the last path segment of the
// problem's type URI; it is stable, so clients may switch on it.
const (
	KindBadRequest        = "bad-request"
	KindUnauthorized      = "unauthorized"
	KindInvalidToken      = "invalid-token"
	KindForbidden         = "forbidden"
	KindInsufficientScope = "insufficient-scope"
	KindNotFound          = "not-found"
	KindMethodNotAllowed  = "method-not-allowed"
	KindConflict          = "conflict"
	KindTooManyRequests   = "too-many-requests"
	KindInternal          = "internal"
	KindUnavailable       = "unavailable"
	// KindQuotaExceeded answers a write that would take a client over one
	// of its storage quotas (429: the client's own usage, which frees as its
	// records expire or are reviewed).
	KindQuotaExceeded = "quota-exceeded"
)

// Error is an HTTP error: the status to answer, the problem kind and a detail
// safe to show the caller.
type Error struct {
	Status int
	Kind   string
	Detail string
	// Ext holds extension members (RFC 9457 §3.2) added to the body, such
	// as the connect_url of account-not-connected; the standard members
	// win over an extension of the same name.
	Ext map[string]string
}

// New returns a problem error.
func New(status int, kind, detail string) *Error {
	return &Error{Status: status, Kind: kind, Detail: detail}
}

// Error implements error.
func (e *Error) Error() string {
	if e.Detail == "" {
		return e.Kind
	}
	return e.Kind + ": " + e.Detail
}

// Body is the JSON shape of a problem (RFC 9457 section 3.1).
type Body struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
}

// TypeURI returns the type URI of kind.
func TypeURI(kind string) string { return TypeBase + kind }

// Write answers with a problem. Headers set before the call (such as
// WWW-Authenticate or Retry-After) are kept.
func Write(w http.ResponseWriter, status int, kind, detail string) {
	WriteExt(w, status, kind, detail, nil)
}

// WriteExt is Write with extension members in the body.
func WriteExt(w http.ResponseWriter, status int, kind, detail string, ext map[string]string) {
	h := w.Header()
	h.Set("Content-Type", ContentType)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	body := Body{
		Type:   TypeURI(kind),
		Title:  title(status),
		Status: status,
		Detail: detail,
	}
	if len(ext) == 0 {
		_ = json.NewEncoder(w).Encode(body)
		return
	}
	m := make(map[string]any, len(ext)+4)
	for k, v := range ext {
		m[k] = v
	}
	m["type"], m["title"], m["status"] = body.Type, body.Title, body.Status
	delete(m, "detail")
	if detail != "" {
		m["detail"] = detail
	}
	_ = json.NewEncoder(w).Encode(m)
}

// WriteError answers with err if it is (or wraps) a *Error, else with a
// generic 500 that reveals nothing of err.
func WriteError(w http.ResponseWriter, err error) {
	var p *Error
	if errors.As(err, &p) {
		WriteExt(w, p.Status, p.Kind, p.Detail, p.Ext)
		return
	}
	Write(w, http.StatusInternalServerError, KindInternal, "internal error")
}

func title(status int) string {
	if t := http.StatusText(status); t != "" {
		return t
	}
	return "Error"
}
