package authstore

import (
	"context"
	"errors"
	"time"
)

// ErrUsed is returned (wrapped) when an authorization code is redeemed, or a
// refresh token rotated, a second time. The caller then revokes the family
// the code or token belongs to: a second use means one of the two users is
// not the client.
var ErrUsed = errors.New("already used")

// ErrFamilyRevoked is returned (wrapped) when a token would be added to a
// revoked family.
var ErrFamilyRevoked = errors.New("token family revoked")

// Flows is what the authorization code flow persists besides clients and
// users: users' consents (grants), authorization codes, and refresh-token
// families. A backend that implements it next to Store enables the flow.
//
// A family is every token issued from one authorization code: the access
// and refresh tokens of the code exchange and of every refresh after it.
// Revoking a family denies its access tokens until they expire and
// deactivates its refresh tokens, in one transaction.
type Flows interface {
	Grants
	Codes
	Families
}

// Grant is a user's consent that a client may act for it with Scopes.
type Grant struct {
	User     string
	ClientID string
	Scopes   []string
	// Generation grows each time the grant is revoked; an access token
	// carries the generation it was issued under and is void once the two
	// differ, so a revoked grant's tokens stop working at once.
	Generation uint64
	// Revoked is true after RevokeGrant until consent is given again.
	Revoked   bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Grants persists consents, keyed by (user, client).
type Grants interface {
	// PutGrant records that user consents to clientID acting with scopes,
	// replacing the scopes of an earlier grant and clearing Revoked; the
	// Generation of an earlier grant is kept, so tokens voided by a
	// revocation stay void. It returns the stored grant.
	PutGrant(ctx context.Context, user, clientID string, scopes []string, at time.Time) (Grant, error)
	// GetGrant returns the grant of (user, clientID), revoked or not;
	// ErrNotFound if consent was never given.
	GetGrant(ctx context.Context, user, clientID string) (Grant, error)
	// ListGrants returns user's grants that are not revoked, ordered by client.
	ListGrants(ctx context.Context, user string) ([]Grant, error)
	// RevokeGrant marks the grant revoked, increments its Generation,
	// revokes every family of (user, clientID) and increments the
	// revocation epoch, all in one transaction; ErrNotFound if none.
	RevokeGrant(ctx context.Context, user, clientID string, at time.Time) (Grant, error)
}

// Code is a stored authorization code, keyed by a digest of the code: the
// code itself is never stored.
type Code struct {
	Signature string
	// Family is the family every token issued from the code joins.
	Family string
	// Request is the serialised authorization request, opaque to the store.
	Request   []byte
	ExpiresAt time.Time
	// Used is set by UseCode.
	Used bool
}

// Codes persists authorization codes.
type Codes interface {
	// CreateCode stores c; ErrExists if its signature is taken. Expired
	// codes may be dropped on the way.
	CreateCode(ctx context.Context, c Code) error
	// GetCode returns the code with signature, used or not; ErrNotFound if none.
	GetCode(ctx context.Context, signature string) (Code, error)
	// UseCode marks the code used, atomically: of concurrent calls exactly
	// one succeeds and the others get ErrUsed. ErrNotFound if none.
	UseCode(ctx context.Context, signature string) error
}

// RefreshToken is a stored refresh token, keyed by a digest of the token.
type RefreshToken struct {
	Signature string
	Family    string
	// Request is the serialised request the token refreshes, opaque to the store.
	Request   []byte
	ExpiresAt time.Time
	// Active is false once the token was rotated or its family revoked.
	Active bool
}

// Families persists refresh tokens and the access tokens of each family.
type Families interface {
	// AddAccessToken records that the access token jti (expiring at exp)
	// was issued in family for (user, clientID), creating the family on its
	// first token. If the family is revoked it denies jti at once and
	// returns ErrFamilyRevoked.
	AddAccessToken(ctx context.Context, family, user, clientID, jti string, exp time.Time) error
	// CreateRefreshToken stores rt as active; ErrFamilyRevoked if its
	// family is revoked, ErrNotFound if the family has no access token yet,
	// ErrExists if its signature is taken.
	CreateRefreshToken(ctx context.Context, rt RefreshToken) error
	// GetRefreshToken returns the token with signature, active or not;
	// ErrNotFound if none.
	GetRefreshToken(ctx context.Context, signature string) (RefreshToken, error)
	// RotateRefreshToken deactivates the token, atomically: of concurrent
	// calls exactly one succeeds and the others, like any call on an
	// inactive token, get ErrUsed. ErrNotFound if none.
	RotateRefreshToken(ctx context.Context, signature string) error
	// RevokeFamily marks family revoked, deactivates its refresh tokens,
	// denies its access tokens until their exp and increments the
	// revocation epoch, in one transaction. ErrNotFound if no such family.
	RevokeFamily(ctx context.Context, family string) error
}
