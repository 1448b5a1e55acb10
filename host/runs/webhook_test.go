package runs

import (
	"bytes"
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"
)

var testServerKey = bytes.Repeat([]byte{7}, WebhookKeySize)

func signedHeader(key []byte, id string, ts time.Time, body []byte) http.Header {
	h := http.Header{}
	for k, v := range SignedHeaders(key, id, ts, body) {
		h.Set(k, v)
	}
	return h
}

func TestVerify(t *testing.T) {
	now := time.Unix(1_900_000_000, 0)
	key := KeyFor(testServerKey, "client-a")
	body := []byte(`{"id":"run_1","status":"succeeded"}`)
	good := func() http.Header { return signedHeader(key, "run_1", now, body) }
	cases := []struct {
		name string
		key  []byte
		h    func() http.Header
		body []byte
		ok   bool
	}{
		{"valid", key, good, body, true},
		{"tampered body", key, good, []byte(`{"id":"run_1","status":"failed"}`), false},
		{"another client's key", KeyFor(testServerKey, "client-b"), good, body, false},
		{"changed id", key, func() http.Header { h := good(); h.Set(HeaderID, "run_2"); return h }, body, false},
		{"changed timestamp", key, func() http.Header {
			h := good()
			h.Set(HeaderTimestamp, strconv.FormatInt(now.Unix()+1, 10))
			return h
		}, body, false},
		{"stale", key, func() http.Header { return signedHeader(key, "run_1", now.Add(-6*time.Minute), body) }, body, false},
		{"from the future", key, func() http.Header { return signedHeader(key, "run_1", now.Add(6*time.Minute), body) }, body, false},
		{"within tolerance", key, func() http.Header { return signedHeader(key, "run_1", now.Add(-4*time.Minute), body) }, body, true},
		{"missing signature", key, func() http.Header { h := good(); h.Del(HeaderSignature); return h }, body, false},
		{"malformed timestamp", key, func() http.Header { h := good(); h.Set(HeaderTimestamp, "soon"); return h }, body, false},
		{"one of several signatures", key, func() http.Header {
			h := good()
			h.Set(HeaderSignature, "v1,AAAA v2,xyz "+h.Get(HeaderSignature))
			return h
		}, body, true},
		{"wrong version", key, func() http.Header {
			h := good()
			h.Set(HeaderSignature, "v2,"+h.Get(HeaderSignature)[3:])
			return h
		}, body, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := verifyAt(c.key, c.h(), c.body, 5*time.Minute, now)
			if (err == nil) != c.ok || (err != nil && !errors.Is(err, ErrInvalidSignature)) {
				t.Errorf("verify = %v, want ok %v", err, c.ok)
			}
		})
	}
}

func TestKeysPerClient(t *testing.T) {
	a, b := KeyFor(testServerKey, "client-a"), KeyFor(testServerKey, "client-b")
	if bytes.Equal(a, b) || len(a) != 32 {
		t.Fatalf("keys of two clients: %x, %x", a, b)
	}
	if !bytes.Equal(a, KeyFor(testServerKey, "client-a")) {
		t.Error("key derivation is not deterministic")
	}
	got, err := ParseSecret(Secret(a))
	if err != nil || !bytes.Equal(got, a) {
		t.Errorf("ParseSecret(Secret(k)) = %x, %v", got, err)
	}
	if _, err := ParseSecret("whsec_!!"); err == nil {
		t.Error("ParseSecret accepted a malformed secret")
	}
}

func FuzzVerify(f *testing.F) {
	now := time.Unix(1_900_000_000, 0)
	key := KeyFor(testServerKey, "c")
	h := SignedHeaders(key, "run_1", now, []byte("{}"))
	f.Add(h[HeaderID], h[HeaderTimestamp], h[HeaderSignature], []byte("{}"))
	f.Add("x", "-9223372036854775808", "v1, v1,=== ,", []byte(nil))
	f.Fuzz(func(t *testing.T, id, ts, sig string, body []byte) {
		hdr := http.Header{}
		hdr.Set(HeaderID, id)
		hdr.Set(HeaderTimestamp, ts)
		hdr.Set(HeaderSignature, sig)
		err := verifyAt(key, hdr, body, 5*time.Minute, now)
		if err != nil && !errors.Is(err, ErrInvalidSignature) {
			t.Fatalf("error %v does not wrap ErrInvalidSignature", err)
		}
		if err == nil && sig != "" && !bytes.Contains([]byte(sig), []byte(Sign(key, id, time.Unix(mustInt(ts), 0), body)[3:])) {
			t.Fatalf("accepted a signature that is not the right one: %q", sig)
		}
	})
}

func mustInt(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}
