package auth

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/auth/authstore"
)

// ErrInvalidToken is returned (wrapped) by Verify for any token that must not
// be accepted. The wrapped detail is for logs, never for the caller.
var ErrInvalidToken = errors.New("invalid access token")

// ErrTokenRevoked is returned, wrapped together with ErrInvalidToken, for a
// token that was valid but is on the deny-list.
var ErrTokenRevoked = errors.New("access token revoked")

// maxTokenBytes bounds what Verify will parse; SAA's tokens are well under 2 KiB.
const maxTokenBytes = 8 << 10

// acceptedAlgs are the only JWS algorithms Verify considers; a token's alg
// must also be the one of the key its kid names.
var acceptedAlgs = []string{jwt.SigningMethodES256.Alg(), jwt.SigningMethodRS256.Alg()}

// refusedHeaders would let a token name its own key or demand extensions;
// SAA never sets them, so their presence alone refuses the token.
var refusedHeaders = []string{"jku", "jwk", "x5u", "x5c", "crit"}

// Verifier checks access tokens on behalf of a resource server. It accepts
// only tokens signed by this server's keys, for this server's issuer and
// audience, not revoked, and issued to a client that still exists, is active
// and has not changed in a way that voids its tokens. It is safe for
// concurrent use.
type Verifier struct {
	keys  *KeySet
	store authstore.Revocations
	// grants are users' consents, read for tokens acting for a user; nil
	// when the store has none, and such tokens are then refused.
	grants authstore.Grants
	parser *jwt.Parser
	// maxAge bounds exp-iat: the configured lifetime plus leeway.
	maxAge time.Duration
	// resourceMetadata is the RFC 9728 metadata URL named in challenges.
	resourceMetadata string
	// audiences are the aud values accepted; a token must carry one.
	audiences []string
	deny      *denyCache
	verified  *verifiedCache
	now       func() time.Time
}

// NewVerifier returns a verifier of tokens signed with keys for publicURL,
// consulting store on every call. Verifiers sharing a store see a
// revocation or a client change at once, whichever of them (or the server)
// recorded it.
func NewVerifier(keys *KeySet, store authstore.Revocations, publicURL string) *Verifier {
	publicURL = strings.TrimRight(publicURL, "/")
	v := &Verifier{
		keys:             keys,
		store:            store,
		maxAge:           keys.keep,
		grants:           grantsOf(store),
		resourceMetadata: publicURL + ProtectedResourcePath,
		audiences:        []string{publicURL},
		deny:             newDenyCache(),
		verified:         newVerifiedCache(maxVerifiedCache),
		now:              keys.now,
	}
	v.parser = jwt.NewParser(
		jwt.WithValidMethods(acceptedAlgs),
		jwt.WithIssuer(publicURL),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(clockLeeway),
		jwt.WithStrictDecoding(),
		jwt.WithTimeFunc(v.now),
	)
	return v
}

// Verify checks raw and returns who it was issued to. Any error wraps
// ErrInvalidToken, except a failure to read the deny-list, which callers
// should report as unavailable rather than unauthorized.
func (v *Verifier) Verify(ctx context.Context, raw string) (host.Principal, error) {
	c, err := v.verify(ctx, raw)
	if err != nil {
		return host.Principal{}, err
	}
	return principalOf(c), nil
}

func (v *Verifier) verify(ctx context.Context, raw string) (*accessClaims, error) {
	c, err := v.parse(raw)
	if err != nil {
		return nil, err
	}
	if err := v.checkRevoked(ctx, c); err != nil {
		return nil, err
	}
	return c, nil
}

// parse checks everything but revocation, remembering tokens that pass.
// The returned claims are shared: never modify them.
func (v *Verifier) parse(raw string) (*accessClaims, error) {
	if raw == "" || len(raw) > maxTokenBytes {
		return nil, fmt.Errorf("%w: length %d", ErrInvalidToken, len(raw))
	}
	now := v.now()
	if c, ok := v.verified.get(raw, now); ok {
		if _, live := v.keys.lookup(c.kid); live {
			return c, nil
		}
	}
	var c accessClaims
	tok, err := v.parser.ParseWithClaims(raw, &c, v.keyFor)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	c.kid, _ = tok.Header["kid"].(string)
	if err := v.checkClaims(&c); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	v.verified.put(raw, &c, now)
	return &c, nil
}

// keyFor picks the verification key: only ours, by kid, for the alg that key
// was made for, and only for a token typed as an access token.
func (v *Verifier) keyFor(t *jwt.Token) (any, error) {
	typ, _ := t.Header["typ"].(string)
	if !strings.EqualFold(typ, TokenType) && !strings.EqualFold(typ, "application/"+TokenType) {
		return nil, fmt.Errorf("typ %q is not %s", typ, TokenType)
	}
	for _, h := range refusedHeaders {
		if _, ok := t.Header[h]; ok {
			return nil, fmt.Errorf("header %q is not accepted", h)
		}
	}
	kid, _ := t.Header["kid"].(string)
	key, ok := v.keys.lookup(kid)
	if !ok {
		return nil, errors.New("unknown kid")
	}
	if t.Method.Alg() != key.method.Alg() {
		return nil, fmt.Errorf("alg %s does not match key alg %s", t.Method.Alg(), key.method.Alg())
	}
	return key.public, nil
}

