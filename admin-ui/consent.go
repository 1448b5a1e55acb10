package adminui

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/secure-agent/saa/host/audit"
	"github.com/secure-agent/saa/host/auth"
)

// kindAccount is the audit kind of what users do on their own account
// (consents, revocations): an admin entry (a change of who may do what)
// whose subject is the user and whose action starts with "account.".
const kindAccount = audit.KindAdmin

// consentData is the model of the consent page.
type consentData struct {
	ClientName, ClientID string
	// ReturnTo is where the user is sent back: the redirect URI's origin.
	ReturnTo string
	Groups   []permGroup
	// Params are the authorization request's parameters, carried back in
	// hidden fields.
	Params []param
}

type param struct{ Name, Value string }

// authorize serves GET /oauth2/authorize to a signed-in user: a request
// whose scopes the user already granted is answered at once; any other is
// shown for consent.
func (u *UI) authorize(w http.ResponseWriter, r *http.Request) {
	s, _ := sessionFrom(r.Context())
	req, ok := u.parseAuthorize(w, r)
	if !ok {
		return
	}
	need, err := u.cfg.Authorizer.NeedsConsent(r.Context(), req, s.User)
	if err != nil {
		u.serverError(w, r, err)
		return
	}
	if !need {
		if err := u.cfg.Authorizer.Approve(r.Context(), w, req, s.User, req.Scopes); err != nil {
			u.cfg.Authorizer.WriteAuthorizeError(r.Context(), w, req, err)
		}
		return
	}
	d := consentData{
		ClientName: req.ClientName, ClientID: req.ClientID, ReturnTo: originOf(req.RedirectURI),
		Groups: describeScopes(u.cfg.Runtime.Plugins(), req.Scopes),
	}
	for k, vs := range req.Params {
		d.Params = append(d.Params, param{Name: k, Value: vs[0]})
	}
	slices.SortFunc(d.Params, func(a, b param) int { return strings.Compare(a.Name, b.Name) })
	allowFormTarget(w, d.ReturnTo)
	u.render(w, r, http.StatusOK, "consent", view{Title: "Allow " + req.ClientName + "?", Nav: "account", Data: d})
}

// consent serves the consent form's POST (the CSRF token was checked by
// then): the request is parsed again from the hidden fields, then approved
// with the scopes left ticked, or denied.
func (u *UI) consent(w http.ResponseWriter, r *http.Request) {
	s, _ := sessionFrom(r.Context())
	req, ok := u.parseAuthorize(w, r)
	if !ok {
		return
	}
	if r.PostFormValue("decision") != "allow" {
		u.append(r.Context(), audit.Entry{Kind: kindAccount, Subject: s.User, ClientID: req.ClientID, Action: "account.consent.deny", Outcome: audit.OutcomeOK})
		u.cfg.Authorizer.Deny(r.Context(), w, req)
		return
	}
	granted := r.PostForm["grant"]
	if err := u.cfg.Authorizer.Approve(r.Context(), w, req, s.User, granted); err != nil {
		u.cfg.Authorizer.WriteAuthorizeError(r.Context(), w, req, err)
		return
	}
	u.append(r.Context(), audit.Entry{
		Kind: kindAccount, Subject: s.User, ClientID: req.ClientID, Action: "account.consent",
		Detail: "scopes=" + strings.Join(intersect(req.Scopes, granted), ","), Outcome: audit.OutcomeOK,
	})
}

// parseAuthorize parses the request, answering it if it cannot go on: an
// untrustworthy request is shown as an error page (never redirected), a
// bad one from a known client goes back to it.
func (u *UI) parseAuthorize(w http.ResponseWriter, r *http.Request) (*auth.AuthorizeRequest, bool) {
	req, err := u.cfg.Authorizer.ParseAuthorize(r.Context(), r)
	var ae *auth.AuthorizeError
	switch {
	case errors.As(err, &ae):
		u.fail(w, r, http.StatusBadRequest, "This request to sign in to an application cannot be used: "+ae.Reason+".")
		return nil, false
	case err != nil:
		u.cfg.Authorizer.WriteAuthorizeError(r.Context(), w, req, err)
		return nil, false
	}
	return req, true
}

// originOf is scheme://host of raw, what the user should recognise.
func originOf(raw string) string {
	p, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return p.Scheme + "://" + p.Host
}

func intersect(a, b []string) []string {
	var out []string
	for _, s := range a {
		if slices.Contains(b, s) {
			out = append(out, s)
		}
	}
	return out
}

// returnOrigin is the origin an authorization request in next (a path the
// sign-in form will go on to) redirects to, if next is one whose client and
// redirect URI check out; "" otherwise.
func (u *UI) returnOrigin(r *http.Request, next string) string {
	if u.cfg.Authorizer == nil || !strings.HasPrefix(next, auth.AuthorizePath+"?") {
		return ""
	}
	req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, next, nil)
	if err != nil {
		return ""
	}
	ar, err := u.cfg.Authorizer.ParseAuthorize(r.Context(), req)
	var ae *auth.AuthorizeError
	if errors.As(err, &ae) || ar == nil {
		return ""
	}
	return originOf(ar.RedirectURI)
}
