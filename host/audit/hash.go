package audit

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"time"
)

// encodingVersion starts every canonical encoding. A change of format that
// could alter the hash of an existing entry needs a new version.
const encodingVersion = "saa-audit-v1\x00"

// Tags of the canonical encoding. They are part of the format: never reuse or
// renumber one; a new field takes the next number.
const (
	tagSeq = iota + 1
	tagTime
	tagKind
	tagClientID
	tagSubject
	tagDelegation
	tagPlugin
	tagAction
	tagInputSHA256
	tagEgress
	tagSecrets
	tagOutcome
	tagError
	tagDurationMS
	tagRunID
	tagDetail
	tagReads
	tagMCPSession
	tagAccounts
)

// ComputeHash returns the hex SHA-256 that e.Hash must equal: over the
// version, e.PrevHash and every other field except Hash itself.
//
// The encoding is a sequence of (tag, length, value) triples with lengths as
// uvarints, in tag order, leaving out zero fields: so it is unambiguous, does
// not depend on JSON or on the backend, and a field added later (zero in old
// entries) leaves old hashes unchanged. Times count nanoseconds since the Unix
// epoch, so the time zone an entry is read back in does not matter.
func (e Entry) ComputeHash() string {
	c := canon{h: sha256.New()}
	c.h.Write([]byte(encodingVersion))
	c.bytes([]byte(e.PrevHash))
	c.uint(tagSeq, e.Seq)
	if !e.Time.IsZero() {
		c.uint(tagTime, uint64(e.Time.UnixNano()))
	}
	c.str(tagKind, e.Kind)
	c.str(tagClientID, e.ClientID)
	c.str(tagSubject, e.Subject)
	c.list(tagDelegation, e.Delegation)
	c.str(tagPlugin, e.Plugin)
	c.str(tagAction, e.Action)
	c.str(tagInputSHA256, e.InputSHA256)
	c.list(tagEgress, e.Egress)
	c.list(tagSecrets, e.Secrets)
	c.str(tagOutcome, e.Outcome)
	c.str(tagError, e.Error)
	c.uint(tagDurationMS, uint64(e.DurationMS))
	c.str(tagRunID, e.RunID)
	c.str(tagDetail, e.Detail)
	c.list(tagReads, e.Reads)
	c.str(tagMCPSession, e.MCPSession)
	c.list(tagAccounts, e.Accounts)
	return hex.EncodeToString(c.h.Sum(nil))
}

// canon writes the canonical encoding into a hash.
type canon struct {
	h   hash.Hash
	buf [binary.MaxVarintLen64]byte
}

func (c *canon) uvarint(v uint64) {
	c.h.Write(c.buf[:binary.PutUvarint(c.buf[:], v)])
}

// bytes writes a length-prefixed value.
func (c *canon) bytes(b []byte) {
	c.uvarint(uint64(len(b)))
	c.h.Write(b)
}

func (c *canon) str(tag uint64, s string) {
	if s == "" {
		return
	}
	c.uvarint(tag)
	c.bytes([]byte(s))
}

func (c *canon) uint(tag, v uint64) {
	if v == 0 {
		return
	}
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], v)
	c.uvarint(tag)
	c.bytes(b[:])
}

// list writes the items as one value: each item length-prefixed.
func (c *canon) list(tag uint64, items []string) {
	if len(items) == 0 {
		return
	}
	n := 0
	for _, s := range items {
		n += uvarintLen(uint64(len(s))) + len(s)
	}
	c.uvarint(tag)
	c.uvarint(uint64(n))
	for _, s := range items {
		c.bytes([]byte(s))
	}
}

func uvarintLen(v uint64) int {
	var b [binary.MaxVarintLen64]byte
	return binary.PutUvarint(b[:], v)
}

// representable reports whether t fits the encoding's nanosecond count
// (years 1678 to 2262).
func representable(t time.Time) bool {
	return time.Unix(0, t.UnixNano()).Equal(t)
}
