package httpapi

import (
	"net/http"

	"github.com/secure-agent/saa/host/problem"
)

// Runs is what the server needs of the run manager (host/runs).
type Runs interface{}

func (s *Server) invokeAsync(w http.ResponseWriter, r *http.Request, inv invocation) {
	problem.Write(w, http.StatusNotImplemented, problem.KindInternal, "asynchronous runs are not available")
}

func (s *Server) invokeIdempotent(w http.ResponseWriter, r *http.Request, inv invocation) {
	problem.Write(w, http.StatusNotImplemented, problem.KindInternal, "idempotent runs are not available")
}

func (s *Server) getRun(w http.ResponseWriter, r *http.Request) {
	problem.Write(w, http.StatusNotFound, problem.KindNotFound, "no such run")
}
