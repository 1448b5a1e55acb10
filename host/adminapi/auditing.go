package adminapi

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/secure-agent/saa/host/audit"
)

// actions names the audit action of each state-changing route, by method
// and route pattern below Prefix. Routes not listed are recorded as
// "admin.request" with the method and pattern in the detail.
var actions = map[string]string{
	"POST /clients":                                   "client.create",
	"PATCH /clients/{id}":                             "client.update",
	"POST /clients/{id}/rotate-secret":                "client.rotate_secret",
	"DELETE /clients/{id}":                            "client.delete",
	"POST /plugins":                                   "plugin.submit",
	"POST /plugins/{name}/versions/{version}/approve": "plugin.approve",
	"POST /plugins/{name}/versions/{version}/reject":  "plugin.reject",
	"POST /plugins/{name}/disable":                    "plugin.disable",
	"POST /plugins/{name}/enable":                     "plugin.enable",
	"POST /plugins/{name}/rollback":                   "plugin.rollback",
	"PUT /publishers/{name}/keys":                     "publisher.trust_key",
	"PUT /publishers/{name}":                          "publisher.require_signature",
	"PUT /secrets/{plugin}/{name}":                    "secret.put",
	"DELETE /secrets/{plugin}/{name}":                 "secret.delete",
	"POST /keys/rotate":                               "keys.rotate",
	"POST /oauth-providers":                           "oauth_provider.create",
	"PUT /oauth-providers/{name}":                     "oauth_provider.put",
	"DELETE /oauth-providers/{name}":                  "oauth_provider.delete",
	"PUT /agents/{name}":                              "agent.put",
	"DELETE /agents/{name}":                           "agent.delete",
}

// maxDetail bounds the request detail an entry repeats.
const maxDetail = 300

// auditState lets a handler say that the service it called recorded the
// change itself (the registry and the secrets do), so that it is not
// recorded twice.
type auditState struct{ recorded bool }

type auditKey struct{}

// markRecorded tells RecordChanges that the request's change is in the log.
func markRecorded(r *http.Request) {
	if s, ok := r.Context().Value(auditKey{}).(*auditState); ok {
		s.recorded = true
	}
}

// RecordChanges records every state-changing request (any method but GET,
// HEAD and OPTIONS) that passed authentication as an audit.KindAdmin entry:
// the identity's name, the action, the route's parameters and the outcome
// ("ok", or "http-<status>" for a refusal or a failure). A success that the
// service already recorded with more detail is not recorded again. Bodies
// are never read: they may hold secrets. Mount it after the authentication
// middleware; a request refused there is not recorded, so that anyone
// without credentials cannot write to the log.
func (a *API) RecordChanges(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a.audit == nil || safeMethod(r.Method) {
			next.ServeHTTP(w, r)
			return
		}
		state := &auditState{}
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), auditKey{}, state)))
		if state.recorded && sw.code() < http.StatusBadRequest {
			return
		}
		a.recordRequest(r, sw.code())
	})
}

// recordRequest appends the entry of a request answered with status.
func (a *API) recordRequest(r *http.Request, status int) {
	id, _ := IdentityFrom(r.Context())
	rctx := chi.RouteContext(r.Context())
	pattern := r.URL.Path
	if rctx != nil && rctx.RoutePattern() != "" {
		pattern = rctx.RoutePattern()
	}
	pattern = strings.TrimSuffix(strings.TrimPrefix(pattern, Prefix), "/")
	e := audit.Entry{Kind: audit.KindAdmin, Subject: id.Name, ClientID: id.ClientID, Outcome: audit.OutcomeOK}
	e.Action = actions[r.Method+" "+pattern]
	detail := params(rctx, pattern, &e)
	if e.Action == "" {
		e.Action, detail = "admin.request", r.Method+" "+pattern+" "+detail
	}
	e.Detail = clip(strings.TrimSpace(detail), maxDetail)
	if status >= http.StatusBadRequest {
		e.Outcome, e.Error = "http-"+strconv.Itoa(status), http.StatusText(status)
	}
	if err := a.audit.Append(r.Context(), e); err != nil {
		a.log.ErrorContext(r.Context(), "audit append failed", logKeyMethod, r.Method, logKeyPath, pattern, logKeyErr, err)
	}
}

// params renders the route's parameters as "key=value" pairs, except the
// plugin's name, which goes to the entry's Plugin field.
func params(rctx *chi.Context, pattern string, e *audit.Entry) string {
	if rctx == nil {
		return ""
	}
	pluginKey := map[string]string{"/plugins": "name", "/secrets": "plugin"}[firstSegment(pattern)]
	var parts []string
	for i, k := range rctx.URLParams.Keys {
		v := rctx.URLParams.Values[i]
		switch {
		case k == "*" || v == "":
		case k == pluginKey:
			e.Plugin = clip(v, 64)
		default:
			parts = append(parts, k+"="+v)
		}
	}
	return strings.Join(parts, " ")
}

// firstSegment returns "/x" of a pattern "/x/...".
func firstSegment(pattern string) string {
	if len(pattern) < 2 {
		return pattern
	}
	if i := strings.IndexByte(pattern[1:], '/'); i >= 0 {
		return pattern[:i+1]
	}
	return pattern
}

// clip bounds s to n bytes on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "..."
}

// statusWriter remembers the status a handler answered with.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// code is the status answered, 200 if the handler wrote nothing.
func (w *statusWriter) code() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
