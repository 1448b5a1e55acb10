package adminapi

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/secure-agent/saa/host/auth"
	"github.com/secure-agent/saa/host/auth/authstore"
	"github.com/secure-agent/saa/host/hostscope"
	"github.com/secure-agent/saa/host/problem"
	"github.com/secure-agent/saa/host/quota"
	"github.com/secure-agent/saa/host/registry"
)

// ScopePublish lets a bearer token submit plugin bundles (POST /plugins)
// and use no other admin route.
const ScopePublish = hostscope.PluginsPublish

// RolePublisher is the role of an identity admitted by ScopePublish only.
const RolePublisher authstore.Role = "publisher"

// BundleContentType is the media type of an uploaded bundle. Requiring it
// makes a cross-site form post impossible (it needs a CORS preflight).
const BundleContentType = "application/octet-stream"

// Problem kinds of the plugin routes.
const (
	KindPayloadTooLarge   = "payload-too-large"
	KindUnsupportedMedia  = "unsupported-media-type"
	KindInvalidBundle     = "invalid-bundle"
	KindSignatureRequired = "signature-required"
	KindInstallFailed     = "install-failed"
	KindLengthRequired    = "length-required"
)

// busyRetry is the Retry-After of a submission refused while other
// bundles are being read.
const busyRetry = "2"

// quotaRetry is the Retry-After of a submission over the client's quota of
// pending bundles, which frees as admins review them.
const quotaRetry = "600"

func (a *API) pluginRoutes(r chi.Router) {
	r.Get("/plugins", a.listPlugins)
	r.Get("/plugins/{name}", a.getPlugin)
	r.Get("/plugins/{name}/versions/{version}", a.getVersion)
	r.Post("/plugins/{name}/versions/{version}/approve", a.approveVersion)
	r.Post("/plugins/{name}/versions/{version}/reject", a.rejectVersion)
	r.Post("/plugins/{name}/disable", a.disablePlugin)
	r.Post("/plugins/{name}/enable", a.enablePlugin)
	r.Post("/plugins/{name}/rollback", a.rollbackPlugin)
	r.Get("/publishers", a.listPublishers)
	r.Get("/publishers/{name}", a.getPublisher)
	r.Put("/publishers/{name}", a.setPublisher)
	r.Put("/publishers/{name}/keys", a.trustKey)
	r.Put("/publishers/{name}/owners", a.setOwners)
}

// AuthenticatePublisher admits what Authenticate admits for writing (an
// admin user, a bearer token granted "admin") and also a bearer token
// granted ScopePublish, as an identity of RolePublisher. Mount it on
// POST /plugins only.
func (a *API) AuthenticatePublisher(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok := a.identifyPublisher(w, r)
		if !ok {
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), identityKey{}, id)))
	})
}

func (a *API) identifyPublisher(w http.ResponseWriter, r *http.Request) (Identity, bool) {
	scheme, _, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		id, ok := a.identify(w, r)
		if ok && id.Role != authstore.RoleAdmin {
			problem.Write(w, http.StatusForbidden, problem.KindForbidden, "this user may only read")
			return Identity{}, false
		}
		return id, ok
	}
	raw, err := auth.BearerToken(r)
	if err != nil {
		a.verifier.Challenge(w, err)
		return Identity{}, false
	}
	p, err := a.verifier.Verify(r.Context(), raw)
	if err != nil {
		a.verifier.Challenge(w, err)
		return Identity{}, false
	}
	id := Identity{Name: "client:" + p.ClientID, ClientID: p.ClientID}
	switch {
	case p.HasScope(auth.ScopeAdmin):
		id.Role = authstore.RoleAdmin
	case p.HasScope(ScopePublish):
		id.Role = RolePublisher
	default:
		a.verifier.Forbid(w, ScopePublish)
		return Identity{}, false
	}
	return id, true
}

// submitPlugin takes a bundle as the body and answers with its review. The
// body is streamed into the registry, never read whole first: a bundle
// over the bound, or without a Content-Length, is refused before a byte of
// it is read.
func (a *API) submitPlugin(w http.ResponseWriter, r *http.Request) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != BundleContentType {
		a.fail(w, r, problem.New(http.StatusUnsupportedMediaType, KindUnsupportedMedia, "send the bundle as "+BundleContentType))
		return
	}
	max := a.registry.MaxBundleBytes()
	switch {
	case r.ContentLength > max:
		a.fail(w, r, problem.New(http.StatusRequestEntityTooLarge, KindPayloadTooLarge, fmt.Sprintf("a bundle may have at most %d bytes", max)))
		return
	case r.ContentLength < 0:
		a.fail(w, r, problem.New(http.StatusLengthRequired, KindLengthRequired, "send the bundle with a Content-Length"))
		return
	}
	id, _ := IdentityFrom(r.Context())
	who := registry.Submitter{Name: id.Name}
	if id.Role == RolePublisher {
		who.Owner = id.ClientID
	}
	v, err := a.registry.SubmitFrom(r.Context(), r.Body, r.ContentLength, who)
	if err != nil {
		a.failRegistry(w, r, err)
		return
	}
	markRecorded(r)
	w.Header().Set("Location", Prefix+"/plugins/"+v.Plugin+"/versions/"+v.Version)
	reply(w, http.StatusCreated, v)
}

