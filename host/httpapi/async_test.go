package httpapi

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secure-agent/saa/host/runs"
)

// view is GET /v1/runs/{id}'s body.
func (f *fixture) run(token, id string) runs.View {
	f.t.Helper()
	r := f.call(http.MethodGet, "/v1/runs/"+id, token, "")
	var v runs.View
	if r.StatusCode != http.StatusOK || json.Unmarshal(r.body, &v) != nil {
		f.t.Fatalf("get run: %d %s", r.StatusCode, r.body)
	}
	return v
}

// waitRun polls the run until its status is final.
func (f *fixture) waitRun(token, id string) runs.View {
	f.t.Helper()
	var v runs.View
	checkFor(f.t, 10*time.Second, 10*time.Millisecond, func() error {
		if v = f.run(token, id); !v.Status.Done() {
			return fmt.Errorf("run %s is %s", id, v.Status)
		}
		return nil
	})
	return v
}

func TestAsyncRun(t *testing.T) {
	f := newFixture(t, options{})
	_, tok := f.token("echo:call")
	_, other := f.token("echo:call")
	r := f.call(http.MethodPost, "/v1/actions/echo/echo", tok, `{"message":"later"}`, "Prefer", "respond-async")
	if r.StatusCode != http.StatusAccepted {
		t.Fatalf("%d %s", r.StatusCode, r.body)
	}
	id := r.Header.Get(HeaderRunID)
	if loc := r.Header.Get("Location"); id == "" || loc != "/v1/runs/"+id {
		t.Fatalf("Location %q, run id %q", loc, id)
	}
	v := f.waitRun(tok, id)
	if v.Status != runs.StatusSucceeded || string(v.Output) != `{"message":"later"}` || v.FinishedAt.IsZero() {
		t.Errorf("run = %+v", v)
	}
	t.Run("other clients cannot see it", func(t *testing.T) {
		if r := f.call(http.MethodGet, "/v1/runs/"+id, other, ""); r.StatusCode != http.StatusNotFound {
			t.Errorf("%d %s", r.StatusCode, r.body)
		}
	})
}

func TestAsyncRefusedAtOnce(t *testing.T) {
	f := newFixture(t, options{})
	_, tok := f.token("echo:call")
	_, other := f.token("echo:other")
	tests := []struct {
		name, path, token, body string
		headers                 []string
		status                  int
		kind                    string
	}{
		{"unknown action", "/v1/actions/echo/nope", tok, `{"message":"x"}`, nil, 404, "not-found"},
		{"missing scope", "/v1/actions/echo/echo", other, `{"message":"x"}`, nil, 403, "insufficient-scope"},
		{"input the schema refuses", "/v1/actions/echo/echo", tok, `{"message":7}`, nil, 422, KindInvalidInput},
		{"bad callback", "/v1/actions/echo/echo", tok, `{"message":"x"}`, []string{HeaderCallbackURL, "ftp://x/y"}, 400, KindInvalidCallback},
		{"bad idempotency key", "/v1/actions/echo/echo", tok, `{"message":"x"}`, []string{HeaderIdempotencyKey, "caf\u00e9"}, 400, KindInvalidIdempotencyKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := append([]string{"Prefer", "respond-async"}, tt.headers...)
			r := f.call(http.MethodPost, tt.path, tt.token, tt.body, h...)
			if r.StatusCode != tt.status || problemKind(t, r) != tt.kind {
				t.Errorf("%d %s, want %d %s", r.StatusCode, r.body, tt.status, tt.kind)
			}
		})
	}
}

// hook receives callbacks and verifies their signatures with key.
type hook struct {
	t    *testing.T
	key  func() []byte
	mu   sync.Mutex
	got  []runs.View
	errs []error
}

