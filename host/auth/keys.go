package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// ErrUnsupportedKey is returned for a signing key that is neither ECDSA P-256
// (ES256) nor RSA of at least 2048 bits (RS256).
var ErrUnsupportedKey = errors.New("unsupported signing key: want ECDSA P-256 or RSA >= 2048 bits")

// ErrKeysFromEnvironment is returned by KeySet.Rotate when the signing key came
// from JWT_PRIVATE_KEY: such keys are rotated by changing the environment.
var ErrKeysFromEnvironment = errors.New("signing key comes from the environment; rotate it there")

// minRSABits is the smallest RSA modulus accepted for RS256.
const minRSABits = 2048

// verifyKey is a public key tokens may be signed with.
type verifyKey struct {
	kid    string
	method jwt.SigningMethod
	public crypto.PublicKey
	// retireAt is when a previous key leaves the JWKS and stops verifying;
	// zero for the current key.
	retireAt time.Time
}

// signingKey is the key new tokens are signed with.
type signingKey struct {
	verifyKey
	private crypto.Signer
}

// keyState is an immutable snapshot of the key set, swapped atomically.
type keyState struct {
	current  signingKey
	previous []verifyKey
}

// KeySet holds the key new access tokens are signed with and the previous
// public keys that still verify tokens issued before a rotation.
type KeySet struct {
	state atomic.Pointer[keyState]
	// mu serialises rotations; readers never take it.
	mu sync.Mutex
	// path is the PEM file the keys are persisted to; empty when the key
	// came from the environment.
	path string
	// keep is how long a previous key stays after a rotation: the longest a
	// token signed with it can live, plus leeway.
	keep time.Duration
	now  func() time.Time
}

// newSigningKey wraps priv, choosing the algorithm from its type.
func newSigningKey(priv crypto.Signer) (signingKey, error) {
	var method jwt.SigningMethod
	switch k := priv.(type) {
	case *ecdsa.PrivateKey:
		if k.Curve != elliptic.P256() {
			return signingKey{}, ErrUnsupportedKey
		}
		method = jwt.SigningMethodES256
	case *rsa.PrivateKey:
		if k.N.BitLen() < minRSABits {
			return signingKey{}, ErrUnsupportedKey
		}
		method = jwt.SigningMethodRS256
	default:
		return signingKey{}, ErrUnsupportedKey
	}
	vk, err := newVerifyKey(priv.Public(), method)
	if err != nil {
		return signingKey{}, err
	}
	return signingKey{verifyKey: vk, private: priv}, nil
}

func newVerifyKey(pub crypto.PublicKey, method jwt.SigningMethod) (verifyKey, error) {
	jwk, err := publicJWK(pub)
	if err != nil {
		return verifyKey{}, err
	}
	return verifyKey{kid: thumbprint(jwk), method: method, public: pub}, nil
}

// generateKey makes a fresh key of the same kind as like (ES256 if nil).
func generateKey(like crypto.Signer) (crypto.Signer, error) {
	if r, ok := like.(*rsa.PrivateKey); ok {
		return rsa.GenerateKey(rand.Reader, r.N.BitLen())
	}
	return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
}

func (k *KeySet) load() *keyState { return k.state.Load() }

// Algorithm returns the JWS algorithm of the current signing key.
func (k *KeySet) Algorithm() string { return k.load().current.method.Alg() }

// KeyID returns the kid of the current signing key.
func (k *KeySet) KeyID() string { return k.load().current.kid }

// lookup returns the key called kid if it may still verify tokens.
func (k *KeySet) lookup(kid string) (verifyKey, bool) {
	st := k.load()
	if st.current.kid == kid {
		return st.current.verifyKey, true
	}
	now := k.now()
	for _, p := range st.previous {
		if p.kid == kid && now.Before(p.retireAt) {
			return p, true
		}
	}
	return verifyKey{}, false
}

// Rotate makes next the signing key (a fresh key of the current kind when
// next is nil). The previous public key stays in the JWKS, and keeps
// verifying, until every token it signed has expired. A file-backed key set
// is saved before the new key is used.
func (k *KeySet) Rotate(next crypto.Signer) error { return k.rotate(next, false) }

// RotateNow is Rotate for a key that leaked: every previous key is
// withdrawn at once, so every token signed before stops verifying (their
// clients get 401 and fetch new tokens).
func (k *KeySet) RotateNow(next crypto.Signer) error { return k.rotate(next, true) }

