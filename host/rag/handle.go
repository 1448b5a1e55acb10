package rag

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/hex"
	"regexp"
	"strings"
)

// handlePattern is the only shape of handle accepted: "rag_" and 26 base32
// characters (128 random bits). A handle names files, so anything else is
// refused before it reaches the file system.
var handlePattern = regexp.MustCompile(`^rag_[a-z2-7]{26}$`)

var handleEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// newHandle returns a fresh random handle.
func newHandle() string {
	var b [16]byte
	rand.Read(b[:])
	return "rag_" + strings.ToLower(handleEncoding.EncodeToString(b[:]))
}

// ValidHandle reports whether h has the shape of a handle.
func ValidHandle(h string) bool { return handlePattern.MatchString(h) }

// ownerID is what is stored of an owner: its SHA-256, so that the files name
// no client or user.
func ownerID(owner string) string {
	sum := sha256.Sum256([]byte("saa-rag-owner\x00" + owner))
	return hex.EncodeToString(sum[:])
}

// sameOwner compares owner IDs in constant time.
func sameOwner(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