// checkClaims requires what the parser leaves optional.
func (v *Verifier) checkClaims(c *accessClaims) error {
	switch {
	case c.Subject == "":
		return errors.New("no sub")
	case c.ClientID == "":
		return errors.New("no client_id")
	case c.ID == "":
		return errors.New("no jti")
	case c.IssuedAt == nil:
		return errors.New("no iat")
	case c.Generation == nil:
		return errors.New("no gen")
	case !slices.ContainsFunc(v.audiences, func(a string) bool { return slices.Contains(c.Audience, a) }):
		return fmt.Errorf("aud %q is not for this resource", []string(c.Audience))
	}
	if age := c.ExpiresAt.Sub(c.IssuedAt.Time); age <= 0 || age > v.maxAge {
		return fmt.Errorf("lifetime %s outside (0, %s]", age, v.maxAge)
	}
	if err := c.checkDelegation(); err != nil {
		return err
	}
	c.linkAncestors()
	return nil
}

// checkRevoked consults the deny-list and the token's client (and those of
// every token it descends from, for a delegated token), through a
// cache that the store's revocation epoch invalidates: every revocation and
// every change of a client moves the epoch in the same write, so one cheap
// read per call sees any of them made anywhere, at once.
func (v *Verifier) checkRevoked(ctx context.Context, c *accessClaims) error {
	epoch, err := v.store.RevocationEpoch(ctx)
	if err != nil {
		return fmt.Errorf("check revocation: %w", err)
	}
	now := v.now()
	// A delegated token is checked as each of its ancestors would be: one
	// revoked, or issued to a client since disabled, deleted or changed,
	// voids it too.
	for i := range len(c.ancestors) + 1 {
		l := c
		if i > 0 {
			l = c.ancestors[i-1]
		}
		if v.deny.allowed(epoch, l, now) {
			continue
		}
		st, at, err := v.store.TokenStatus(ctx, l.ID, l.ClientID)
		if err != nil {
			return fmt.Errorf("check revocation: %w", err)
		}
		if reason := voided(st, *l.Generation); reason != "" {
			if i > 0 {
				reason = "ancestor token " + reason
			}
			return fmt.Errorf("%w: %w: %s", ErrInvalidToken, ErrTokenRevoked, reason)
		}
		if err := v.checkGrant(ctx, l); err != nil {
			return err
		}
		v.deny.remember(at, l, now)
	}
	return nil
}

// checkGrant refuses a token acting for a user unless the user's grant to
// its client stands at the token's generation. Revoking a grant moves the
// revocation epoch in the same write, so a cached answer never outlives it.
func (v *Verifier) checkGrant(ctx context.Context, c *accessClaims) error {
	if c.GrantGen == nil {
		return nil
	}
	if v.grants == nil {
		return fmt.Errorf("%w: user tokens are not accepted here", ErrInvalidToken)
	}
	g, err := v.grants.GetGrant(ctx, c.Subject, c.ClientID)
	switch {
	case errors.Is(err, authstore.ErrNotFound):
		return fmt.Errorf("%w: %w: no grant", ErrInvalidToken, ErrTokenRevoked)
	case err != nil:
		return fmt.Errorf("check grant: %w", err)
	case g.Revoked || g.Generation != *c.GrantGen:
		return fmt.Errorf("%w: %w: grant revoked", ErrInvalidToken, ErrTokenRevoked)
	}
	return nil
}

// grantsOf returns store's grants, if it keeps them.
func grantsOf(store authstore.Revocations) authstore.Grants {
	g, _ := store.(authstore.Grants)
	return g
}

// voided says why a token of generation gen with status st is void, or "".
// The token's client must exist, be active and be at the token's generation.
func voided(st authstore.TokenStatus, gen uint64) string {
	switch {
	case st.Denied:
		return "revoked"
	case !st.ClientFound:
		return "client deleted"
	case st.ClientStatus != authstore.ClientActive:
		return "client disabled"
	case st.ClientGeneration != gen:
		return "client changed since issue"
	}
	return ""
}

// ForResource returns a verifier, with its own caches, that accepts only
// tokens whose aud names resource (RFC 8707), and whose challenges name
// metadataURL: the resource's RFC 9728 metadata.
func (v *Verifier) ForResource(resource, metadataURL string) *Verifier {
	return v.withAudiences([]string{resource}, metadataURL)
}

func (v *Verifier) withAudiences(audiences []string, metadataURL string) *Verifier {
	cp := &Verifier{
		keys: v.keys, store: v.store, grants: v.grants, parser: v.parser, maxAge: v.maxAge,
		resourceMetadata: metadataURL, audiences: audiences,
		deny: newDenyCache(), verified: newVerifiedCache(maxVerifiedCache), now: v.now,
	}
	return cp
}
