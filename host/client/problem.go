package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/secure-agent/saa/host"
)

// ErrServer means the server answered with an error that has no host
// sentinel; the message carries its problem type and detail.
var ErrServer = errors.New("server error")

// problemError turns an RFC 9457 answer into an error wrapping the host
// sentinel of its status, so agents treat remote and local failures alike.
func problemError(status int, body []byte) error {
	var p struct {
		Type   string `json:"type"`
		Title  string `json:"title"`
		Detail string `json:"detail"`
		// account-not-connected only.
		ConnectURL string `json:"connect_url"`
		Provider   string `json:"provider"`
		Secret     string `json:"secret"`
	}
	json.Unmarshal(body, &p)
	kind := p.Type[strings.LastIndex(p.Type, "/")+1:]
	if kind == "account-not-connected" && status == http.StatusConflict {
		// The same typed error as in-process, so an agent can hand the
		// user the link whichever way it called.
		return &host.AccountError{Secret: clipTo(p.Secret, 64), Provider: clipTo(p.Provider, 64), ConnectURL: clipTo(p.ConnectURL, 2048),
			Reconnect: strings.Contains(p.Detail, "needs reconnecting")}
	}
	detail := p.Detail
	if detail == "" {
		detail = http.StatusText(status)
	}
	if len(detail) > 500 {
		detail = detail[:500]
	}
	var sentinel error
	switch status {
	case http.StatusNotFound:
		sentinel = host.ErrNotFound
	case http.StatusForbidden:
		sentinel = host.ErrForbidden
	case http.StatusUnprocessableEntity:
		sentinel = host.ErrInvalidInput
	case http.StatusGatewayTimeout:
		sentinel = host.ErrTimeout
	case http.StatusBadGateway:
		sentinel = host.ErrPluginFailed
	default:
		sentinel = ErrServer
	}
	return &problemErr{status: status, detail: detail, err: fmt.Errorf("%w: HTTP %d %s: %s", sentinel, status, kind, detail)}
}

// problemErr keeps an answer's status and detail beside the error, for
// callers that tell apart answers sharing a status.
type problemErr struct {
	status int
	detail string
	err    error
}

func (e *problemErr) Error() string { return e.err.Error() }
func (e *problemErr) Unwrap() error { return e.err }

// clipTo bounds a member of a server's answer.
func clipTo(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
