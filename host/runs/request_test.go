package runs

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestValidateCallbackURL(t *testing.T) {
	cases := []struct {
		name, url string
		ok        bool
	}{
		{"https", "https://hooks.example.com/saa?x=1", true},
		{"http with port", "http://127.0.0.1:9000/cb", true},
		{"relative", "/cb", false},
		{"no scheme", "hooks.example.com/cb", false},
		{"ftp", "ftp://hooks.example.com/cb", false},
		{"javascript", "javascript:alert(1)", false},
		{"user info", "https://user:pass@hooks.example.com/", false},
		{"empty host", "https:///cb", false},
		{"port only", "https://:443/cb", false},
		{"fragment", "https://hooks.example.com/#x", false},
		{"too long", "https://hooks.example.com/" + strings.Repeat("a", 2048), false},
		{"control character", "https://hooks.example.com/\x00", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := ValidateCallbackURL(c.url)
			if (err == nil) != c.ok || (err != nil && !errors.Is(err, ErrInvalidCallback)) {
				t.Errorf("validate = %v, want ok %v", err, c.ok)
			}
		})
	}
}

func FuzzValidateCallbackURL(f *testing.F) {
	for _, s := range []string{"https://a.example/x", "http://[::1]:80/", "https://u@h/", "http://%zz/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ValidateCallbackURL(s) != nil {
			return
		}
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.User != nil || u.Hostname() == "" {
			t.Fatalf("accepted %q", s)
		}
	})
}

func TestRetryDelay(t *testing.T) {
	p := RetryPolicy{Base: time.Second, Max: 10 * time.Second}.withDefaults()
	cases := []struct {
		attempts int
		ceiling  time.Duration
	}{{1, time.Second}, {2, 2 * time.Second}, {3, 4 * time.Second}, {4, 8 * time.Second}, {5, 10 * time.Second}, {60, 10 * time.Second}}
	for _, c := range cases {
		t.Run(c.ceiling.String(), func(t *testing.T) {
			if got := p.ceiling(c.attempts); got != c.ceiling {
				t.Errorf("ceiling(%d) = %v, want %v", c.attempts, got, c.ceiling)
			}
			for range 200 {
				if d := p.Delay(c.attempts); d < 0 || d > c.ceiling {
					t.Fatalf("delay %v outside [0, %v]", d, c.ceiling)
				}
			}
		})
	}
	if d := (RetryPolicy{}).withDefaults(); d.MaxAttempts != 6 || d.Base <= 0 || d.Max < d.Base {
		t.Errorf("defaults = %+v", d)
	}
}
