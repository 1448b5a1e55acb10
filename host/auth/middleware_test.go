package auth_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/secure-agent/saa/host/auth"
)

func TestBearerToken(t *testing.T) {
	tests := []struct {
		name    string
		target  string
		headers []string
		want    string
		wantErr error
	}{
		{"bearer header", "/", []string{"Bearer abc"}, "abc", nil},
		{"scheme is case-insensitive", "/", []string{"bEaReR abc"}, "abc", nil},
		{"no header", "/", nil, "", auth.ErrNoToken},
		{"basic header", "/", []string{"Basic YTpi"}, "", auth.ErrNoToken},
		{"empty token", "/", []string{"Bearer "}, "", auth.ErrInvalidToken},
		{"two headers", "/", []string{"Bearer a", "Bearer b"}, "", auth.ErrTokenMisplaced},
		{"query string", "/?access_token=abc", nil, "", auth.ErrTokenMisplaced},
		{"query string beside a header", "/?access_token=abc", []string{"Bearer abc"}, "", auth.ErrTokenMisplaced},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, tt.target, nil)
			for _, h := range tt.headers {
				r.Header.Add("Authorization", h)
			}
			got, err := auth.BearerToken(r)
			if got != tt.want || !errors.Is(err, tt.wantErr) {
				t.Fatalf("BearerToken = %q, %v; want %q, %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

// FuzzBearerToken: any Authorization header yields either an error or a
// non-empty token taken from a Bearer header, without surrounding spaces.
func FuzzBearerToken(f *testing.F) {
	for _, s := range []string{"Bearer abc", "bearer  abc ", "Basic x", "Bearer", "", " Bearer x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Authorization", header)
		tok, err := auth.BearerToken(r)
		if err != nil {
			return
		}
		if tok == "" || tok != strings.TrimSpace(tok) || !strings.EqualFold(header[:6], "bearer") {
			t.Fatalf("header %q gave token %q", header, tok)
		}
	})
}
