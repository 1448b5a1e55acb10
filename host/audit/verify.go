package audit

import "fmt"

// Head is the last entry a store recorded appending.
type Head struct {
	Seq  uint64
	Hash string
}

// Verifier checks a chain one stored entry at a time, in the order of the
// store's keys, so that every backend verifies by the same rules. The zero
// value is ready to use.
type Verifier struct {
	rep    Report
	broken bool
}

// Add checks the entry stored under key keySeq. decodeErr is the error of
// decoding the stored bytes, if any (e is then ignored). Add returns false
// once the chain is broken; later calls change nothing.
func (v *Verifier) Add(keySeq uint64, e Entry, decodeErr error) bool {
	if v.broken {
		return false
	}
	want := v.rep.LastSeq + 1
	switch {
	case keySeq != want:
		v.fail(want, fmt.Sprintf("entry %d is missing (the next stored is %d)", want, keySeq))
	case decodeErr != nil:
		v.fail(keySeq, "entry cannot be decoded")
	case e.Seq != keySeq:
		v.fail(keySeq, fmt.Sprintf("entry stored as %d says it is %d", keySeq, e.Seq))
	case e.PrevHash != v.rep.LastHash:
		v.fail(keySeq, "prev_hash does not match the entry before")
	case e.ComputeHash() != e.Hash:
		v.fail(keySeq, "hash does not match the entry's contents")
	default:
		v.rep.Entries++
		v.rep.LastSeq, v.rep.LastHash = keySeq, e.Hash
		return true
	}
	return false
}

// Finish compares the end of the chain with the head the store recorded
// and returns the report.
func (v *Verifier) Finish(recorded Head) Report {
	if !v.broken {
		last := v.rep.LastSeq
		switch {
		case recorded.Seq > last:
			v.fail(last+1, fmt.Sprintf("entries %d to %d are missing from the end", last+1, recorded.Seq))
		case recorded.Seq < last:
			v.fail(recorded.Seq+1, fmt.Sprintf("entries after the recorded head %d", recorded.Seq))
		case recorded.Hash != v.rep.LastHash:
			v.fail(last, "last entry does not match the recorded head")
		}
	}
	v.rep.OK = !v.broken
	return v.rep
}

// Corrupt marks the chain broken after the last entry that verified, for
// damage that Add cannot express, such as a key that is not a Seq.
func (v *Verifier) Corrupt(reason string) {
	if !v.broken {
		v.fail(v.rep.LastSeq+1, reason)
	}
}

func (v *Verifier) fail(seq uint64, reason string) {
	v.broken = true
	v.rep.BrokenSeq, v.rep.Reason = seq, reason
}
