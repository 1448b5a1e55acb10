package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/go-chi/chi/v5"

	"github.com/secure-agent/saa/host/auth/authstore"
	"github.com/secure-agent/saa/host/problem"
)

// LimitStore keeps the limits an admin set for clients.
type LimitStore interface {
	// ClientLimits returns the client's own limits; ok is false when it has
	// none and the defaults apply.
	ClientLimits(ctx context.Context, clientID string) (lim ClientLimits, ok bool, err error)
	// SetClientLimits gives the client its own limits.
	SetClientLimits(ctx context.Context, clientID string, lim ClientLimits) error
	// DeleteClientLimits returns the client to the defaults.
	DeleteClientLimits(ctx context.Context, clientID string) error
}

// MemoryLimits is a LimitStore in memory: limits last until the process
// ends. It is the default until a persistent store is configured.
type MemoryLimits struct {
	mu sync.Mutex
	m  map[string]ClientLimits
}

var _ LimitStore = (*MemoryLimits)(nil)

// ClientLimits implements LimitStore.
func (s *MemoryLimits) ClientLimits(_ context.Context, id string) (ClientLimits, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	lim, ok := s.m[id]
	return lim, ok, nil
}

// SetClientLimits implements LimitStore.
func (s *MemoryLimits) SetClientLimits(_ context.Context, id string, lim ClientLimits) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]ClientLimits{}
	}
	s.m[id] = lim
	return nil
}

// DeleteClientLimits implements LimitStore.
func (s *MemoryLimits) DeleteClientLimits(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, id)
	return nil
}

// LimitsView is the body of the admin limits endpoints.
type LimitsView struct {
	ClientID string `json:"client_id"`
	ClientLimits
	// Default is true when the client has no limits of its own.
	Default bool `json:"default"`
}

// maxRate bounds what an admin may set, to catch typos rather than to limit.
const maxRate = 1e7

// validate reports what is wrong with limits an admin sent.
func (l ClientLimits) validate() error {
	switch {
	case l.Rate < 0 || l.Rate > maxRate:
		return errors.New("rate must be between 0 (unlimited) and 1e7 requests per second")
	case l.Burst < 0 || l.Concurrency < 0:
		return errors.New("burst and concurrency must not be negative")
	case l.Rate > 0 && l.Burst < 1:
		return errors.New("a rate needs a burst of at least 1")
	}
	return nil
}

// limitRoutes mounts GET, PUT and DELETE /limits/{client_id} on the admin
// router.
func (s *Server) limitRoutes(r chi.Router) {
	r.Get("/limits/{client_id}", s.getLimits)
	r.Put("/limits/{client_id}", s.putLimits)
	r.Delete("/limits/{client_id}", s.deleteLimits)
}

func (s *Server) getLimits(w http.ResponseWriter, r *http.Request) {
	id, ok := s.knownClient(w, r)
	if !ok {
		return
	}
	lim, own, err := s.cfg.LimitStore.ClientLimits(r.Context(), id)
	if err != nil {
		s.internal(w, r, "read limits", err)
		return
	}
	if !own {
		lim = s.cfg.Limits
	}
	writeJSON(w, http.StatusOK, LimitsView{ClientID: id, ClientLimits: lim, Default: !own})
}

func (s *Server) putLimits(w http.ResponseWriter, r *http.Request) {
	id, ok := s.knownClient(w, r)
	if !ok {
		return
	}
	var lim ClientLimits
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&lim); err != nil {
		problem.Write(w, http.StatusBadRequest, problem.KindBadRequest, "the body must be {\"rate\":..., \"burst\":..., \"concurrency\":...}")
		return
	}
	if err := lim.validate(); err != nil {
		problem.Write(w, http.StatusUnprocessableEntity, KindInvalidInput, err.Error())
		return
	}
	if err := s.cfg.LimitStore.SetClientLimits(r.Context(), id, lim); err != nil {
		s.internal(w, r, "store limits", err)
		return
	}
	s.limiter.forget(id)
	writeJSON(w, http.StatusOK, LimitsView{ClientID: id, ClientLimits: lim})
}

func (s *Server) deleteLimits(w http.ResponseWriter, r *http.Request) {
	id, ok := s.knownClient(w, r)
	if !ok {
		return
	}
	if err := s.cfg.LimitStore.DeleteClientLimits(r.Context(), id); err != nil {
		s.internal(w, r, "delete limits", err)
		return
	}
	s.limiter.forget(id)
	w.WriteHeader(http.StatusNoContent)
}

// knownClient returns the {client_id} of the path if such a client exists,
// or answers 404.
func (s *Server) knownClient(w http.ResponseWriter, r *http.Request) (string, bool) {
	id := chi.URLParam(r, "client_id")
	_, err := s.cfg.Auth.Clients().Get(r.Context(), id)
	switch {
	case errors.Is(err, authstore.ErrNotFound):
		problem.Write(w, http.StatusNotFound, problem.KindNotFound, "no such client")
		return "", false
	case err != nil:
		s.internal(w, r, "read client", err)
		return "", false
	}
	return id, true
}

// internal logs err and answers a bare 500.
func (s *Server) internal(w http.ResponseWriter, r *http.Request, what string, err error) {
	s.log.ErrorContext(r.Context(), what, logRequestID, requestID(r.Context()), logError, err.Error())
	problem.Write(w, http.StatusInternalServerError, problem.KindInternal, "internal error")
}

// DocumentStore keeps one JSON document per client, such as
// store.ClientLimits.
type DocumentStore interface {
	Get(ctx context.Context, clientID string) (doc []byte, ok bool, err error)
	Put(ctx context.Context, clientID string, doc []byte) error
	Delete(ctx context.Context, clientID string) error
}

// StoredLimits is a LimitStore on a DocumentStore, so that limits survive
// a restart.
type StoredLimits struct{ Docs DocumentStore }

var _ LimitStore = StoredLimits{}

// ClientLimits implements LimitStore.
func (s StoredLimits) ClientLimits(ctx context.Context, id string) (ClientLimits, bool, error) {
	doc, ok, err := s.Docs.Get(ctx, id)
	if err != nil || !ok {
		return ClientLimits{}, false, err
	}
	var lim ClientLimits
	if err := json.Unmarshal(doc, &lim); err != nil {
		return ClientLimits{}, false, fmt.Errorf("decode limits of %s: %w", id, err)
	}
	return lim, true, nil
}

// SetClientLimits implements LimitStore.
func (s StoredLimits) SetClientLimits(ctx context.Context, id string, lim ClientLimits) error {
	doc, err := json.Marshal(lim)
	if err != nil {
		return err
	}
	return s.Docs.Put(ctx, id, doc)
}

// DeleteClientLimits implements LimitStore.
func (s StoredLimits) DeleteClientLimits(ctx context.Context, id string) error {
	return s.Docs.Delete(ctx, id)
}
