package signature

import (
	"errors"
	"testing"
	"time"
)

func TestVerify(t *testing.T) {
	key, body := []byte("k3y"), []byte(`{"id":"r1"}`)
	at := time.Unix(1_700_000_000, 0)
	good := Sign(key, body, at)
	tests := []struct {
		name   string
		key    []byte
		body   []byte
		header string
		now    time.Time
		want   error
	}{
		{"valid", key, body, good, at, nil},
		{"valid within tolerance", key, body, good, at.Add(4 * time.Minute), nil},
		{"second signature matches", key, body, "t=1700000000,v1=00," + good[len("t=1700000000,"):], at, nil},
		{"wrong key", []byte("other"), body, good, at, ErrInvalid},
		{"changed body", key, []byte(`{"id":"r2"}`), good, at, ErrInvalid},
		{"changed timestamp", key, body, "t=1700000001" + good[len("t=1700000000"):], at, ErrInvalid},
		{"replayed late", key, body, good, at.Add(6 * time.Minute), ErrExpired},
		{"from the future", key, body, good, at.Add(-6 * time.Minute), ErrExpired},
		{"empty header", key, body, "", at, ErrInvalid},
		{"no signature", key, body, "t=1700000000", at, ErrInvalid},
		{"bad timestamp", key, body, "t=soon,v1=00", at, ErrInvalid},
		{"not hex", key, body, "t=1700000000,v1=zz", at, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify(tt.key, tt.body, tt.header, tt.now, 0)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}

func FuzzVerify(f *testing.F) {
	f.Add("t=1700000000,v1=00")
	f.Add("")
	f.Add(",,=,t=,v1=")
	f.Fuzz(func(t *testing.T, header string) {
		_ = Verify([]byte("k"), []byte("b"), header, time.Unix(1_700_000_000, 0), 0)
	})
}