// pluginList is the answer of GET /plugins.
type pluginList struct {
	Plugins []registry.Plugin `json:"plugins"`
}

func (a *API) listPlugins(w http.ResponseWriter, r *http.Request) {
	all, err := a.registry.List(r.Context())
	if err != nil {
		a.failRegistry(w, r, err)
		return
	}
	reply(w, http.StatusOK, pluginList{Plugins: all})
}

func (a *API) getPlugin(w http.ResponseWriter, r *http.Request) {
	p, err := a.registry.Get(r.Context(), chi.URLParam(r, "name"))
	if err != nil {
		a.failRegistry(w, r, err)
		return
	}
	reply(w, http.StatusOK, p)
}

func (a *API) getVersion(w http.ResponseWriter, r *http.Request) {
	v, err := a.registry.Version(r.Context(), chi.URLParam(r, "name"), chi.URLParam(r, "version"))
	if err != nil {
		a.failRegistry(w, r, err)
		return
	}
	reply(w, http.StatusOK, v)
}

func (a *API) approveVersion(w http.ResponseWriter, r *http.Request) {
	name, version := chi.URLParam(r, "name"), chi.URLParam(r, "version")
	a.change(w, r, func(admin string) error { return a.registry.Approve(r.Context(), name, version, admin) }, a.versionAnswer(name, version))
}

// rejectRequest is the body of POST .../reject.
type rejectRequest struct {
	Reason string `json:"reason"`
}

func (a *API) rejectVersion(w http.ResponseWriter, r *http.Request) {
	var req rejectRequest
	if err := decode(w, r, &req); err != nil {
		a.fail(w, r, err)
		return
	}
	name, version := chi.URLParam(r, "name"), chi.URLParam(r, "version")
	a.change(w, r, func(admin string) error { return a.registry.Reject(r.Context(), name, version, admin, req.Reason) }, a.versionAnswer(name, version))
}

func (a *API) disablePlugin(w http.ResponseWriter, r *http.Request) {
	name := chi.URLParam(r, "name")
	a.change(w, r, func(admin string) error { return a.registry.Disable(r.Context(), name, admin) }, a.pluginAnswer(name))
}

func (a *API) enablePlugin(w http.ResponseWriter, r *http.Request) {
	name := chi.URLParam(r, "name")
	a.change(w, r, func(admin string) error { return a.registry.Enable(r.Context(), name, admin) }, a.pluginAnswer(name))
}

// rollbackRequest is the body of POST /plugins/{name}/rollback.
type rollbackRequest struct {
	Version string `json:"version"`
}

func (a *API) rollbackPlugin(w http.ResponseWriter, r *http.Request) {
	var req rollbackRequest
	if err := decode(w, r, &req); err != nil {
		a.fail(w, r, err)
		return
	}
	name := chi.URLParam(r, "name")
	a.change(w, r, func(admin string) error { return a.registry.Rollback(r.Context(), name, req.Version, admin) }, a.pluginAnswer(name))
}

// publisherList is the answer of GET /publishers.
type publisherList struct {
	Publishers []registry.Publisher `json:"publishers"`
}

func (a *API) listPublishers(w http.ResponseWriter, r *http.Request) {
	all, err := a.registry.Publishers(r.Context())
	if err != nil {
		a.failRegistry(w, r, err)
		return
	}
	reply(w, http.StatusOK, publisherList{Publishers: all})
}

func (a *API) getPublisher(w http.ResponseWriter, r *http.Request) {
	a.publisherAnswer(chi.URLParam(r, "name"))(w, r)
}

// publisherRequest is the body of PUT /publishers/{name}.
type publisherRequest struct {
	RequireSignature *bool `json:"require_signature"`
}

func (a *API) setPublisher(w http.ResponseWriter, r *http.Request) {
	var req publisherRequest
	if err := decode(w, r, &req); err != nil {
		a.fail(w, r, err)
		return
	}
	if req.RequireSignature == nil {
		a.fail(w, r, problem.New(http.StatusBadRequest, problem.KindBadRequest, "set require_signature"))
		return
	}
	name := chi.URLParam(r, "name")
	a.change(w, r, func(admin string) error {
		return a.registry.RequireSignature(r.Context(), name, *req.RequireSignature, admin)
	}, a.publisherAnswer(name))
}

// trustKeyRequest is the body of PUT /publishers/{name}/keys: an ed25519
// public key in standard base64, as `saa plugin keygen` prints it.
type trustKeyRequest struct {
	PublicKey string `json:"public_key"`
}

