package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/secure-agent/saa/pdk"
)

// fakeGitHub serves the two endpoints the plugin uses for octo/hello and
// answers 401 unless Authorization is wantAuth.
func fakeGitHub(t *testing.T, wantAuth string) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /repos/octo/hello/issues", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("per_page") != "30" {
			t.Errorf("per_page = %q", r.URL.Query().Get("per_page"))
		}
		state := r.URL.Query().Get("state")
		w.Write([]byte(`[
			{"number": 2, "title": "Crash on ` + state + `", "state": "` + state + `", "html_url": "https://github.com/octo/hello/issues/2",
			 "user": {"login": "ada"}, "labels": [{"name": "bug"}], "comments": 3, "created_at": "2024-01-02T03:04:05Z"},
			{"number": 3, "title": "A pull request", "pull_request": {"url": "x"}},
			{"number": 1, "title": "Docs", "state": "` + state + `", "user": {"login": "bob"}}]`))
	})
	mux.HandleFunc("POST /repos/octo/hello/issues", func(w http.ResponseWriter, r *http.Request) {
		var in map[string]string
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, `{"message":"Problems parsing JSON"}`, http.StatusBadRequest)
			return
		}
		if in["title"] == "reject" {
			http.Error(w, `{"message":"Validation Failed"}`, http.StatusUnprocessableEntity)
			return
		}
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(map[string]any{
			"number": 42, "title": in["title"], "state": "open", "html_url": "https://github.com/octo/hello/issues/42",
			"user": map[string]string{"login": "saa-bot"}, "body": in["body"], "created_at": "2024-05-06T07:08:09Z",
		})
	})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != wantAuth {
			http.Error(w, `{"message":"Bad credentials"}`, http.StatusUnauthorized)
			return
		}
		if r.Header.Get("Accept") != "application/vnd.github+json" || r.Header.Get("User-Agent") == "" ||
			r.Header.Get("X-GitHub-Api-Version") == "" {
			http.Error(w, `{"message":"missing headers"}`, http.StatusBadRequest)
			return
		}
		if _, pattern := mux.Handler(r); pattern == "" {
			http.Error(w, `{"message":"Not Found"}`, http.StatusNotFound)
			return
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// send is the plugin's sender for native tests: a plain request, headers as
// the plugin set them (so the secret stays a reference).
func send(req *pdk.HTTPRequest) (*pdk.HTTPResponse, error) {
	hr, err := http.NewRequest(req.Method, req.URL, bytes.NewReader(req.Body))
	if err != nil {
		return nil, err
	}
	for k, v := range req.Headers {
		hr.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	return &pdk.HTTPResponse{Status: resp.StatusCode, Body: body}, nil
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}
