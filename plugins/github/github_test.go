package main

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/secure-agent/saa/pdk"
	"github.com/secure-agent/saa/pdk/pdktest"
)

func TestListIssues(t *testing.T) {
	srv := fakeGitHub(t, pdk.Secret("token"))
	c := client{base: baseURL(srv.URL + "/"), send: send, auth: pdk.Secret("token")}
	tests := []struct {
		name    string
		in      listInput
		want    string
		wantErr error
		errText string
	}{
		{
			name: "open by default, pull requests left out",
			in:   listInput{Owner: "octo", Repo: "hello"},
			want: `{"issues":[{"number":2,"title":"Crash on open","state":"open","url":"https://github.com/octo/hello/issues/2",` +
				`"author":"ada","labels":["bug"],"comments":3,"created_at":"2024-01-02T03:04:05Z"},` +
				`{"number":1,"title":"Docs","state":"open","url":"","author":"bob","labels":[],"comments":0,"created_at":""}]}`,
		},
		{name: "closed", in: listInput{Owner: "octo", Repo: "hello", State: "closed"}, want: `"state":"closed"`},
		{name: "invalid state", in: listInput{Owner: "octo", Repo: "hello", State: "draft"}, wantErr: errInvalidInput},
		{name: "owner climbing the path", in: listInput{Owner: "..", Repo: "hello"}, wantErr: errInvalidInput},
		{name: "slash in repo", in: listInput{Owner: "octo", Repo: "hello/../x"}, wantErr: errInvalidInput},
		{name: "query in repo", in: listInput{Owner: "octo", Repo: "hello?x=1"}, wantErr: errInvalidInput},
		{name: "empty owner", in: listInput{Repo: "hello"}, wantErr: errInvalidInput},
		{name: "unknown repo", in: listInput{Owner: "octo", Repo: "missing"}, errText: "github answered 404: Not Found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := c.listIssues(tt.in)
			checkResult(t, mustJSON(t, out), err, tt.want, tt.wantErr, tt.errText)
		})
	}
}

func TestCreateIssue(t *testing.T) {
	srv := fakeGitHub(t, pdk.Secret("token"))
	c := client{base: srv.URL, send: send, auth: pdk.Secret("token")}
	tests := []struct {
		name    string
		in      createInput
		want    string
		wantErr error
		errText string
	}{
		{
			name: "created",
			in:   createInput{Owner: "octo", Repo: "hello", Title: "Crash", Body: "Steps..."},
			want: `{"number":42,"title":"Crash","state":"open","url":"https://github.com/octo/hello/issues/42",` +
				`"author":"saa-bot","labels":[],"comments":0,"created_at":"2024-05-06T07:08:09Z"}`,
		},
		{name: "blank title", in: createInput{Owner: "octo", Repo: "hello", Title: "  "}, wantErr: errInvalidInput},
		{name: "bad repo", in: createInput{Owner: "octo", Repo: ".", Title: "x"}, wantErr: errInvalidInput},
		{name: "github refuses", in: createInput{Owner: "octo", Repo: "hello", Title: "reject"}, errText: "422: Validation Failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := c.createIssue(tt.in)
			checkResult(t, mustJSON(t, out), err, tt.want, tt.wantErr, tt.errText)
		})
	}
}

func TestErrorsWithoutMessage(t *testing.T) {
	c := client{base: defaultBaseURL, auth: "x", send: func(*pdk.HTTPRequest) (*pdk.HTTPResponse, error) {
		return &pdk.HTTPResponse{Status: 502, Body: []byte("<html>bad gateway</html>")}, nil
	}}
	_, err := c.listIssues(listInput{Owner: "a", Repo: "b"})
	if err == nil || err.Error() != "GET /repos/a/b/issues?per_page=30&state=open: github answered 502" {
		t.Fatalf("err = %v", err)
	}
}

func TestBaseURL(t *testing.T) {
	for in, want := range map[string]string{"": defaultBaseURL, "http://127.0.0.1:8080/": "http://127.0.0.1:8080"} {
		if got := baseURL(in); got != want {
			t.Errorf("baseURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func checkResult(t *testing.T, got string, err error, want string, wantErr error, errText string) {
	t.Helper()
	switch {
	case wantErr != nil:
		if !errors.Is(err, wantErr) {
			t.Fatalf("err = %v, want %v", err, wantErr)
		}
	case errText != "":
		if err == nil || !strings.Contains(err.Error(), errText) {
			t.Fatalf("err = %v, want %q", err, errText)
		}
	case err != nil:
		t.Fatal(err)
	case !strings.Contains(got, want):
		t.Fatalf("got %s\nwant %s", got, want)
	}
}

var wasm = sync.OnceValues(func() ([]byte, error) { return pdktest.Build(context.Background(), ".") })

// TestCompiled runs the built plugin under the reference Extism host: the
// token reaches GitHub only because the host substituted the reference.
func TestCompiled(t *testing.T) {
	srv := fakeGitHub(t, "Bearer t0k3n")
	w, err := wasm()
	if err != nil {
		t.Fatal(err)
	}
	opts := pdktest.Options{Config: map[string]string{"base_url": srv.URL}, Secrets: map[string]string{"token": "Bearer t0k3n"}}
	p, err := pdktest.Load(t.Context(), w, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(context.Background())

	out, err := p.Call(t.Context(), "list_issues", []byte(`{"owner":"octo","repo":"hello"}`))
	var list listOutput
	if err != nil || json.Unmarshal(out, &list) != nil || len(list.Issues) != 2 {
		t.Fatalf("list_issues = %s, %v", out, err)
	}
	out, err = p.Call(t.Context(), "create_issue", []byte(`{"owner":"octo","repo":"hello","title":"Hi"}`))
	if err != nil || !strings.Contains(string(out), `"number":42`) {
		t.Fatalf("create_issue = %s, %v", out, err)
	}
	_, err = p.Call(t.Context(), "list_issues", []byte(`{"owner":"octo","repo":"missing"}`))
	if err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("err = %v, want 404", err)
	}
}