func (a *API) trustKey(w http.ResponseWriter, r *http.Request) {
	var req trustKeyRequest
	if err := decode(w, r, &req); err != nil {
		a.fail(w, r, err)
		return
	}
	pub, err := base64.StdEncoding.Strict().DecodeString(req.PublicKey)
	if err != nil || len(pub) != ed25519.PublicKeySize {
		a.fail(w, r, problem.New(http.StatusBadRequest, problem.KindBadRequest, "public_key must be an ed25519 public key in standard base64"))
		return
	}
	name := chi.URLParam(r, "name")
	a.change(w, r, func(admin string) error {
		return a.registry.TrustKey(r.Context(), name, ed25519.PublicKey(pub), admin)
	}, a.publisherAnswer(name))
}

// ownersRequest is the body of PUT /publishers/{name}/owners: the OAuth
// client ids allowed to publish under the name.
type ownersRequest struct {
	Owners []string `json:"owners"`
}

func (a *API) setOwners(w http.ResponseWriter, r *http.Request) {
	var req ownersRequest
	if err := decode(w, r, &req); err != nil {
		a.fail(w, r, err)
		return
	}
	if req.Owners == nil {
		a.fail(w, r, problem.New(http.StatusBadRequest, problem.KindBadRequest, "set owners (an empty list lets the next publisher claim the name)"))
		return
	}
	for _, id := range req.Owners {
		if _, err := a.clients.Get(r.Context(), id); err != nil {
			a.fail(w, r, fmt.Errorf("owner %q: %w", id, err))
			return
		}
	}
	name := chi.URLParam(r, "name")
	a.change(w, r, func(admin string) error {
		return a.registry.SetOwners(r.Context(), name, req.Owners, admin)
	}, a.publisherAnswer(name))
}

// change runs a registry change as the request's admin, then answers.
func (a *API) change(w http.ResponseWriter, r *http.Request, do func(admin string) error, answer http.HandlerFunc) {
	id, _ := IdentityFrom(r.Context())
	if err := do(id.Name); err != nil {
		a.failRegistry(w, r, err)
		return
	}
	markRecorded(r)
	answer(w, r)
}

func (a *API) versionAnswer(name, version string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := a.registry.Version(r.Context(), name, version)
		if err != nil {
			a.failRegistry(w, r, err)
			return
		}
		reply(w, http.StatusOK, v)
	}
}

func (a *API) pluginAnswer(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, err := a.registry.Get(r.Context(), name)
		if err != nil {
			a.failRegistry(w, r, err)
			return
		}
		reply(w, http.StatusOK, p)
	}
}

func (a *API) publisherAnswer(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, err := a.registry.Publisher(r.Context(), name)
		if err != nil {
			a.failRegistry(w, r, err)
			return
		}
		reply(w, http.StatusOK, p)
	}
}

// failRegistry maps the registry's errors to problems. Their messages are
// written to be shown (names, versions, the bundle's fault); anything else
// goes to fail.
func (a *API) failRegistry(w http.ResponseWriter, r *http.Request, err error) {
	var p *problem.Error
	switch {
	case errors.Is(err, registry.ErrTooLarge):
		p = problem.New(http.StatusRequestEntityTooLarge, KindPayloadTooLarge, err.Error())
	case errors.Is(err, registry.ErrInvalidBundle):
		p = problem.New(http.StatusUnprocessableEntity, KindInvalidBundle, err.Error())
	case errors.Is(err, registry.ErrSignatureRequired):
		p = problem.New(http.StatusUnprocessableEntity, KindSignatureRequired, err.Error())
	case errors.Is(err, registry.ErrInstall):
		p = problem.New(http.StatusUnprocessableEntity, KindInstallFailed, "the runtime could not install this version; see the server log")
		a.log.WarnContext(r.Context(), "plugin install failed", logKeyPath, r.URL.Path, logKeyErr, err)
	case errors.Is(err, registry.ErrForbidden):
		p = problem.New(http.StatusForbidden, problem.KindForbidden, err.Error())
	case errors.Is(err, quota.ErrExceeded):
		w.Header().Set("Retry-After", quotaRetry)
		p = problem.New(http.StatusTooManyRequests, problem.KindQuotaExceeded, "the pending bundles of this client are over its quota; wait for their review")
	case errors.Is(err, registry.ErrBusy):
		w.Header().Set("Retry-After", busyRetry)
		p = problem.New(http.StatusServiceUnavailable, problem.KindUnavailable, "too many bundles are being processed; retry shortly")
	case errors.Is(err, registry.ErrNotFound):
		p = problem.New(http.StatusNotFound, problem.KindNotFound, "no such plugin, version, secret or publisher")
	case errors.Is(err, registry.ErrConflict), errors.Is(err, registry.ErrNotApproved):
		p = problem.New(http.StatusConflict, problem.KindConflict, err.Error())
	case errors.Is(err, registry.ErrInvalidInput):
		p = problem.New(http.StatusBadRequest, problem.KindBadRequest, err.Error())
	default:
		a.fail(w, r, err)
		return
	}
	problem.Write(w, p.Status, p.Kind, p.Detail)
}
