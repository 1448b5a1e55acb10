package auth_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/secure-agent/saa/host/auth"
)

// forge signs claims with key and method, with header fields added to (or,
// when nil, removed from) golang-jwt's defaults.
func forge(t *testing.T, method jwt.SigningMethod, key any, header map[string]any, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	for k, v := range header {
		if v == nil {
			delete(tok.Header, k)
			continue
		}
		tok.Header[k] = v
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatalf("forge: %v", err)
	}
	return s
}

// goodClaims are the claims of a valid token for env e, issued to a new
// client (at its first generation, 0).
func (e *testEnv) goodClaims() jwt.MapClaims {
	now := time.Now()
	id := e.newClient("echo:call").id
	return jwt.MapClaims{
		"iss": e.url, "aud": []string{e.url}, "sub": id, "client_id": id,
		"scope": "echo:call", "jti": "j-" + now.Format(time.RFC3339Nano),
		"iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix(), "gen": 0,
	}
}

func (e *testEnv) goodHeader() map[string]any {
	return map[string]any{"typ": "at+jwt", "kid": e.kid}
}

func with(m jwt.MapClaims, kv ...any) jwt.MapClaims {
	out := maps.Clone(m)
	for i := 0; i+1 < len(kv); i += 2 {
		k := kv[i].(string)
		if kv[i+1] == nil {
			delete(out, k)
			continue
		}
		out[k] = kv[i+1]
	}
	return out
}

