package pdk_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/secure-agent/saa/pdk"
	"github.com/secure-agent/saa/pdk/pdktest"
	"github.com/secure-agent/saa/pdk/wire"
)

// copySizes straddle the 8-byte word boundary of the bulk copies.
var copySizes = []int{0, 1, 7, 8, 9, 1 << 20}

func randomBytes(n int) []byte {
	r := rand.New(rand.NewPCG(uint64(n), 42))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func TestBulkCopyRoundTrip(t *testing.T) {
	for _, n := range copySizes {
		data := randomBytes(n)
		t.Run(fmt.Sprintf("input and output %d bytes", n), func(t *testing.T) {
			p := load(t, pdktest.Options{})
			out, err := p.Call(t.Context(), "echo", data)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out, data) {
				t.Fatalf("echo returned %d bytes that differ from the %d sent", len(out), n)
			}
		})
		if n == 0 {
			continue // go-sdk hands an empty config value over as "not set"
		}
		t.Run(fmt.Sprintf("host block %d bytes", n), func(t *testing.T) {
			p := load(t, pdktest.Options{Config: map[string]string{"v": string(data)}})
			out, err := p.Call(t.Context(), "config", []byte("v"))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out, data) {
				t.Fatalf("config returned %d bytes that differ from the %d set", len(out), n)
			}
		})
	}
}

func TestConfigMissing(t *testing.T) {
	p := load(t, pdktest.Options{})
	_, err := p.Call(t.Context(), "config", []byte("absent"))
	if err == nil || !strings.Contains(err.Error(), "config not set") {
		t.Fatalf("err = %v, want config not set", err)
	}
}

func TestVarsPersistAcrossCalls(t *testing.T) {
	p := load(t, pdktest.Options{})
	for want := 1; want <= 3; want++ {
		out, err := p.Call(t.Context(), "count", nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := string(out); got != fmt.Sprint(want) {
			t.Fatalf("call %d: count = %s", want, got)
		}
	}
}

func TestLogReachesHost(t *testing.T) {
	var got []string
	p := load(t, pdktest.Options{Log: func(l pdk.LogLevel, msg string) {
		if strings.HasSuffix(msg, " hi") { // skip go-sdk's own messages
			got = append(got, msg)
		}
	}})
	if _, err := p.Call(t.Context(), "log", []byte("hi")); err != nil {
		t.Fatal(err)
	}
	want := []string{"0 hi", "1 hi", "2 hi", "3 hi", "4 hi"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("logs = %q, want %q", got, want)
	}
}

func TestRun(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		want    string
		wantErr string
	}{
		{name: "success", input: `{"name":"Ada"}`, want: `{"greeting":"Hello, Ada!"}`},
		{name: "no html escaping", input: `{"name":"<&>"}`, want: `{"greeting":"Hello, <&>!"}`},
		{name: "error from fn", input: `{}`, wantErr: "name is required"},
		{name: "empty input is zero value", input: ``, wantErr: "name is required"},
		{name: "bad json", input: `{"name":`, wantErr: "decode input"},
		{name: "panic recovered", input: `{"name":"panic"}`, wantErr: "action panicked"},
	}
	p := load(t, pdktest.Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := p.Call(t.Context(), "greet", []byte(tt.input))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || string(out) != tt.want {
				t.Fatalf("got %s, %v; want %s", out, err, tt.want)
			}
		})
	}
	t.Run("instance survives the panic", func(t *testing.T) {
		if _, err := p.Call(t.Context(), "greet", []byte(`{"name":"again"}`)); err != nil {
			t.Fatal(err)
		}
	})
}

// echoServer answers with the request's method, Authorization header and body.
func echoServer(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Method", r.Method)
		w.Header().Set("X-Auth", r.Header.Get("Authorization"))
		w.WriteHeader(http.StatusAccepted)
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestHTTP(t *testing.T) {
	srv := echoServer(t)
	opts := pdktest.Options{Secrets: map[string]string{"token": "Bearer s3cr3t"}}
	for _, n := range copySizes {
		t.Run(fmt.Sprintf("body %d bytes", n), func(t *testing.T) {
			body := randomBytes(n)
			resp := fetch(t, load(t, opts), srv.URL, "", body)
			if resp.Status != http.StatusAccepted || !bytes.Equal(resp.Body, body) {
				t.Fatalf("status %d, body of %d bytes differs from the %d sent", resp.Status, len(resp.Body), n)
			}
			if resp.Headers["X-Method"] != "POST" {
				t.Fatalf("method = %q", resp.Headers["X-Method"])
			}
		})
	}
	t.Run("secret substituted by host", func(t *testing.T) {
		resp := fetch(t, load(t, opts), srv.URL, "token", nil)
		if got := resp.Headers["X-Auth"]; got != "Bearer s3cr3t" {
			t.Fatalf("Authorization = %q", got)
		}
	})
	t.Run("host error becomes ErrHTTP", func(t *testing.T) {
		input, _ := json.Marshal(map[string]string{"url": srv.URL, "secret": "other"})
		_, err := load(t, opts).Call(t.Context(), "fetch", input)
		if err == nil || !strings.Contains(err.Error(), pdk.ErrHTTP.Error()) ||
			!strings.Contains(err.Error(), `secret "other" is not declared`) {
			t.Fatalf("err = %v", err)
		}
	})
}

func fetch(t *testing.T, p *pdktest.Plugin, url, secret string, body []byte) *wire.HTTPResponse {
	t.Helper()
	input, err := json.Marshal(map[string]any{"url": url, "secret": secret, "body": body})
	if err != nil {
		t.Fatal(err)
	}
	out, err := p.Call(context.Background(), "fetch", input)
	if err != nil {
		t.Fatal(err)
	}
	var resp wire.HTTPResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatal(err)
	}
	return &resp
}
