package httpapi

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/internal/strictjson"
	"github.com/secure-agent/saa/host/problem"
)

// Headers of invocation.
const (
	// HeaderRunID names the run an invocation belongs to; the audit log
	// records the same id.
	HeaderRunID = "X-Run-Id"
	// HeaderIdempotencyKey makes a retried invocation return the first result.
	HeaderIdempotencyKey = "Idempotency-Key"
)

// invocation is one decoded request to run an action.
type invocation struct {
	principal      host.Principal
	plugin, action string
	input          []byte
	idempotencyKey string
	callbackURL    string
	returnHandle   bool  // Prefer: return=handle
	handleOver     int64 // its over=n parameter: only outputs over n bytes
}

// invoke serves POST /v1/actions/{plugin}/{action}: the body is the input,
// the answer the output. Prefer: respond-async hands the run to the run
// manager instead; Idempotency-Key makes a retry return the first result.
func (s *Server) invoke(w http.ResponseWriter, r *http.Request) {
	inv, perr := s.decodeInvocation(w, r)
	if perr != nil {
		problem.WriteError(w, perr)
		return
	}
	switch {
	case prefersAsync(r):
		s.invokeAsync(w, r, inv)
	case inv.idempotencyKey != "":
		s.invokeIdempotent(w, r, inv)
	default:
		runID := newID()
		info(r.Context()).run = runID
		w.Header().Set(HeaderRunID, runID)
		out, err := s.call(r.Context(), inv, runID)
		s.writeResult(w, out, err)
	}
}

// decodeInvocation reads what every invocation needs from r.
func (s *Server) decodeInvocation(w http.ResponseWriter, r *http.Request) (invocation, *problem.Error) {
	inv := invocation{
		principal:      principal(r),
		plugin:         chi.URLParam(r, "plugin"),
		action:         chi.URLParam(r, "action"),
		idempotencyKey: r.Header.Get(HeaderIdempotencyKey),
		callbackURL:    r.Header.Get(HeaderCallbackURL),
	}
	var perr *problem.Error
	if inv.returnHandle, inv.handleOver, perr = prefersHandle(r); perr != nil {
		return inv, perr
	}
	if inv.returnHandle && prefersAsync(r) {
		return inv, problem.New(http.StatusBadRequest, problem.KindBadRequest, "Prefer: return=handle is for synchronous calls; an action's rag threshold applies to async runs too")
	}
	if inv.callbackURL != "" {
		if !prefersAsync(r) {
			return inv, problem.New(http.StatusBadRequest, KindInvalidCallback, "Callback-Url needs Prefer: respond-async")
		}
		if _, err := CheckCallbackURL(inv.callbackURL); err != nil {
			return inv, problem.New(http.StatusBadRequest, KindInvalidCallback, err.Error())
		}
	}
	input, perr := s.readInput(w, r)
	inv.input = input
	return inv, perr
}

// readInput reads the body as an action's input: JSON, within the size limit.
func (s *Server) readInput(w http.ResponseWriter, r *http.Request) ([]byte, *problem.Error) {
	if ct := r.Header.Get("Content-Type"); ct != "" && !isJSONType(ct) {
		return nil, problem.New(http.StatusUnsupportedMediaType, KindUnsupportedMedia, "send the input as application/json")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBody))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, problem.New(http.StatusRequestEntityTooLarge, KindPayloadTooLarge,
			"the body exceeds "+itoa(int(tooBig.Limit))+" bytes")
	case err != nil:
		return nil, problem.New(http.StatusBadRequest, problem.KindBadRequest, "cannot read the body")
	case strictjson.Check(body) != nil:
		// The runtime applies the same rule; checking here answers a
		// malformed body 400 before an idempotency key or a run is spent.
		return nil, problem.New(http.StatusBadRequest, KindInvalidJSON,
			"the body must be the action's input as one JSON value in UTF-8 without duplicate member names")
	}
	return body, nil
}

// isJSONType accepts application/json and any application/*+json.
func isJSONType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "application/json" || strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"))
}

// prefersAsync reports whether the client asked for asynchronous processing
// (RFC 7240).
func prefersAsync(r *http.Request) bool {
	for _, v := range r.Header.Values("Prefer") {
		for _, pref := range strings.Split(v, ",") {
			name, _, _ := strings.Cut(strings.TrimSpace(pref), "=")
			if strings.EqualFold(strings.TrimSpace(name), "respond-async") {
				return true
			}
		}
	}
	return false
}

// call runs one invocation under runID through the metered invoker. Every
// path (sync, idempotent, async) is measured the same way.
func (s *Server) call(ctx context.Context, inv invocation, runID string) ([]byte, error) {
	if inv.returnHandle {
		ctx = host.WithHandleOver(ctx, inv.handleOver)
	}
	return s.invoker.Invoke(host.WithRunID(ctx, runID), inv.principal, inv.plugin, inv.action, inv.input)
}

// writeInvokeError answers with the problem err maps to.
func (s *Server) writeInvokeError(w http.ResponseWriter, err error) {
	var scope *host.ScopeError
	if errors.As(err, &scope) {
		s.verifier.Forbid(w, scope.Missing...)
		return
	}
	p := invokeError(err)
	if p.Status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	problem.WriteError(w, p)
}
