package httpapi

import (
	"bytes"
	"errors"
	"net/http"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/runs"
)

// HeaderReplayed marks an answer replayed for a repeated Idempotency-Key.
const HeaderReplayed = "Idempotent-Replayed"

// invokeIdempotent runs a synchronous invocation under an Idempotency-Key:
// the first request with a key runs and its answer is stored; a repeat of
// the same request gets that answer again without running anything; the
// same key with another request is refused (422), as is a repeat while the
// first still runs (409).
func (s *Server) invokeIdempotent(w http.ResponseWriter, r *http.Request, inv invocation) {
	idem := s.cfg.Idempotency
	if idem == nil {
		s.writeRunsError(w, r, runs.ErrIdempotencyDisabled)
		return
	}
	ctx, client, key := r.Context(), inv.principal.ClientID, inv.idempotencyKey
	prior, err := idem.Begin(ctx, client, key, inv.plugin, inv.action, inv.input)
	if err != nil {
		s.writeRunsError(w, r, err)
		return
	}
	if prior != nil {
		w.Header().Set(HeaderReplayed, "true")
		w.Header().Set("Content-Type", prior.ContentType)
		w.WriteHeader(prior.Status)
		_, _ = w.Write(prior.Body)
		return
	}
	runID := newID()
	info(ctx).run = runID
	w.Header().Set(HeaderRunID, runID)
	out, err := s.call(ctx, inv, runID)
	if neverRan(err) {
		if aerr := idem.Abandon(ctx, client, key); aerr != nil {
			s.log.ErrorContext(ctx, "abandon idempotency key", logRequestID, requestID(ctx), logError, aerr.Error())
		}
		s.writeInvokeError(w, err)
		return
	}
	rec := &recorder{header: http.Header{}}
	s.writeResult(rec, out, err)
	resp := runs.Response{Status: rec.status, ContentType: rec.header.Get("Content-Type"), Body: rec.body.Bytes()}
	if cerr := idem.Complete(ctx, client, key, resp); cerr != nil {
		s.log.ErrorContext(ctx, "complete idempotency key", logRequestID, requestID(ctx), logError, cerr.Error())
	}
	rec.copyTo(w)
}

// neverRan reports whether err refused the call before the plugin ran, so
// that a retry with the same key may run it.
func neverRan(err error) bool {
	var scope *host.ScopeError
	return errors.As(err, &scope) || errors.Is(err, host.ErrNotFound) ||
		errors.Is(err, host.ErrInvalidInput) || errors.Is(err, host.ErrBusy)
}

// writeResult answers a finished call: its output, or its problem.
func (s *Server) writeResult(w http.ResponseWriter, out []byte, err error) {
	if err != nil {
		s.writeInvokeError(w, err)
		return
	}
	writeRawJSON(w, http.StatusOK, out)
}

// recorder keeps an answer so it can be both stored and sent.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return r.body.Write(b)
}

// copyTo sends the recorded answer to w.
func (r *recorder) copyTo(w http.ResponseWriter) {
	for k, v := range r.header {
		w.Header()[k] = v
	}
	w.WriteHeader(r.status)
	_, _ = w.Write(r.body.Bytes())
}
