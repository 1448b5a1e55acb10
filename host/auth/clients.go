package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/secure-agent/saa/host/auth/authstore"
)

// ErrNotFound is returned (wrapped) when a client or user does not exist.
var ErrNotFound = authstore.ErrNotFound

// ErrClientDisabled is returned when a disabled client tries to authenticate.
var ErrClientDisabled = errors.New("client is disabled")

// secretPrefix marks SAA client secrets, so secret scanners can find leaked ones.
const secretPrefix = "saa_cs_"

// secretBytes is the entropy of a client secret: 256 bits.
const secretBytes = 32

// Client is the public view of an OAuth client: everything but its secret.
type Client struct {
	ID        string    `json:"client_id"`
	Name      string    `json:"name"`
	Scopes    []string  `json:"scopes"`
	Status    string    `json:"status"`
	CreatedAt time.Time `json:"created_at"`
	RotatedAt time.Time `json:"rotated_at,omitzero"`
	// RedirectURIs are where the authorization code flow may return a user.
	RedirectURIs []string `json:"redirect_uris,omitempty"`
	// Public is true for a client without a secret (PKCE only).
	Public bool `json:"public,omitempty"`
}

func publicClient(c authstore.Client) Client {
	return Client{
		ID: c.ID, Name: c.Name, Scopes: slices.Clone(c.Scopes), Status: string(c.Status),
		CreatedAt: c.CreatedAt, RotatedAt: c.RotatedAt,
		RedirectURIs: slices.Clone(c.RedirectURIs), Public: c.Public,
	}
}

// Clients manages OAuth clients. Every path that changes what a client may
// do (disable, delete, narrowing its scopes, rotating its secret) also voids
// the tokens it already holds: it moves the client to a new generation in
// the same store write, and a token is valid only while its generation is
// the client's and the client is active (Verifier checks both). No clock is
// involved, so a change voids every token issued before it, however close.
type Clients struct {
	store authstore.Store
	now   func() time.Time
}

// Create registers a confidential client and returns it with its secret,
// which is never shown again.
func (s *Clients) Create(ctx context.Context, name string, scopes []string) (Client, string, error) {
	return s.CreateWith(ctx, ClientSpec{Name: name, Scopes: scopes})
}

// ClientSpec describes a client to create.
type ClientSpec struct {
	Name   string
	Scopes []string
	// RedirectURIs enable the authorization code flow (see checkRedirectURI).
	RedirectURIs []string
	// Public makes a client without a secret; it needs RedirectURIs.
	Public bool
}

// CreateWith registers a client and returns it with its secret, which is
// never shown again; a public client has none ("").
func (s *Clients) CreateWith(ctx context.Context, spec ClientSpec) (Client, string, error) {
	c, secret, err := s.newClient(spec)
	if err != nil {
		return Client{}, "", fmt.Errorf("create client: %w", err)
	}
	if err := s.store.CreateClient(ctx, c); err != nil {
		return Client{}, "", fmt.Errorf("create client: %w", err)
	}
	return publicClient(c), secret, nil
}

// newClient checks spec and builds the record, with a secret unless public.
func (s *Clients) newClient(spec ClientSpec) (authstore.Client, string, error) {
	if err := checkName(spec.Name); err != nil {
		return authstore.Client{}, "", err
	}
	scopes, err := normalizeScopes(spec.Scopes)
	if err != nil {
		return authstore.Client{}, "", err
	}
	uris, err := checkRedirectURIs(spec.RedirectURIs)
	if err != nil {
		return authstore.Client{}, "", err
	}
	if spec.Public && len(uris) == 0 {
		return authstore.Client{}, "", inputErrorf("a public client needs at least one redirect URI")
	}
	var secret string
	var hash []byte
	if !spec.Public {
		if secret, hash, err = newSecret(); err != nil {
			return authstore.Client{}, "", err
		}
	}
	id, err := randomHex(16)
	if err != nil {
		return authstore.Client{}, "", err
	}
	return authstore.Client{
		ID: id, Name: spec.Name, Scopes: scopes, Status: authstore.ClientActive,
		SecretHash: hash, CreatedAt: s.now().UTC(), RedirectURIs: uris, Public: spec.Public,
	}, secret, nil
}

// List returns every client.
func (s *Clients) List(ctx context.Context) ([]Client, error) {
	all, err := s.store.ListClients(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Client, 0, len(all))
	for _, c := range all {
		out = append(out, publicClient(c))
	}
	return out, nil
}

// Get returns the client with id, or an error wrapping ErrNotFound.
func (s *Clients) Get(ctx context.Context, id string) (Client, error) {
	c, err := s.store.GetClient(ctx, id)
	if err != nil {
		return Client{}, err
	}
	return publicClient(c), nil
}

