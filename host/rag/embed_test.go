package rag_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/secure-agent/saa/host/egress"
	"github.com/secure-agent/saa/host/rag"
	"github.com/secure-agent/saa/manifests"
)

func dot(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

func TestHashEmbedder(t *testing.T) {
	e := rag.HashEmbedder{}
	if e.Name() != "hash-v1-512" {
		t.Errorf("name = %q", e.Name())
	}
	vecs, err := e.Embed(context.Background(), []string{
		"Customer cannot reset the password on the mobile app",
		"customer CANNOT reset password, mobile app!",
		"Invoice shows a double charge for the March subscription",
		"",
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range vecs {
		if len(v) != 512 || math.Abs(dot(v, v)-1) > 1e-4 {
			t.Fatalf("vector %d: len %d, norm² %f", i, len(v), dot(v, v))
		}
	}
	same, other := dot(vecs[0], vecs[1]), dot(vecs[0], vecs[2])
	if same < 0.7 || other > 0.3 {
		t.Errorf("similar texts %.2f, unrelated %.2f", same, other)
	}
	// Trigrams make inflections close: lexical, not semantic.
	refund := e.EmbedOne("refund")
	if r, m := dot(refund, e.EmbedOne("refunded")), dot(refund, e.EmbedOne("money back")); r < 0.3 || m > 0.2 {
		t.Errorf("refund~refunded %.2f, refund~money back %.2f", r, m)
	}
	if again := e.EmbedOne(vecsText); dot(again, e.EmbedOne(vecsText)) < 0.9999 {
		t.Error("not deterministic")
	}
}

const vecsText = "déjà vu — 東京 2026"

func TestHashEmbedderStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (rag.HashEmbedder{}).Embed(ctx, make([]string, 1000)); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

// secretMap is an egress.SecretSource for tests.
type secretMap map[string]string

func (m secretMap) Get(_ context.Context, plugin, name string) (string, error) {
	v, ok := m[plugin+"/"+name]
	if !ok {
		return "", errors.New("no such secret")
	}
	return v, nil
}

// embeddingsServer answers like OpenAI's /embeddings with 3-dimensional
// vectors, recording the Authorization header it got.
func embeddingsServer(t *testing.T, auth *atomic.Value) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth.Store(r.Header.Get("Authorization"))
		body, _ := io.ReadAll(r.Body)
		var req struct {
			Model string   `json:"model"`
			Input []string `json:"input"`
		}
		if r.URL.Path != "/v1/embeddings" || json.Unmarshal(body, &req) != nil || req.Model != "text-embed" {
			http.Error(w, "bad request", 400)
			return
		}
		type item struct {
			Index     int       `json:"index"`
			Embedding []float64 `json:"embedding"`
		}
		var data []item
		for i := len(req.Input) - 1; i >= 0; i-- { // out of order on purpose
			data = append(data, item{i, []float64{float64(len(req.Input[i])), 1, 0}})
		}
		json.NewEncoder(w).Encode(map[string]any{"data": data})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestRemoteEmbedderGoesThroughEgress(t *testing.T) {
	var auth atomic.Value
	srv := embeddingsServer(t, &auth)
	rule, err := manifests.ParseEgressRule(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	guard := egress.New(egress.Config{AllowCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	pol := &egress.Policy{Plugin: "rag", Rules: []egress.Rule{rule},
		Secrets: []egress.SecretBinding{{Name: "embeddings_key", Header: "Authorization", Format: "Bearer {{value}}", Hosts: []egress.Rule{rule}}}}
	sess := guard.Session(pol, secretMap{"rag/embeddings_key": "sk-test-123"})
	e := rag.RemoteEmbedder{BaseURL: srv.URL + "/v1", Model: "text-embed", Authorization: "{{secret:embeddings_key}}", Do: sess.Do, Batch: 2}

	vecs, err := e.Embed(context.Background(), []string{"a", "bbb", "cc"})
	if err != nil {
		t.Fatal(err)
	}
	if auth.Load() != "Bearer sk-test-123" {
		t.Errorf("Authorization = %v: the key is injected at egress", auth.Load())
	}
	if len(vecs) != 3 || math.Abs(dot(vecs[1], vecs[1])-1) > 1e-5 || vecs[1][0] <= vecs[0][0] {
		t.Errorf("vectors = %v", vecs)
	}
	if e.Name() != "openai:text-embed" {
		t.Errorf("name = %q", e.Name())
	}

	t.Run("a host outside the policy is refused by egress", func(t *testing.T) {
		other := rag.RemoteEmbedder{BaseURL: "http://127.0.0.2:1/v1", Model: "text-embed", Do: sess.Do}
		_, err := other.Embed(context.Background(), []string{"x"})
		if !errors.Is(err, rag.ErrEmbedding) || !strings.Contains(err.Error(), "127.0.0.2") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("an error status is an error", func(t *testing.T) {
		bad := rag.RemoteEmbedder{BaseURL: srv.URL + "/v2", Model: "text-embed", Do: sess.Do}
		if _, err := bad.Embed(context.Background(), []string{"x"}); !errors.Is(err, rag.ErrEmbedding) || !strings.Contains(err.Error(), "400") {
			t.Fatalf("err = %v", err)
		}
	})
}