func (h *hook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := runs.Verify(h.key(), r.Header, body, time.Minute); err != nil {
		h.errs = append(h.errs, err)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var v runs.View
	if err := json.Unmarshal(body, &v); err != nil {
		h.errs = append(h.errs, err)
	}
	h.got = append(h.got, v)
}

func TestAsyncCallback(t *testing.T) {
	tests := []struct {
		name          string
		allowLoopback bool
		delivered     bool
	}{
		{"delivered and signed", true, true},
		{"loopback refused by the egress guard", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, options{allowLoopback: tt.allowLoopback})
			client, tok := f.token("echo:call")
			h := &hook{t: t, key: func() []byte { return f.runs.KeyFor(client) }}
			srv := httptest.NewServer(h)
			defer srv.Close()
			r := f.call(http.MethodPost, "/v1/actions/echo/echo", tok, `{"message":"cb"}`,
				"Prefer", "respond-async", HeaderCallbackURL, srv.URL+"/hook?from=saa")
			if r.StatusCode != http.StatusAccepted {
				t.Fatalf("%d %s", r.StatusCode, r.body)
			}
			id := r.Header.Get(HeaderRunID)
			var v runs.View
			checkFor(t, 10*time.Second, 10*time.Millisecond, func() error {
				v = f.run(tok, id)
				if v.Callback == nil || v.Callback.State == "pending" || v.Callback.State == runs.DeliveryWaiting {
					return fmt.Errorf("callback %+v", v.Callback)
				}
				return nil
			})
			h.mu.Lock()
			defer h.mu.Unlock()
			if len(h.errs) > 0 {
				t.Fatalf("receiver: %v", h.errs)
			}
			if !tt.delivered {
				if v.Callback.State != "failed" || len(h.got) != 0 || !strings.Contains(v.Callback.LastError, "refused") {
					t.Fatalf("callback %+v, receiver got %d", v.Callback, len(h.got))
				}
				return
			}
			if v.Callback.State != "delivered" || len(h.got) != 1 {
				t.Fatalf("callback %+v, receiver got %d", v.Callback, len(h.got))
			}
			if got := h.got[0]; got.ID != id || got.Status != runs.StatusSucceeded || string(got.Output) != `{"message":"cb"}` {
				t.Errorf("callback body %+v", got)
			}
		})
	}
}

func TestIdempotency(t *testing.T) {
	f := newFixture(t, options{})
	_, tok := f.token("echo:call")
	post := func(key, body string, extra ...string) response {
		return f.call(http.MethodPost, "/v1/actions/echo/echo", tok, body, append([]string{HeaderIdempotencyKey, key}, extra...)...)
	}
	t.Run("sync repeat replays the first answer", func(t *testing.T) {
		first := post("k1", `{"message":"once"}`)
		again := post("k1", `{"message":"once"}`)
		if first.StatusCode != 200 || again.StatusCode != 200 || string(again.body) != string(first.body) {
			t.Fatalf("first %d %s, again %d %s", first.StatusCode, first.body, again.StatusCode, again.body)
		}
		if again.Header.Get(HeaderReplayed) != "true" || first.Header.Get(HeaderReplayed) != "" {
			t.Errorf("replayed headers: first %q, again %q", first.Header.Get(HeaderReplayed), again.Header.Get(HeaderReplayed))
		}
	})
	t.Run("sync key reused with another body", func(t *testing.T) {
		r := post("k1", `{"message":"twice"}`)
		if r.StatusCode != 422 || problemKind(t, r) != KindIdempotencyReused {
			t.Errorf("%d %s", r.StatusCode, r.body)
		}
	})
	t.Run("refused call frees the key", func(t *testing.T) {
		if r := post("k2", `{"message":2}`); r.StatusCode != 422 || problemKind(t, r) != KindInvalidInput {
			t.Fatalf("%d %s", r.StatusCode, r.body)
		}
		if r := post("k2", `{"message":"fixed"}`); r.StatusCode != 200 {
			t.Errorf("retry after a refusal: %d %s", r.StatusCode, r.body)
		}
	})
	t.Run("async repeat returns the first run", func(t *testing.T) {
		a := post("k3", `{"message":"a"}`, "Prefer", "respond-async")
		b := post("k3", `{"message":"a"}`, "Prefer", "respond-async")
		if a.StatusCode != 202 || b.StatusCode != 202 || a.Header.Get(HeaderRunID) != b.Header.Get(HeaderRunID) {
			t.Errorf("a %d %q, b %d %q", a.StatusCode, a.Header.Get(HeaderRunID), b.StatusCode, b.Header.Get(HeaderRunID))
		}
	})
	// The async run finishes in the background: wait for its count, then
	// make sure no replay adds another.
	want := `saa_invocations_total{action="echo",outcome="ok",plugin="echo"} 3`
	checkFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		if body := string(f.call(http.MethodGet, "/metrics", "", "").body); !strings.Contains(body, want) {
			return fmt.Errorf("metrics lack %s: the replay ran the action again?", want)
		}
		return nil
	})
}
