package auth_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/secure-agent/saa/host/auth"
)

func reportRate(b *testing.B, unit string) float64 {
	rate := float64(b.N) / b.Elapsed().Seconds()
	b.ReportMetric(rate, unit)
	return rate
}

// BenchmarkTokenIssuance compares a client_credentials round trip over real
// loopback HTTP with the bare ES256 signature every token needs.
func BenchmarkTokenIssuance(b *testing.B) {
	e := newTestEnv(b)
	c := e.newClient("echo:call")
	var baseline float64
	b.Run("baseline_es256_sign", func(b *testing.B) {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		claims := jwt.MapClaims{"iss": e.url, "sub": "x", "exp": time.Now().Add(time.Hour).Unix()}
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := jwt.NewWithClaims(jwt.SigningMethodES256, claims).SignedString(key); err != nil {
					b.Error(err)
				}
			}
		})
		baseline = reportRate(b, "ops/s")
	})
	b.Run("client_credentials_http", func(b *testing.B) {
		form := url.Values{"grant_type": {"client_credentials"}, "scope": {"echo:call"}}.Encode()
		hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				req, _ := http.NewRequest(http.MethodPost, e.url+"/oauth2/token", strings.NewReader(form))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.SetBasicAuth(c.id, c.secret)
				resp, err := hc.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Errorf("status %d", resp.StatusCode)
					return
				}
			}
		})
		rate := reportRate(b, "tokens/s")
		if baseline > 0 {
			b.ReportMetric(rate/baseline, "ratio_to_sign")
		}
	})
}

// BenchmarkVerification compares Verifier.Verify (signature, claims and the
// deny-list read) with a bare golang-jwt ES256 parse and verify.
// verifier_no_caches is a token seen for the first time since the last
// revocation anywhere: every store read of the revocation check is paid.
// verifier_store_reads isolates those reads (the deny-list and the client's
// state and generation), the signature being cached.
func BenchmarkVerification(b *testing.B) {
	e := newTestEnv(b)
	tok := e.token(e.newClient("echo:call"), "echo:call")
	var baseline float64
	b.Run("baseline_es256_parse_verify", func(b *testing.B) {
		keyfunc := func(*jwt.Token) (any, error) { return &e.key.PublicKey, nil }
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := jwt.Parse(tok, keyfunc, jwt.WithValidMethods([]string{"ES256"})); err != nil {
					b.Error(err)
				}
			}
		})
		baseline = reportRate(b, "ops/s")
	})
	for _, tt := range []struct {
		name         string
		cached, deny bool
	}{
		{"verifier_no_caches", false, false},
		{"verifier_uncached", false, true},
		{"verifier_store_reads", true, false},
		{"verifier", true, true},
	} {
		b.Run(tt.name, func(b *testing.B) {
			v := e.srv.NewVerifier()
			if !tt.cached {
				auth.DisableTokenCache(v)
			}
			if !tt.deny {
				auth.DisableDenyCache(v)
			}
			ctx := b.Context()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := v.Verify(ctx, tok); err != nil {
						b.Error(err)
					}
				}
			})
			rate := reportRate(b, "verifications/s")
			if baseline > 0 {
				b.ReportMetric(rate/baseline, "ratio_to_parse")
			}
		})
	}
}

// BenchmarkDelegatedVerification measures what a delegation chain costs a
// verification: a token five exchanges from its original (six deny-list
// and client checks) beside the original, in the same run, with the
// verifier's caches (the usual case) and without them.
func BenchmarkDelegatedVerification(b *testing.B) {
	e := newTestEnv(b)
	c := e.newClient("echo:call")
	plain := e.token(c, "echo:call")
	child := plain
	for range 5 {
		child = e.exchange(c, child, "echo:call")
	}
	for _, cached := range []bool{true, false} {
		rates := map[string]float64{}
		for _, tt := range []struct{ name, tok string }{{"plain", plain}, {"depth5", child}} {
			name := tt.name
			if !cached {
				name += "_no_caches"
			}
			b.Run(name, func(b *testing.B) {
				v := e.srv.NewVerifier()
				if !cached {
					auth.DisableTokenCache(v)
					auth.DisableDenyCache(v)
				}
				ctx := b.Context()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if _, err := v.Verify(ctx, tt.tok); err != nil {
							b.Error(err)
						}
					}
				})
				rates[tt.name] = reportRate(b, "verifications/s")
				if p := rates["plain"]; tt.name == "depth5" && p > 0 {
					b.ReportMetric(rates["depth5"]/p, "ratio_to_plain")
				}
			})
		}
	}
}