func withHeader(h map[string]any, kv ...any) map[string]any {
	out := maps.Clone(h)
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

// TestVerifierRefusesForgedTokens: each case is an attack that must fail
// while the control case, built the same way, passes.
func TestVerifierRefusesForgedTokens(t *testing.T) {
	e := newTestEnv(t)
	good, hdr, now := e.goodClaims(), e.goodHeader(), time.Now()
	attacker, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	pubPEM := []byte(pemPublic(t, &e.key.PublicKey))
	attackerJWK := map[string]any{"kty": "EC", "crv": "P-256",
		"x": b64(attacker.PublicKey.X.FillBytes(make([]byte, 32))),
		"y": b64(attacker.PublicKey.Y.FillBytes(make([]byte, 32)))}
	es := jwt.SigningMethodES256

	tests := []struct {
		name  string
		token string
	}{
		{"alg none", forge(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, withHeader(hdr), good)},
		{"HS256 keyed with our public key PEM", forge(t, jwt.SigningMethodHS256, pubPEM, hdr, good)},
		{"alg not on the list (ES384)", forge(t, jwt.SigningMethodES384, p384, hdr, good)},
		{"RS256 under our ES256 kid", forge(t, jwt.SigningMethodRS256, rsaKey, hdr, good)},
		{"signed by another key under our kid", forge(t, es, attacker, hdr, good)},
		{"jku pointing at another key", forge(t, es, attacker, withHeader(hdr, "kid", "attacker", "jku", "http://127.0.0.1:1/jwks.json"), good)},
		{"x5u pointing at another key", forge(t, es, attacker, withHeader(hdr, "kid", "attacker", "x5u", "http://127.0.0.1:1/cert.pem"), good)},
		{"embedded jwk of another key", forge(t, es, attacker, withHeader(hdr, "kid", "attacker", "jwk", attackerJWK), good)},
		{"embedded jwk on a token we signed", forge(t, es, e.key, withHeader(hdr, "jwk", attackerJWK), good)},
		{"unknown kid", forge(t, es, e.key, withHeader(hdr, "kid", "nope"), good)},
		{"no kid", forge(t, es, e.key, map[string]any{"typ": "at+jwt", "kid": nil}, good)},
		{"expired", forge(t, es, e.key, hdr, with(good, "iat", now.Add(-20*time.Minute).Unix(), "exp", now.Add(-10*time.Minute).Unix()))},
		{"not yet valid", forge(t, es, e.key, hdr, with(good, "nbf", now.Add(10*time.Minute).Unix()))},
		{"no exp", forge(t, es, e.key, hdr, with(good, "exp", nil))},
		{"no iat", forge(t, es, e.key, hdr, with(good, "iat", nil))},
		{"iat in the future", forge(t, es, e.key, hdr, with(good, "iat", now.Add(5*time.Minute).Unix(), "exp", now.Add(15*time.Minute).Unix()))},
		{"lifetime longer than the server issues", forge(t, es, e.key, hdr, with(good, "exp", now.Add(48*time.Hour).Unix()))},
		{"wrong iss", forge(t, es, e.key, hdr, with(good, "iss", "https://evil.example"))},
		{"wrong aud", forge(t, es, e.key, hdr, with(good, "aud", []string{"https://other.example"}))},
		{"empty aud", forge(t, es, e.key, hdr, with(good, "aud", []string{}))},
		{"no aud", forge(t, es, e.key, hdr, with(good, "aud", nil))},
		{"typ JWT", forge(t, es, e.key, withHeader(hdr, "typ", "JWT"), good)},
		{"no typ", forge(t, es, e.key, map[string]any{"typ": nil, "kid": e.kid}, good)},
		{"ID-token-shaped", forge(t, es, e.key, withHeader(hdr, "typ", "JWT"), with(good, "aud", "c1", "nonce", "n", "auth_time", now.Unix(), "scope", nil, "client_id", nil))},
		{"no client_id", forge(t, es, e.key, hdr, with(good, "client_id", nil))},
		{"no sub", forge(t, es, e.key, hdr, with(good, "sub", nil))},
		{"no jti", forge(t, es, e.key, hdr, with(good, "jti", nil))},
		{"no gen", forge(t, es, e.key, hdr, with(good, "gen", nil))},
		{"gen the client does not have", forge(t, es, e.key, hdr, with(good, "gen", 1))},
		{"gen not a number", forge(t, es, e.key, hdr, with(good, "gen", "0"))},
		{"client that does not exist", forge(t, es, e.key, hdr, with(good, "client_id", "ghost", "sub", "ghost"))},
	}
	t.Run("control: a well-formed token verifies", func(t *testing.T) {
		if _, err := e.srv.Verifier().Verify(t.Context(), forge(t, es, e.key, hdr, good)); err != nil {
			t.Fatalf("control token refused: %v", err)
		}
	})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.srv.Verifier().Verify(t.Context(), tt.token)
			if !errors.Is(err, auth.ErrInvalidToken) {
				t.Fatalf("Verify = %v, want ErrInvalidToken", err)
			}
			t.Logf("refused: %v", err)
		})
	}
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// TestVerifierRefusesMalformedTokens covers broken encodings; over HTTP the
// answer must not reveal why.
func TestVerifierRefusesMalformedTokens(t *testing.T) {
	e := newTestEnv(t)
	good := e.token(e.newClient("echo:call"), "echo:call")
	parts := strings.Split(good, ".")
	tests := []struct {
		name  string
		token string
	}{
		{"truncated", good[:len(good)-10]},
		{"two parts", parts[0] + "." + parts[1]},
		{"four parts", good + ".x"},
		{"bad base64 in the header", "!!!." + parts[1] + "." + parts[2]},
		{"bad base64 in the signature", parts[0] + "." + parts[1] + ".%%%"},
		{"padded base64", parts[0] + "=." + parts[1] + "." + parts[2]},
		{"not JSON", b64([]byte("hello")) + "." + parts[1] + "." + parts[2]},
		{"oversized", strings.Repeat("a", 9000)},
		{"garbage", "not-a-token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := e.srv.Verifier().Verify(t.Context(), tt.token); !errors.Is(err, auth.ErrInvalidToken) {
				t.Fatalf("Verify = %v, want ErrInvalidToken", err)
			}
			r := e.callEcho(tt.token)
			if r.status != 401 || !strings.Contains(r.header.Get("WWW-Authenticate"), `error="invalid_token"`) {
				t.Fatalf("HTTP %d, WWW-Authenticate %q", r.status, r.header.Get("WWW-Authenticate"))
			}
			body := r.json(t)
			if body["detail"] != "the access token is invalid, expired or revoked" {
				t.Fatalf("detail %q reveals more than it should", body["detail"])
			}
			for _, leak := range []string{"malformed", "illegal", "base64", "signature", "invalid character", "segment", "unexpected"} {
				if strings.Contains(strings.ToLower(string(r.body)), leak) {
					t.Fatalf("body leaks %q: %s", leak, r.body)
				}
			}
		})
	}
}