func (k *KeySet) rotate(next crypto.Signer, withdraw bool) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.path == "" {
		return ErrKeysFromEnvironment
	}
	old := k.load()
	if next == nil {
		var err error
		if next, err = generateKey(old.current.private); err != nil {
			return fmt.Errorf("rotate signing key: %w", err)
		}
	}
	sk, err := newSigningKey(next)
	if err != nil {
		return fmt.Errorf("rotate signing key: %w", err)
	}
	now := k.now()
	st := &keyState{current: sk}
	if !withdraw {
		retired := old.current.verifyKey
		retired.retireAt = now.Add(k.keep)
		st.previous = append(liveKeys(old.previous, now), retired)
	}
	if err := writeKeyFile(k.path, st); err != nil {
		return fmt.Errorf("rotate signing key: %w", err)
	}
	k.state.Store(st)
	return nil
}

// KeyInfo describes one key of the set: never its private part.
type KeyInfo struct {
	KeyID     string `json:"kid"`
	Algorithm string `json:"alg"`
	// RetireAt is when a previous key leaves the JWKS: once every token it
	// signed has expired. Zero for the current key.
	RetireAt time.Time `json:"retire_at,omitzero"`
}

// KeySetInfo describes the signing keys: the one new tokens are signed
// with, and the previous ones that still verify tokens signed before a
// rotation.
type KeySetInfo struct {
	Current  KeyInfo   `json:"current"`
	Previous []KeyInfo `json:"previous"`
	// FromEnvironment is true when the key came from JWT_PRIVATE_KEY, which
	// Rotate leaves alone.
	FromEnvironment bool `json:"from_environment"`
}

// Info describes the set as it is now.
func (k *KeySet) Info() KeySetInfo {
	st := k.load()
	info := KeySetInfo{
		Current:         KeyInfo{KeyID: st.current.kid, Algorithm: st.current.method.Alg()},
		Previous:        []KeyInfo{},
		FromEnvironment: k.path == "",
	}
	for _, p := range liveKeys(st.previous, k.now()) {
		info.Previous = append(info.Previous, KeyInfo{KeyID: p.kid, Algorithm: p.method.Alg(), RetireAt: p.retireAt.UTC()})
	}
	return info
}

// liveKeys returns the keys of prev not yet retired at now.
func liveKeys(prev []verifyKey, now time.Time) []verifyKey {
	var out []verifyKey
	for _, p := range prev {
		if now.Before(p.retireAt) {
			out = append(out, p)
		}
	}
	return out
}

// JWKS returns the public keys that verify tokens now, as an RFC 7517 set.
func (k *KeySet) JWKS() JWKSet {
	st := k.load()
	set := JWKSet{Keys: []map[string]string{}}
	for _, vk := range append([]verifyKey{st.current.verifyKey}, liveKeys(st.previous, k.now())...) {
		jwk, err := publicJWK(vk.public)
		if err != nil {
			continue // cannot happen: every key was checked when loaded
		}
		jwk["kid"], jwk["alg"], jwk["use"] = vk.kid, vk.method.Alg(), "sig"
		set.Keys = append(set.Keys, jwk)
	}
	return set
}

// JWKSet is a JSON Web Key Set.
type JWKSet struct {
	Keys []map[string]string `json:"keys"`
}

// publicJWK returns the required members of pub's JWK (RFC 7518 section 6).
func publicJWK(pub crypto.PublicKey) (map[string]string, error) {
	b64 := base64.RawURLEncoding.EncodeToString
	switch p := pub.(type) {
	case *ecdsa.PublicKey:
		raw, err := p.Bytes()
		if err != nil || len(raw) != 65 || p.Curve != elliptic.P256() {
			return nil, ErrUnsupportedKey
		}
		return map[string]string{"kty": "EC", "crv": "P-256", "x": b64(raw[1:33]), "y": b64(raw[33:])}, nil
	case *rsa.PublicKey:
		e := big.NewInt(int64(p.E)).Bytes()
		return map[string]string{"kty": "RSA", "n": b64(p.N.Bytes()), "e": b64(e)}, nil
	default:
		return nil, ErrUnsupportedKey
	}
}

// thumbprint is the RFC 7638 JWK thumbprint of jwk's required members,
// used as the kid.
func thumbprint(jwk map[string]string) string {
	// encoding/json sorts map keys, which is the canonical order RFC 7638 asks for.
	data, _ := json.Marshal(jwk)
	sum := sha256.Sum256(data)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
