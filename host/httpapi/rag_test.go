package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// longMessage is an echo input of many paragraphs, one holding the answer.
func longMessage() string {
	var b strings.Builder
	for i := range 200 {
		fmt.Fprintf(&b, "Paragraph %d: release notes mention faster builds and smaller images.\n\n", i)
		if i == 150 {
			b.WriteString("The staging database password is rotated every Monday at 06:00 UTC by the vault job.\n\n")
		}
	}
	in, _ := json.Marshal(map[string]string{"message": b.String()})
	return string(in)
}

func TestInvokeReturnsHandleAndSearchOverREST(t *testing.T) {
	f := newFixture(t, options{})
	_, tok := f.token("echo:call")
	r := f.call(http.MethodPost, "/v1/actions/echo/echo", tok, longMessage(), "Prefer", "return=handle")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("invoke: %d %s", r.StatusCode, r.body)
	}
	var env struct {
		Handle  string `json:"handle"`
		Chunks  int    `json:"chunks"`
		Summary struct {
			Members map[string]struct {
				Type    string `json:"type"`
				Preview string `json:"preview"`
			} `json:"members"`
		} `json:"summary"`
		Query struct{ Search string } `json:"query"`
	}
	if err := json.Unmarshal(r.body, &env); err != nil || env.Handle == "" || env.Chunks < 200 {
		t.Fatalf("envelope = %s", r.body)
	}
	if m := env.Summary.Members["message"]; m.Type != "string" || !strings.HasPrefix(m.Preview, "Paragraph 0") {
		t.Errorf("summary = %+v", env.Summary)
	}
	if !strings.Contains(env.Query.Search, "/v1/rag/"+env.Handle+"/search") {
		t.Errorf("query help = %+v", env.Query)
	}
	base := "/v1/rag/" + env.Handle

	r = f.call(http.MethodGet, base+"/search?"+url.Values{"q": {"when is the database password rotated"}, "k": {"3"}}.Encode(), tok, "")
	var found struct {
		Hits []struct {
			ID      int     `json:"id"`
			Pointer string  `json:"pointer"`
			Score   float32 `json:"score"`
			Text    string  `json:"text"`
		} `json:"hits"`
	}
	if r.StatusCode != http.StatusOK || json.Unmarshal(r.body, &found) != nil || len(found.Hits) != 3 {
		t.Fatalf("search: %d %s", r.StatusCode, r.body)
	}
	top := found.Hits[0]
	if !strings.Contains(top.Text, "vault job") || top.Pointer != "/message#p151" {
		t.Fatalf("top hit = %+v", top)
	}
	r = f.call(http.MethodGet, fmt.Sprintf("%s/chunks/%d?neighbours=1", base, top.ID), tok, "")
	if r.StatusCode != http.StatusOK || !strings.Contains(string(r.body), "Paragraph 150") || !strings.Contains(string(r.body), "Paragraph 151") {
		t.Fatalf("expand: %d %s", r.StatusCode, r.body)
	}

	t.Run("k of a million is clamped", func(t *testing.T) {
		r := f.call(http.MethodGet, base+"/search?q=release&k=1000000", tok, "")
		if r.StatusCode != http.StatusOK {
			t.Fatalf("%d %s", r.StatusCode, r.body)
		}
	})
	t.Run("contains filters exactly", func(t *testing.T) {
		r := f.call(http.MethodGet, base+"/search?"+url.Values{"q": {"release"}, "contains": {"06:00 UTC"}}.Encode(), tok, "")
		if r.StatusCode != http.StatusOK || strings.Count(string(r.body), `"id"`) != 1 {
			t.Fatalf("%d %s", r.StatusCode, r.body)
		}
	})
	t.Run("another client gets 404 whatever its scopes", func(t *testing.T) {
		_, other := f.token("echo:call", "admin")
		for _, path := range []string{base + "/search?q=password", base + "/chunks/0"} {
			if r := f.call(http.MethodGet, path, other, ""); r.StatusCode != http.StatusNotFound || problemKind(t, r) != "not-found" {
				t.Errorf("%s: %d %s", path, r.StatusCode, r.body)
			}
		}
	})
	t.Run("bad requests", func(t *testing.T) {
		cases := []struct {
			path   string
			status int
			kind   string
		}{
			{base + "/search", 400, KindInvalidQuery},
			{base + "/search?q=x&k=abc", 400, KindInvalidQuery},
			{base + "/search?q=x&k=-1", 400, KindInvalidQuery},
			{base + "/search?q=" + strings.Repeat("a", 3000), 400, KindInvalidQuery},
			{base + "/chunks/abc", 400, KindInvalidQuery},
			{base + "/chunks/99999", 404, "not-found"},
			{base + "/chunks/0?neighbours=50", 400, KindInvalidQuery},
			{"/v1/rag/rag_aaaaaaaaaaaaaaaaaaaaaaaaaa/search?q=x", 404, "not-found"},
			{"/v1/rag/..%2f..%2fsaa.db/search?q=x", 404, "not-found"},
		}
		for _, c := range cases {
			r := f.call(http.MethodGet, c.path, tok, "")
			if r.StatusCode != c.status || problemKind(t, r) != c.kind {
				t.Errorf("%.80s: %d %s", c.path, r.StatusCode, r.body)
			}
		}
		if r := f.call(http.MethodGet, base+"/search?q=x", "", ""); r.StatusCode != http.StatusUnauthorized {
			t.Errorf("no token: %d", r.StatusCode)
		}
		r := f.call(http.MethodPost, "/v1/actions/echo/echo", tok, `{"message":"x"}`, "Prefer", "respond-async, return=handle")
		if r.StatusCode != http.StatusBadRequest {
			t.Errorf("async with return=handle: %d %s", r.StatusCode, r.body)
		}
	})
	t.Run("over=n makes a handle only of an output over n bytes", func(t *testing.T) {
		small := `{"message":"x"}`
		if r := f.call(http.MethodPost, "/v1/actions/echo/echo", tok, small, "Prefer", "return=handle; over=65536"); r.StatusCode != http.StatusOK || string(r.body) != small {
			t.Errorf("small output: %d %s", r.StatusCode, r.body)
		}
		r := f.call(http.MethodPost, "/v1/actions/echo/echo", tok, longMessage(), "Prefer", `return=handle; over="1024"`)
		var env struct{ Handle string }
		if json.Unmarshal(r.body, &env); r.StatusCode != http.StatusOK || env.Handle == "" {
			t.Errorf("large output: %d %.200s", r.StatusCode, r.body)
		}
		for _, bad := range []string{"return=handle; over=-1", "return=handle; over=lots", "return=handle;over="} {
			if r := f.call(http.MethodPost, "/v1/actions/echo/echo", tok, small, "Prefer", bad); r.StatusCode != http.StatusBadRequest {
				t.Errorf("%s: %d %s", bad, r.StatusCode, r.body)
			}
		}
	})
	t.Run("without the preference the output comes back whole", func(t *testing.T) {
		r := f.call(http.MethodPost, "/v1/actions/echo/echo", tok, `{"message":"x"}`, "Prefer", "return=minimal")
		if r.StatusCode != http.StatusOK || string(r.body) != `{"message":"x"}` {
			t.Fatalf("%d %s", r.StatusCode, r.body)
		}
	})
}

func FuzzPrefersHandle(f *testing.F) {
	for _, s := range []string{"return=handle", "return=handle; over=65536", `return="handle"; over="1"`, "respond-async, return=handle;over=-1", "return=minimal", ";;=,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		r, _ := http.NewRequest(http.MethodPost, "/", nil)
		r.Header.Set("Prefer", v)
		ok, over, perr := prefersHandle(r)
		if over < 0 || (perr != nil && ok) || (!ok && over != 0) {
			t.Fatalf("%q: ok %v, over %d, err %v", v, ok, over, perr)
		}
	})
}
