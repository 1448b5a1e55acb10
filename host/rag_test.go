package host_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/audit"
	"github.com/secure-agent/saa/host/plugintest"
	"github.com/secure-agent/saa/host/rag"
)

// knowledgePage is a long help page with one paragraph that answers the
// question the tests ask.
func knowledgePage() string {
	var b strings.Builder
	for i := range 120 {
		fmt.Fprintf(&b, "Section %d. The dashboard lists widgets, their owners and the last deployment time. Filters narrow the list by team.\n\n", i)
		if i == 77 {
			b.WriteString("Key rotation: to rotate the signing key without downtime, run saa keys rotate with a grace period of 24 hours; old tokens stay valid until then.\n\n")
		}
	}
	return b.String()
}

// fetchRuntime serves knowledgePage on loopback to http_fetch, whose
// manifest gets a RAG threshold of 8 KiB.
func fetchRuntime(t *testing.T, edit func(*host.Config)) (*host.Runtime, string) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte(knowledgePage()))
	}))
	t.Cleanup(srv.Close)
	local := "http://api.test:" + strings.TrimPrefix(srv.URL, "http://127.0.0.1:")
	p := plugintest.FirstParty("http_fetch")
	p.Replace = map[string]string{"https://example.com": local, "    effect: read\n": "    effect: read\n    rag: { threshold: 8KiB }\n"}
	rt := newRuntimeWith(t, func(c *host.Config) {
		c.EgressAllowCIDRs = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
		c.Resolver = mapResolver{"api.test": netip.MustParseAddr("127.0.0.1")}
		if edit != nil {
			edit(c)
		}
	}, p, plugintest.FirstParty("echo"))
	return rt, local
}

