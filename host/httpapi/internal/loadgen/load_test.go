package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = ms(i + 1)
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		q      float64
		want   time.Duration
	}{
		{"empty", nil, 0.5, 0},
		{"one", []time.Duration{ms(7)}, 0.99, ms(7)},
		{"median of 100", hundred, 0.50, ms(50)},
		{"p99 of 100", hundred, 0.99, ms(99)},
		{"max", hundred, 1, ms(100)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := percentile(tt.sorted, tt.q); got != tt.want {
				t.Errorf("percentile = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestLoadCountsRequestsAndErrors(t *testing.T) {
	tests := []struct {
		name      string
		handler   http.HandlerFunc
		wantError string
	}{
		{"echo", echo, ""},
		{"unauthorized", func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "no", http.StatusUnauthorized)
		}, "401"},
		{"wrong body", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte(`{}`)) }, "unexpected body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			tg := target{name: tt.name, url: srv.URL, token: "t", body: []byte(`{"message":"x"}`), client: newClient(2)}
			res := load(context.Background(), tg, 2, 100*time.Millisecond)
			if res.requests == 0 {
				t.Fatal("no request completed")
			}
			if tt.wantError == "" && res.errors != 0 {
				t.Fatalf("%d errors, first: %s", res.errors, res.firstError)
			}
			if tt.wantError != "" && (res.errors != res.requests || !strings.Contains(res.firstError, tt.wantError)) {
				t.Fatalf("errors %d/%d, first %q; want all, with %q", res.errors, res.requests, res.firstError, tt.wantError)
			}
			if res.p50 <= 0 || res.p99 < res.p50 || res.max < res.p99 {
				t.Errorf("percentiles out of order: p50 %v p99 %v max %v", res.p50, res.p99, res.max)
			}
		})
	}
}
