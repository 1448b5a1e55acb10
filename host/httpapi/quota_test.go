package httpapi

import (
	"net/http"
	"strings"
	"testing"

	"github.com/secure-agent/saa/host/problem"
	"github.com/secure-agent/saa/host/quota"
)

// TestStorageQuotas: a client over its quota of idempotency records or
// runs gets 429 quota-exceeded with a Retry-After; its stored answer still
// replays, another client is not affected, and the refusal is counted in
// the metrics.
func TestStorageQuotas(t *testing.T) {
	f := newFixture(t, options{config: func(c *Config) {
		c.Idempotency.SetQuota(quota.Limit{Count: 1, Bytes: -1})
	}})
	_, tok := f.token("echo:call")
	_, other := f.token("echo:call")
	post := func(token, key string, headers ...string) response {
		return f.call(http.MethodPost, "/v1/actions/echo/echo", token, `{"message":"hi"}`, append(headers, "Idempotency-Key", key)...)
	}
	if r := post(tok, "k1"); r.StatusCode != 200 {
		t.Fatalf("first key: %d %s", r.StatusCode, r.body)
	}
	refused := []struct {
		name    string
		headers []string
	}{
		{"sync", nil},
		{"async", []string{"Prefer", "respond-async"}},
	}
	for _, tc := range refused {
		r := post(tok, "k-"+tc.name, tc.headers...)
		if r.StatusCode != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" ||
			!strings.Contains(string(r.body), problem.TypeBase+problem.KindQuotaExceeded) {
			t.Fatalf("%s call over the quota: %d %v %s", tc.name, r.StatusCode, r.Header, r.body)
		}
	}
	if r := post(tok, "k1"); r.StatusCode != 200 || r.Header.Get(HeaderReplayed) != "true" {
		t.Fatalf("replay over the quota: %d %s", r.StatusCode, r.body)
	}
	if r := post(other, "k1"); r.StatusCode != 200 {
		t.Fatalf("another client: %d %s", r.StatusCode, r.body)
	}
	m := f.call(http.MethodGet, "/metrics", "", "")
	if !strings.Contains(string(m.body), `saa_quota_exceeded_total{store="idempotency"}`) {
		t.Errorf("metrics lack saa_quota_exceeded_total")
	}
}