func TestLargeOutputBecomesHandle(t *testing.T) {
	rt, local := fetchRuntime(t, nil)
	ctx := context.Background()
	agent := caller("http_fetch:fetch")
	in, _ := json.Marshal(map[string]string{"url": local + "/help"})
	out, err := rt.Invoke(host.WithRunID(ctx, "run-1"), agent, "http_fetch", "get", in)
	if err != nil {
		t.Fatal(err)
	}
	var env rag.Envelope
	if err := json.Unmarshal(out, &env); err != nil || !rag.ValidHandle(env.Handle) {
		t.Fatalf("not an envelope: %.300s (%v)", out, err)
	}
	if len(out) > 4096 || env.Summary.Members["text"].Type != "string" || env.Summary.Members["status"].Type != "number" {
		t.Errorf("envelope (%d bytes) = %s", len(out), out)
	}

	hits, err := rt.Search(ctx, agent, env.Handle, rag.SearchOptions{Query: "how do I rotate the signing key", K: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) == 0 || !strings.Contains(hits[0].Text, "saa keys rotate") || !strings.HasPrefix(hits[0].Pointer, "/text#p") {
		t.Fatalf("hits = %+v", hits)
	}
	around, err := rt.Chunks(ctx, agent, env.Handle, hits[0].ID, 1)
	if err != nil || len(around) != 3 || around[1].Text != hits[0].Text || !strings.HasPrefix(around[0].Text, "Section 77.") {
		t.Fatalf("neighbours = %+v, %v", around, err)
	}

	t.Run("as an agent's tools", func(t *testing.T) {
		if h, ok := rag.HandleOf(out); !ok || h != env.Handle {
			t.Fatalf("HandleOf = %q, %v", h, ok)
		}
		res, err := rt.CallRAGTool(ctx, agent, rag.ToolSearch, []byte(`{"handle":"`+env.Handle+`","query":"rotate signing key","k":1}`))
		if err != nil || !strings.Contains(string(res), "saa keys rotate") {
			t.Fatalf("rag_search = %s, %v", res, err)
		}
		res, err = rt.CallRAGTool(ctx, agent, rag.ToolExpand, []byte(fmt.Sprintf(`{"handle":%q,"id":%d,"neighbours":1}`, env.Handle, hits[0].ID)))
		if err != nil || !strings.Contains(string(res), "Section 77.") {
			t.Fatalf("rag_expand = %s, %v", res, err)
		}
		other := host.Principal{ClientID: "agent-2", Subject: "agent-1", Scopes: []string{"http_fetch:fetch", "admin"}}
		if _, err := rt.CallRAGTool(ctx, other, rag.ToolSearch, []byte(`{"handle":"`+env.Handle+`","query":"x"}`)); !errors.Is(err, host.ErrHandleNotFound) {
			t.Fatalf("another principal's agent: %v", err)
		}
	})
	t.Run("another principal cannot, whatever its scopes", func(t *testing.T) {
		for _, other := range []host.Principal{
			{ClientID: "agent-1", Subject: "someone-else", Scopes: agent.Scopes},
			{ClientID: "agent-2", Subject: "agent-1", Scopes: []string{"http_fetch:fetch", "admin", "rag:read"}},
		} {
			if _, err := rt.Search(ctx, other, env.Handle, rag.SearchOptions{Query: "rotate"}); !errors.Is(err, host.ErrHandleNotFound) {
				t.Errorf("%+v: search err = %v", other, err)
			}
			if _, err := rt.Chunks(ctx, other, env.Handle, 0, 0); !errors.Is(err, host.ErrHandleNotFound) {
				t.Errorf("%+v: chunks err = %v", other, err)
			}
		}
	})
	t.Run("the handle's creation is audited", func(t *testing.T) {
		checkFor(t, func() error {
			page, err := rt.Audit().List(ctx, audit.Filter{Kind: audit.KindRAG})
			if err != nil {
				return err
			}
			for _, e := range page.Entries {
				if e.ClientID == "agent-1" && e.Plugin == "http_fetch" && e.RunID == "run-1" && strings.Contains(e.Detail, "handle="+env.Handle) {
					return nil
				}
			}
			return fmt.Errorf("no rag entry for %s in %+v", env.Handle, page.Entries)
		})
	})
	t.Run("small outputs stay whole unless asked", func(t *testing.T) {
		out, err := rt.Invoke(ctx, caller("echo:call"), "echo", "echo", []byte(`{"message":"hi"}`))
		if err != nil || string(out) != `{"message":"hi"}` {
			t.Fatalf("echo = %s, %v", out, err)
		}
		out, err = rt.Invoke(host.WithReturnHandle(ctx), caller("echo:call"), "echo", "echo", []byte(`{"message":"hi"}`))
		if err != nil || !strings.Contains(string(out), `"handle":"rag_`) {
			t.Fatalf("echo with return=handle = %s, %v", out, err)
		}
	})
}

func TestHandleExpires(t *testing.T) {
	rt, _ := fetchRuntime(t, func(c *host.Config) { c.RAG.TTL = 300 * time.Millisecond })
	ctx := context.Background()
	env, err := rt.Ingest(ctx, caller(), []byte(knowledgePage()), "file")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rt.Search(ctx, caller(), env.Handle, rag.SearchOptions{Query: "rotate"}); err != nil {
		t.Fatal(err)
	}
	checkFor(t, func() error {
		if _, err := rt.Search(ctx, caller(), env.Handle, rag.SearchOptions{Query: "rotate"}); !errors.Is(err, host.ErrHandleNotFound) {
			return fmt.Errorf("still there: %v", err)
		}
		return nil
	})
	if rt.SweepHandles() != 1 {
		t.Error("the expired handle was not swept")
	}
}

func TestHandleQuotaAndBadOutputFailTheCall(t *testing.T) {
	rt, _ := fetchRuntime(t, func(c *host.Config) { c.RAG.QuotaHandles = 1 })
	ctx := host.WithReturnHandle(context.Background())
	echo := caller("echo:call")
	if _, err := rt.Invoke(ctx, echo, "echo", "echo", []byte(`{"message":"one"}`)); err != nil {
		t.Fatal(err)
	}
	_, err := rt.Invoke(ctx, echo, "echo", "echo", []byte(`{"message":"two"}`))
	if !errors.Is(err, host.ErrRAGQuota) || host.Outcome(err) != "rag-quota-exceeded" {
		t.Fatalf("err = %v", err)
	}
}

// TestRemoteEmbedderThroughEgress: with SAA_RAG_EMBEDDINGS_* set, chunks
// and queries are embedded by the endpoint, reached through the egress guard
// with the key injected there.
func TestRemoteEmbedderThroughEgress(t *testing.T) {
	var mu sync.Mutex
	var auths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		auths = append(auths, r.Header.Get("Authorization"))
		mu.Unlock()
		var req struct{ Input []string }
		json.NewDecoder(r.Body).Decode(&req)
		type item struct {
			Index     int       `json:"index"`
			Embedding []float32 `json:"embedding"`
		}
		var data []item
		for i, s := range req.Input { // a stand-in model: the offline embedder at 64 dimensions
			data = append(data, item{i, rag.HashEmbedder{Dim: 64}.EmbedOne(s)})
		}
		json.NewEncoder(w).Encode(map[string]any{"data": data})
	}))
	t.Cleanup(srv.Close)
	base := "http://emb.test:" + strings.TrimPrefix(srv.URL, "http://127.0.0.1:") + "/v1"
	rt := newRuntimeWith(t, func(c *host.Config) {
		c.EgressAllowCIDRs = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
		c.Resolver = mapResolver{"emb.test": netip.MustParseAddr("127.0.0.1")}
		c.RAG.Embeddings = &host.EmbeddingsConfig{BaseURL: base, Model: "stand-in", APIKey: "sk-live-123"}
	}, plugintest.FirstParty("echo"))
	ctx := context.Background()
	env, err := rt.Ingest(ctx, caller(), []byte(knowledgePage()), "file")
	if err != nil {
		t.Fatal(err)
	}
	if env.Embedder != "openai:stand-in" {
		t.Errorf("embedder = %q", env.Embedder)
	}
	hits, err := rt.Search(ctx, caller(), env.Handle, rag.SearchOptions{Query: "rotate the signing key", K: 1})
	if err != nil || len(hits) != 1 || !strings.Contains(hits[0].Text, "saa keys rotate") {
		t.Fatalf("hits = %+v, %v", hits, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(auths) < 2 {
		t.Fatalf("%d embedding requests", len(auths))
	}
	for _, a := range auths {
		if a != "Bearer sk-live-123" {
			t.Fatalf("Authorization = %q", a)
		}
	}
	if v, err := rt.Secrets().Get(ctx, "rag", "embeddings_key"); err != nil || v != "sk-live-123" {
		t.Errorf("the key is not in the secret store: %v", err)
	}
}
