package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/secure-agent/saa/pdk"
	"github.com/secure-agent/saa/pdk/pdktest"
	"github.com/secure-agent/saa/pdk/wire"
)

func TestTruncate(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		limit     int
		want      string
		truncated bool
	}{
		{name: "short", body: "hello", limit: 10, want: "hello"},
		{name: "exact", body: "hello", limit: 5, want: "hello"},
		{name: "cut", body: "hello world", limit: 5, want: "hello", truncated: true},
		{name: "cut before a split rune", body: "ab€cd", limit: 4, want: "ab", truncated: true},
		{name: "rune fits", body: "ab€cd", limit: 5, want: "ab€", truncated: true},
		{name: "invalid utf-8 replaced", body: "a\xffb", limit: 10, want: "a\uFFFDb"},
		{name: "replacement kept within limit", body: "\xff\xff\xff\xff", limit: 3, want: "\uFFFD", truncated: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, truncated := truncate([]byte(tt.body), tt.limit)
			if got != tt.want || truncated != tt.truncated {
				t.Fatalf("truncate = %q, %v; want %q, %v", got, truncated, tt.want, tt.truncated)
			}
		})
	}
}

func FuzzTruncate(f *testing.F) {
	f.Add([]byte("hello €"), 6)
	f.Add([]byte("\xff\xfe"), 1)
	f.Fuzz(func(t *testing.T, body []byte, limit int) {
		if limit < 0 || limit > 1<<16 {
			return
		}
		got, truncated := truncate(body, limit)
		if !utf8.ValidString(got) || (truncated && len(got) > limit) || truncated != (len(body) > limit) {
			t.Fatalf("truncate(%q, %d) = %q, %v", body, limit, got, truncated)
		}
	})
}

func TestCheckURL(t *testing.T) {
	tests := []struct {
		name string
		url  string
		ok   bool
	}{
		{name: "https", url: "https://example.com/a?b=c", ok: true},
		{name: "http with port", url: "http://example.com:8080/", ok: true},
		{name: "empty", url: ""},
		{name: "relative", url: "/etc/passwd"},
		{name: "file scheme", url: "file:///etc/passwd"},
		{name: "credentials", url: "https://user:pass@example.com/"},
		{name: "no host", url: "https:///path"},
		{name: "garbage", url: "http://[::1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkURL(tt.url)
			if (err == nil) != tt.ok || (err != nil && !errors.Is(err, errBadURL)) {
				t.Fatalf("checkURL(%q) = %v, want ok=%v", tt.url, err, tt.ok)
			}
		})
	}
}

func TestGet(t *testing.T) {
	big := strings.Repeat("x", maxText+10)
	tests := []struct {
		name    string
		resp    *pdk.HTTPResponse
		err     error
		want    getOutput
		wantErr string
	}{
		{
			name: "ok",
			resp: &pdk.HTTPResponse{Status: 200, Headers: map[string]string{"Content-Type": "text/plain"}, Body: []byte("hi")},
			want: getOutput{Status: 200, Headers: map[string]string{"Content-Type": "text/plain"}, Text: "hi"},
		},
		{
			name: "error status passed through",
			resp: &pdk.HTTPResponse{Status: 404},
			want: getOutput{Status: 404, Headers: map[string]string{}},
		},
		{
			name: "large body truncated",
			resp: &pdk.HTTPResponse{Status: 200, Body: []byte(big)},
			want: getOutput{Status: 200, Headers: map[string]string{}, Text: big[:maxText], Truncated: true},
		},
		{name: "host refusal", err: pdk.ErrHTTP, wantErr: "get https://example.com/: http request failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			send := func(req *pdk.HTTPRequest) (*pdk.HTTPResponse, error) {
				if req.Method != "GET" || req.URL != "https://example.com/" || len(req.Headers) != 0 {
					t.Errorf("request = %+v", req)
				}
				return tt.resp, tt.err
			}
			got, err := get(send, getInput{URL: "https://example.com/"})
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !equal(got, tt.want) {
				t.Fatalf("get = %+v, %v", got, err)
			}
		})
	}
}

func equal(a, b getOutput) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

var wasm = sync.OnceValues(func() ([]byte, error) { return pdktest.Build(context.Background(), ".") })

// TestCompiled runs the built plugin under the reference Extism host against
// a local server.
func TestCompiled(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if r.URL.Path == "/big" {
			w.Write([]byte(strings.Repeat("€", maxText)))
			return
		}
		w.Write([]byte("hello from " + r.Method))
	}))
	defer srv.Close()
	w, err := wasm()
	if err != nil {
		t.Fatal(err)
	}
	refuse := func(_ context.Context, req *wire.HTTPRequest) *wire.HTTPResponse {
		return &wire.HTTPResponse{Error: "egress to " + req.URL + " is not declared"}
	}
	tests := []struct {
		name    string
		url     string
		host    func(context.Context, *wire.HTTPRequest) *wire.HTTPResponse
		want    string
		wantErr string
	}{
		{name: "page", url: srv.URL + "/", want: "hello from GET"},
		{name: "big page", url: srv.URL + "/big", want: strings.Repeat("€", maxText/3)},
		{name: "refused by host", url: "https://example.org/", host: refuse, wantErr: "is not declared"},
		{name: "bad url", url: "file:///etc/passwd", wantErr: errBadURL.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := pdktest.Load(t.Context(), w, pdktest.Options{HTTP: tt.host})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close(context.Background())
			input, _ := json.Marshal(getInput{URL: tt.url})
			out, err := p.Call(t.Context(), "get", input)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			var got getOutput
			if err != nil || json.Unmarshal(out, &got) != nil {
				t.Fatalf("get = %s, %v", out, err)
			}
			if got.Status != 200 || got.Text != tt.want || got.Headers["Content-Type"] == "" {
				t.Fatalf("get = %d %q (%d bytes), headers %v", got.Status, got.Text[:min(len(got.Text), 40)], len(got.Text), got.Headers)
			}
		})
	}
}