func TestVerifierAcceptsRSAKeys(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	e := newTestEnv(t, func(c *auth.Config) {
		c.PrivateKeyPEM = pemPrivate(t, rsaKey)
		c.PublicKeyPEM = pemPublic(t, &rsaKey.PublicKey)
	})
	if alg := e.srv.Keys().Algorithm(); alg != "RS256" {
		t.Fatalf("algorithm = %s, want RS256", alg)
	}
	tok := e.token(e.newClient("echo:call"), "echo:call")
	if r := e.callEcho(tok); r.status != 200 {
		t.Fatalf("RS256 token refused: %d %s", r.status, r.body)
	}
	t.Run("ES256 token under the RS256 kid", func(t *testing.T) {
		forged := forge(t, jwt.SigningMethodES256, e.key, e.goodHeader(), e.goodClaims())
		if _, err := e.srv.Verifier().Verify(t.Context(), forged); !errors.Is(err, auth.ErrInvalidToken) {
			t.Fatalf("Verify = %v", err)
		}
	})
}

// FuzzVerify: no input panics the verifier or verifies without our key.
func FuzzVerify(f *testing.F) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	db := openDB(f)
	cfg := auth.DefaultConfig()
	cfg.PrivateKeyPEM = pemPrivate(f, key)
	cfg.Store = db.Auth()
	srv, err := auth.New(cfg)
	if err != nil {
		f.Fatal(err)
	}
	v := srv.Verifier()
	hdr := b64([]byte(`{"alg":"ES256","typ":"at+jwt","kid":"` + srv.Keys().KeyID() + `"}`))
	body := b64([]byte(`{"iss":"http://127.0.0.1:8080","aud":"http://127.0.0.1:8080","sub":"a","client_id":"a","jti":"x","iat":1,"exp":9999999999}`))
	for _, seed := range []string{
		"", ".", "..", "a.b.c", hdr + "." + body + ".", hdr + "." + body + "." + b64(make([]byte, 64)),
		b64([]byte(`{"alg":"none"}`)) + "." + body + ".", b64([]byte(`{"alg":"HS256","kid":1}`)) + "." + body + ".sig",
		b64([]byte(`{"alg":"ES256","typ":"at+jwt","kid":"`+srv.Keys().KeyID()+`","crit":["x"]}`)) + "." + body + ".AA",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if _, err := v.Verify(t.Context(), raw); err == nil {
			t.Fatalf("fuzzed token verified: %q", raw)
		}
	})
}

// TestVerifiedTokenCache: the cache of verified tokens must not let through a
// string that differs from a verified one, nor a verified token past its exp.
func TestVerifiedTokenCache(t *testing.T) {
	clk := newClock()
	e := newTestEnvClock(t, clk.now)
	v := e.srv.NewVerifier()
	tok := e.token(e.newClient("echo:call"), "echo:call")
	if _, err := v.Verify(t.Context(), tok); err != nil {
		t.Fatal(err)
	}
	i := len(tok) - 10 // inside the signature, clear of base64 padding bits
	swap := byte('A')
	if tok[i] == 'A' {
		swap = 'B'
	}
	flipped := tok[:i] + string(swap) + tok[i+1:]
	tests := []struct {
		name    string
		token   string
		advance time.Duration
	}{
		{"one character changed", flipped, 0},
		{"extra character", tok + "A", 0},
		{"past its exp", tok, auth.DefaultTokenLifetime + time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk.advance(tt.advance)
			if _, err := v.Verify(t.Context(), tt.token); !errors.Is(err, auth.ErrInvalidToken) {
				t.Fatalf("Verify = %v, want ErrInvalidToken", err)
			}
		})
	}
}
