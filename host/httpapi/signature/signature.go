// Package signature signs and verifies SAA's callback requests: an
// HMAC-SHA256 over the timestamp and the body, sent as
//
//	X-SAA-Signature: t=<unix seconds>,v1=<lowercase hex HMAC-SHA256(key, "<t>.<body>")>
//
// A receiver verifies it with Verify, which also refuses a timestamp outside
// a tolerance window so that a captured callback cannot be replayed later.
// Receivers in other languages do the same in a few lines: split the header,
// recompute the HMAC over the timestamp, a dot and the raw body, and compare
// in constant time.
//
// This package has no dependency beyond the standard library, so receivers
// can import it on their own.
package signature

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Header is the request header carrying the signature.
const Header = "X-SAA-Signature"

// DefaultTolerance is how far a timestamp may be from the receiver's clock.
const DefaultTolerance = 5 * time.Minute

// ErrInvalid means the signature header is missing, malformed or does not
// match the body.
var ErrInvalid = errors.New("invalid signature")

// ErrExpired means the signature is valid but its timestamp is outside the
// tolerance window.
var ErrExpired = errors.New("signature timestamp out of tolerance")

// Sign returns the header value for body, signed with key at t.
func Sign(key, body []byte, t time.Time) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(key, ts, body))
}

// Verify checks header against body and key, and that its timestamp is
// within tolerance of now (DefaultTolerance if tolerance is zero).
func Verify(key, body []byte, header string, now time.Time, tolerance time.Duration) error {
	ts, sigs, err := parse(header)
	if err != nil {
		return err
	}
	want := mac(key, ts, body)
	ok := false
	for _, s := range sigs {
		got, err := hex.DecodeString(s)
		if err == nil && hmac.Equal(got, want) {
			ok = true
		}
	}
	if !ok {
		return ErrInvalid
	}
	if tolerance == 0 {
		tolerance = DefaultTolerance
	}
	sec, _ := strconv.ParseInt(ts, 10, 64)
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return ErrExpired
	}
	return nil
}

// parse splits "t=...,v1=...[,v1=...]" into the timestamp and the v1
// signatures. Several v1 entries allow a key rotation.
func parse(header string) (ts string, sigs []string, err error) {
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sigs = append(sigs, v)
		}
	}
	if _, perr := strconv.ParseInt(ts, 10, 64); perr != nil || len(sigs) == 0 {
		return "", nil, ErrInvalid
	}
	return ts, sigs, nil
}

func mac(key []byte, ts string, body []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(ts))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}
