package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// ragPluginsDir lays out http_fetch allowed to reach only pageURL, with a
// RAG threshold of 8 KiB, beside its built module.
func ragPluginsDir(t *testing.T, pageURL string) string {
	t.Helper()
	e2eManifests(t)
	root := t.TempDir()
	manifest, err := os.ReadFile("../../manifests/http_fetch.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m := strings.NewReplacer("https://example.com", pageURL, "    effect: read\n", "    effect: read\n    rag: { threshold: 8KiB }\n").Replace(string(manifest))
	wasm, err := os.ReadFile("../../plugins/http_fetch/http_fetch.wasm")
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"manifests/http_fetch.yaml": []byte(m), "plugins/http_fetch/http_fetch.wasm": wasm} {
		os.MkdirAll(filepath.Join(root, filepath.Dir(name)), 0o700)
		if err := os.WriteFile(filepath.Join(root, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(root, "manifests")
}

// TestE2ERAGHandle: a large http_fetch output comes back from the real
// server as a handle; search and expand find the answer; another client
// cannot; the handle expires.
func TestE2ERAGHandle(t *testing.T) {
	var page strings.Builder
	for i := range 150 {
		fmt.Fprintf(&page, "Chapter %d. The warehouse opens at eight and the loading dock closes at six.\n\n", i)
		if i == 99 {
			page.WriteString("Emergency contact: the on-call facilities manager is Rosa Vidal, extension 4417.\n\n")
		}
	}
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(page.String())) }))
	defer site.Close()
	srv := startServe(t, freePort(t), t.TempDir(), "SAA_PLUGINS_DIR="+ragPluginsDir(t, site.URL), "SAA_RAG_TTL=4s")
	admin := "Basic admin:" + srv.adminPassword()
	id, secret := srv.newClient(admin, "http_fetch:fetch")
	tok := srv.token(id, secret, "http_fetch:fetch")

	var env struct {
		Handle string `json:"handle"`
		Chunks int    `json:"chunks"`
	}
	srv.decode(srv.postJSON("/v1/actions/http_fetch/get", tok, `{"url":"`+site.URL+`/handbook"}`), 200, &env)
	if !strings.HasPrefix(env.Handle, "rag_") || env.Chunks < 150 {
		t.Fatalf("envelope %+v", env)
	}
	search := "/v1/rag/" + env.Handle + "/search?" + url.Values{"q": {"who is the emergency contact for facilities"}, "k": {"3"}}.Encode()
	var found struct {
		Hits []struct {
			ID      int    `json:"id"`
			Pointer string `json:"pointer"`
			Text    string `json:"text"`
		} `json:"hits"`
	}
	srv.decode(srv.request(http.MethodGet, search, tok, nil), 200, &found)
	if len(found.Hits) == 0 || !strings.Contains(found.Hits[0].Text, "Rosa Vidal") {
		t.Fatalf("search: %+v", found)
	}
	r := srv.request(http.MethodGet, fmt.Sprintf("/v1/rag/%s/chunks/%d?neighbours=1", env.Handle, found.Hits[0].ID), tok, nil)
	if r.status != 200 || !strings.Contains(string(r.body), "Chapter 99.") || !strings.Contains(string(r.body), "extension 4417") {
		t.Fatalf("expand: %d %s", r.status, r.body)
	}

	otherID, otherSecret := srv.newClient(admin, "http_fetch:fetch")
	other := srv.token(otherID, otherSecret, "http_fetch:fetch")
	if r := srv.request(http.MethodGet, search, other, nil); r.status != 404 {
		t.Fatalf("another client: %d %s", r.status, r.body)
	}
	var entries struct {
		Entries []struct{ Detail string } `json:"entries"`
	}
	srv.decode(srv.request(http.MethodGet, "/admin/api/v1/audit?kind=rag", admin, nil), 200, &entries)
	if len(entries.Entries) != 1 || !strings.Contains(entries.Entries[0].Detail, env.Handle) {
		t.Errorf("audit: %+v", entries)
	}
	checkFor(t, 30*time.Second, 200*time.Millisecond, func() error {
		if r := srv.request(http.MethodGet, search, tok, nil); r.status != 404 {
			return fmt.Errorf("after the TTL: %d", r.status)
		}
		return nil
	})
}
