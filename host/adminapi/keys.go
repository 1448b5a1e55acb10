package adminapi

import (
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/secure-agent/saa/host/audit"
	"github.com/secure-agent/saa/host/auth"
	"github.com/secure-agent/saa/host/problem"
)

func (a *API) keyRoutes(r chi.Router) {
	r.Get("/keys", a.listKeys)
	r.Post("/keys/rotate", a.rotateKeys)
}

// listKeys answers the signing keys: kids, algorithms and when each
// previous key retires; never a private key.
func (a *API) listKeys(w http.ResponseWriter, _ *http.Request) {
	reply(w, http.StatusOK, a.keys.Info())
}

// rotateKeysRequest is the optional body of POST /keys/rotate.
type rotateKeysRequest struct {
	// WithdrawPrevious drops the previous keys at once, voiding every token
	// they signed: for a key that leaked.
	WithdrawPrevious bool `json:"withdraw_previous"`
}

// rotateKeys makes a fresh key the signing key. The previous one keeps
// verifying, and stays in the JWKS, until every token it signed has
// expired, unless the body asks to withdraw it at once; the change is saved
// before the new key signs anything. A key from JWT_PRIVATE_KEY is rotated
// by changing the environment: 409.
func (a *API) rotateKeys(w http.ResponseWriter, r *http.Request) {
	var req rotateKeysRequest
	if r.ContentLength != 0 {
		if err := decode(w, r, &req); err != nil {
			a.fail(w, r, err)
			return
		}
	}
	rotate := a.keys.Rotate
	if req.WithdrawPrevious {
		rotate = a.keys.RotateNow
	}
	previous := a.keys.KeyID()
	err := rotate(nil)
	if errors.Is(err, auth.ErrKeysFromEnvironment) {
		problem.Write(w, http.StatusConflict, problem.KindConflict,
			"the signing key comes from JWT_PRIVATE_KEY: rotate it by changing the environment")
		return
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	info := a.keys.Info()
	a.recordRotation(r, previous, info.Current.KeyID, req.WithdrawPrevious)
	reply(w, http.StatusOK, info)
}

// recordRotation records the rotation with both kids (public values), so the
// log says which key signed tokens from when.
func (a *API) recordRotation(r *http.Request, from, to string, withdrawn bool) {
	if a.audit == nil {
		return
	}
	detail := "kid " + from + " -> " + to
	if withdrawn {
		detail += ", previous keys withdrawn"
	}
	id, _ := IdentityFrom(r.Context())
	e := audit.Entry{
		Kind: audit.KindAdmin, Subject: id.Name, ClientID: id.ClientID, Action: "keys.rotate",
		Detail: detail, Outcome: audit.OutcomeOK,
	}
	if err := a.audit.Append(r.Context(), e); err != nil {
		a.log.ErrorContext(r.Context(), "audit append failed", logKeyMethod, r.Method, logKeyPath, r.URL.Path, logKeyErr, err)
		return
	}
	markRecorded(r)
}