// UpdateScopes replaces the client's allowed scopes. If any scope is taken
// away, tokens issued before are void.
func (s *Clients) UpdateScopes(ctx context.Context, id string, scopes []string) (Client, error) {
	scopes, err := normalizeScopes(scopes)
	if err != nil {
		return Client{}, fmt.Errorf("update client scopes: %w", err)
	}
	c, err := s.store.UpdateClient(ctx, id, func(c *authstore.Client) error {
		if slices.ContainsFunc(c.Scopes, func(old string) bool { return !slices.Contains(scopes, old) }) {
			c.Generation++
		}
		c.Scopes = scopes
		return nil
	})
	if err != nil {
		return Client{}, fmt.Errorf("update client scopes: %w", err)
	}
	return publicClient(c), nil
}

// Disable stops the client from getting tokens and voids those it holds.
func (s *Clients) Disable(ctx context.Context, id string) (Client, error) {
	c, err := s.setStatus(ctx, id, authstore.ClientDisabled)
	if err != nil {
		return Client{}, fmt.Errorf("disable client: %w", err)
	}
	return c, nil
}

// Enable lets a disabled client get tokens again. Tokens voided while it was
// disabled stay void.
func (s *Clients) Enable(ctx context.Context, id string) (Client, error) {
	c, err := s.setStatus(ctx, id, authstore.ClientActive)
	if err != nil {
		return Client{}, fmt.Errorf("enable client: %w", err)
	}
	return c, nil
}

// SetStatus calls Disable or Enable.
func (s *Clients) SetStatus(ctx context.Context, id, status string) (Client, error) {
	switch authstore.ClientStatus(status) {
	case authstore.ClientActive:
		return s.Enable(ctx, id)
	case authstore.ClientDisabled:
		return s.Disable(ctx, id)
	default:
		return Client{}, inputErrorf("status must be %q or %q", authstore.ClientActive, authstore.ClientDisabled)
	}
}

// setStatus changes the client's status; disabling moves it to a new
// generation, so tokens issued before stay void after it is enabled again.
func (s *Clients) setStatus(ctx context.Context, id string, status authstore.ClientStatus) (Client, error) {
	c, err := s.store.UpdateClient(ctx, id, func(c *authstore.Client) error {
		if status != authstore.ClientActive {
			c.Generation++
		}
		c.Status = status
		return nil
	})
	if err != nil {
		return Client{}, err
	}
	return publicClient(c), nil
}

// RotateSecret gives the client a new secret, returned once; the old one
// stops working at once, and tokens issued with it are void (a rotation is
// most often a response to a leak).
func (s *Clients) RotateSecret(ctx context.Context, id string) (Client, string, error) {
	secret, hash, err := newSecret()
	if err != nil {
		return Client{}, "", fmt.Errorf("rotate client secret: %w", err)
	}
	now := s.now().UTC()
	c, err := s.store.UpdateClient(ctx, id, func(c *authstore.Client) error {
		if c.Public {
			return inputErrorf("a public client has no secret to rotate")
		}
		c.SecretHash, c.RotatedAt = hash, now
		c.Generation++
		return nil
	})
	if err != nil {
		return Client{}, "", fmt.Errorf("rotate client secret: %w", err)
	}
	return publicClient(c), secret, nil
}

// Delete removes the client; a token of a client that does not exist is
// void.
func (s *Clients) Delete(ctx context.Context, id string) error {
	if err := s.store.DeleteClient(ctx, id); err != nil {
		return fmt.Errorf("delete client: %w", err)
	}
	return nil
}

// authenticate returns the active client id whose secret is secret. The
// digest comparison takes the same time whether or not the client exists.
func (s *Clients) authenticate(ctx context.Context, id, secret string) (authstore.Client, error) {
	sum := sha256.Sum256([]byte(secret))
	c, err := s.store.GetClient(ctx, id)
	if err != nil {
		subtle.ConstantTimeCompare(sum[:], sum[:])
		return authstore.Client{}, err
	}
	if subtle.ConstantTimeCompare(c.SecretHash, sum[:]) != 1 {
		return authstore.Client{}, ErrSecretMismatch
	}
	if c.Status != authstore.ClientActive {
		return authstore.Client{}, ErrClientDisabled
	}
	return c, nil
}

// newSecret returns a fresh client secret and its SHA-256 digest.
func newSecret() (secret string, hash []byte, err error) {
	raw := make([]byte, secretBytes)
	if _, err := rand.Read(raw); err != nil {
		return "", nil, fmt.Errorf("generate secret: %w", err)
	}
	secret = secretPrefix + base64.RawURLEncoding.EncodeToString(raw)
	sum := sha256.Sum256([]byte(secret))
	return secret, sum[:], nil
}

func randomHex(n int) (string, error) {
	raw := make([]byte, n)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("generate id: %w", err)
	}
	return hex.EncodeToString(raw), nil
}
