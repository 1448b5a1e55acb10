package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/secure-agent/saa/host/problem"
)

// Log keys, shared by every line this package writes.
const (
	logRequestID = "request_id"
	logMethod    = "method"
	logRoute     = "route"
	logStatus    = "status"
	logBytes     = "bytes"
	logDuration  = "duration_ms"
	logClient    = "client_id"
	logRunID     = "run_id"
	logError     = "error"
)

// HeaderRequestID carries the request id; an incoming one is kept if it is
// short and plain, so that a caller can correlate its logs with ours.
const HeaderRequestID = "X-Request-Id"

type reqInfoKey struct{}

// reqInfo is what the access log line tells about a request beyond its
// method and route; handlers fill in the client and run they learn.
type reqInfo struct {
	id     string
	client string
	run    string
}

// info returns the request's reqInfo; never nil.
func info(ctx context.Context) *reqInfo {
	if ri, ok := ctx.Value(reqInfoKey{}).(*reqInfo); ok {
		return ri
	}
	return &reqInfo{}
}

// requestID returns the request id the middleware put in ctx.
func requestID(ctx context.Context) string { return info(ctx).id }

// newID returns a random 128-bit id in lowercase base32, safe in URLs and
// headers.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:])
}

// validID reports whether an incoming id is safe to echo and log.
func validID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
		if !ok {
			return false
		}
	}
	return true
}

// withRequestID gives every request an id, in its context and response.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(HeaderRequestID)
		if !validID(id) {
			id = newID()
		}
		w.Header().Set(HeaderRequestID, id)
		ctx := context.WithValue(r.Context(), reqInfoKey{}, &reqInfo{id: id})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// statusWriter records the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
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
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logAndMeasure writes one log line per request and feeds the HTTP metrics.
// It logs the route pattern, never the query string, a header value or a body.
func (s *Server) logAndMeasure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		s.metrics.inFlight.Set(float64(s.active.Add(1)))
		defer func() { s.metrics.inFlight.Set(float64(s.active.Add(-1))) }()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		route := routePattern(r)
		elapsed := time.Since(start)
		s.metrics.observeHTTP(route, r.Method, sw.status, elapsed)
		lvl := slog.LevelInfo
		if sw.status >= 500 {
			lvl = slog.LevelError
		}
		ri := info(r.Context())
		attrs := []slog.Attr{
			slog.String(logRequestID, ri.id),
			slog.String(logMethod, r.Method),
			slog.String(logRoute, route),
			slog.Int(logStatus, sw.status),
			slog.Int64(logBytes, sw.bytes),
			slog.Float64(logDuration, float64(elapsed.Microseconds())/1000),
		}
		if ri.client != "" {
			attrs = append(attrs, slog.String(logClient, ri.client))
		}
		if ri.run != "" {
			attrs = append(attrs, slog.String(logRunID, ri.run))
		}
		s.log.LogAttrs(r.Context(), lvl, "request", attrs...)
	})
}

// routePattern is the matched chi route ("/v1/actions/{plugin}/{action}"),
// which keeps metric labels bounded, or "other".
func routePattern(r *http.Request) string {
	if rc := chi.RouteContext(r.Context()); rc != nil {
		if p := rc.RoutePattern(); p != "" {
			return p
		}
	}
	return "other"
}

// recoverPanics turns a handler panic into a 500 problem and a log line,
// keeping the server up. http.ErrAbortHandler is re-raised, as net/http wants.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.ErrorContext(r.Context(), "handler panic",
				slog.String(logRequestID, requestID(r.Context())), slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
			problem.Write(w, http.StatusInternalServerError, problem.KindInternal, "internal error")
		}()
		next.ServeHTTP(w, r)
	})
}
