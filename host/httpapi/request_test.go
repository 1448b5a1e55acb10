package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/secure-agent/saa/host"
)

func TestPrefersAsync(t *testing.T) {
	tests := []struct {
		name   string
		values []string
		want   bool
	}{
		{"absent", nil, false},
		{"alone", []string{"respond-async"}, true},
		{"case and spaces", []string{" Respond-Async "}, true},
		{"among others", []string{"return=minimal, respond-async, wait=10"}, true},
		{"second header", []string{"return=minimal", "respond-async"}, true},
		{"other preference", []string{"return=representation"}, false},
		{"prefix only", []string{"respond-asynchronously"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/", nil)
			for _, v := range tt.values {
				r.Header.Add("Prefer", v)
			}
			if got := prefersAsync(r); got != tt.want {
				t.Errorf("prefersAsync = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestIsJSONType(t *testing.T) {
	tests := []struct {
		ct   string
		want bool
	}{
		{"application/json", true},
		{"application/json; charset=utf-8", true},
		{"Application/JSON", true},
		{"application/merge-patch+json", true},
		{"text/plain", false},
		{"application/x-www-form-urlencoded", false},
		{"application/jsonx", false},
		{"json", false},
	}
	for _, tt := range tests {
		t.Run(tt.ct, func(t *testing.T) {
			if got := isJSONType(tt.ct); got != tt.want {
				t.Errorf("isJSONType(%q) = %v, want %v", tt.ct, got, tt.want)
			}
		})
	}
}

func TestInvokeError(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		status     int
		kind       string
		showDetail bool
	}{
		{"unknown action", fmt.Errorf("%w: x.y", host.ErrNotFound), 404, "not-found", false},
		{"missing scope", &host.ScopeError{Missing: []string{"echo:call"}}, 403, "insufficient-scope", false},
		{"schema violation", fmt.Errorf("%w: message: required", host.ErrInvalidInput), 422, KindInvalidInput, true},
		{"plugin error", fmt.Errorf("plugin/x: %w: no such repo", host.ErrPluginFailed), 502, KindPluginFailed, true},
		{"crash", fmt.Errorf("plugin/x: %w: wasm error: unreachable at /src/x.go", host.ErrPluginCrashed), 502, KindPluginCrashed, false},
		{"bad output", fmt.Errorf("plugin/x: %w: /a: want string", host.ErrInvalidOutput), 502, KindInvalidOutput, false},
		{"too much output", host.ErrOutputTooLarge, 502, KindOutputTooLarge, false},
		{"timeout", host.ErrTimeout, 504, KindPluginTimeout, false},
		{"busy", host.ErrBusy, 503, KindBusy, false},
		{"anything else", errors.New("open /var/lib/saa/saa.db: permission denied"), 500, "internal", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := invokeError(tt.err)
			if p.Status != tt.status || p.Kind != tt.kind {
				t.Fatalf("invokeError = %d %s, want %d %s", p.Status, p.Kind, tt.status, tt.kind)
			}
			if shown := p.Detail == tt.err.Error(); shown != tt.showDetail {
				t.Errorf("detail %q: shown = %v, want %v", p.Detail, shown, tt.showDetail)
			}
		})
	}
}

func TestValidID(t *testing.T) {
	tests := []struct {
		id   string
		want bool
	}{
		{"abc-123_X.y", true},
		{"", false},
		{"has space", false},
		{"new\nline", false},
		{string(make([]byte, 65)), false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q", tt.id), func(t *testing.T) {
			if got := validID(tt.id); got != tt.want {
				t.Errorf("validID = %v, want %v", got, tt.want)
			}
		})
	}
}
