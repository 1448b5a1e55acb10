// Package authstore is the storage contract of SAA's authorization server:
// the records it keeps (OAuth clients, users, the token deny-list, and for
// the authorization code flow users' grants, codes and refresh-token
// families) and the interfaces a backend implements. Flows is separate from
// Store: a backend without it serves client credentials only. host/auth uses these interfaces;
// host/store implements them on bbolt, and host/auth/authtest holds the
// conformance suite every backend runs.
//
// It lives in its own leaf package, not in host/auth, so that a backend can
// implement it without importing host/auth (which imports host): that keeps
// host -> host/store legal. It must never import anything but the standard
// library, and never grow behaviour beyond plain data helpers.
package authstore

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned (wrapped) when a client or user does not exist.
var ErrNotFound = errors.New("not found")

// ErrExists is returned (wrapped) when creating a client or user whose key is
// already taken.
var ErrExists = errors.New("already exists")

// Store is everything the authorization server persists.
type Store interface {
	Clients
	Users
	Revocations
}

// ClientStatus says whether a client may authenticate.
type ClientStatus string

// The client statuses.
const (
	ClientActive   ClientStatus = "active"
	ClientDisabled ClientStatus = "disabled"
)

// Client is a confidential OAuth 2.0 client. Its secret is never stored: only
// its SHA-256 digest.
type Client struct {
	ID   string
	Name string
	// Scopes are the scopes the client may request, matched exactly.
	Scopes []string
	Status ClientStatus
	// SecretHash is the SHA-256 digest of the client secret.
	SecretHash []byte
	CreatedAt  time.Time
	// RotatedAt is when the secret was last replaced; zero if never.
	RotatedAt time.Time
	// Generation grows with every change that voids the client's tokens
	// (disabling it, rotating its secret, taking a scope away). A token
	// carries the generation of the client record it was issued from and is
	// void once the two differ.
	Generation uint64
	// RedirectURIs are where the authorization code flow may send a user
	// back to, matched exactly (a loopback one on any port for a public
	// client, RFC 8252). None means the client may not use that flow.
	RedirectURIs []string
	// Public marks a client without a secret (a native or browser app): it
	// may use only the authorization code flow with PKCE, and its refresh
	// tokens rotate.
	Public bool
}

// Clients persists OAuth clients.
type Clients interface {
	// CreateClient stores a new client; ErrExists if its ID is taken.
	CreateClient(ctx context.Context, c Client) error
	// GetClient returns the client with id; ErrNotFound if none.
	GetClient(ctx context.Context, id string) (Client, error)
	// ListClients returns every client ordered by ID.
	ListClients(ctx context.Context) ([]Client, error)
	// UpdateClient atomically reads the client with id, applies fn and stores
	// the result; nothing is stored if fn fails. It returns the stored client,
	// or ErrNotFound. fn must not change the ID. In the same transaction it
	// increments the revocation epoch (see Revocations), so a verifier that
	// cached a token as good re-reads the client at once.
	UpdateClient(ctx context.Context, id string, fn func(*Client) error) (Client, error)
	// DeleteClient removes the client with id, incrementing the revocation
	// epoch in the same transaction; ErrNotFound if none.
	DeleteClient(ctx context.Context, id string) error
}

// Role is what an admin user may do.
type Role string

// The user roles.
const (
	RoleAdmin  Role = "admin"
	RoleViewer Role = "viewer"
	// RoleUser is an end user: it signs in only to consent to agents acting
	// for it and to manage that on /account; never to /admin.
	RoleUser Role = "user"
)

// User is a human who signs in: to the admin API or UI (admin, viewer), or
// to consent to agents acting for them (user).
type User struct {
	Name string
	Role Role
	// PasswordHash is an argon2id hash in PHC string format.
	PasswordHash string
	CreatedAt    time.Time
}

// Users persists admin users.
type Users interface {
	// CreateUser stores a new user; ErrExists if the name is taken.
	CreateUser(ctx context.Context, u User) error
	// GetUser returns the user called name; ErrNotFound if none.
	GetUser(ctx context.Context, name string) (User, error)
	// ListUsers returns every user ordered by name.
	ListUsers(ctx context.Context) ([]User, error)
	// UpdateUser atomically applies fn to the user called name, like UpdateClient.
	UpdateUser(ctx context.Context, name string, fn func(*User) error) (User, error)
	// DeleteUser removes the user called name; ErrNotFound if none.
	DeleteUser(ctx context.Context, name string) error
}

// Revocations is the deny-list of access tokens. Access tokens are
// self-contained JWTs, so revoking one means remembering its ID (jti) until
// the token would have expired anyway. Voiding all of a client's tokens is
// not a deny-list entry but a change of the client (Client.Generation),
// which verifiers compare with the token's.
//
// Every change of the deny-list or of a client increments an epoch, which
// verifiers read on every verification to know at once whether what they
// cached is still current.
type Revocations interface {
	// DenyToken puts jti on the deny-list until until, and increments the epoch.
	DenyToken(ctx context.Context, jti string, until time.Time) error
	// TokenStatus reads, in one consistent view, whether the token with id
	// jti is on the deny-list and the state of clientID, together with the
	// epoch the answer was read at. A verifier calls it for every token it
	// has not checked since the epoch last moved, so it must be cheap.
	TokenStatus(ctx context.Context, jti, clientID string) (TokenStatus, uint64, error)
	// RevocationEpoch returns the current epoch; it starts at 0 and only grows.
	RevocationEpoch(ctx context.Context) (uint64, error)
	// PurgeRevocations forgets entries whose until is before now and returns
	// how many it removed. It does not change the epoch.
	PurgeRevocations(ctx context.Context, now time.Time) (int, error)
}

// TokenStatus is what a verifier needs to know about a token besides its
// signature and claims.
type TokenStatus struct {
	// Denied is true when the token's jti is on the deny-list.
	Denied bool
	// ClientFound is false when the client does not exist (any more).
	ClientFound bool
	// ClientStatus and ClientGeneration are the client's, when found.
	ClientStatus     ClientStatus
	ClientGeneration uint64
}
