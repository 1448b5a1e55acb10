package rag

import (
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	chromem "github.com/philippgille/chromem-go"
)

// Defaults of Options' zero fields.
const (
	DefaultTTL          = 24 * time.Hour
	DefaultQuotaBytes   = 256 << 20
	DefaultQuotaHandles = 100
	DefaultSweepEvery   = time.Minute
)

// Options configure a Store. Dir and MasterKey are required.
type Options struct {
	// Dir holds one encrypted file per handle (and its small index file).
	Dir string
	// MasterKey is the runtime's 32-byte master key; the collections' key is
	// derived from it (HKDF-SHA256), never the master key itself.
	MasterKey []byte
	// Embedder embeds chunks and queries; HashEmbedder{} if nil.
	Embedder Embedder
	// Chunker splits outputs.
	Chunker Chunker
	// TTL is how long a handle lives; DefaultTTL if zero.
	TTL time.Duration
	// QuotaBytes bounds the sum of an owner's live outputs, QuotaHandles
	// their number; the defaults if zero.
	QuotaBytes   int64
	QuotaHandles int
	// SweepEvery is how often expired handles are deleted; DefaultSweepEvery
	// if zero.
	SweepEvery time.Duration
	// Now is the clock; time.Now if nil.
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	if o.Embedder == nil {
		o.Embedder = HashEmbedder{}
	}
	if o.TTL <= 0 {
		o.TTL = DefaultTTL
	}
	if o.QuotaBytes <= 0 {
		o.QuotaBytes = DefaultQuotaBytes
	}
	if o.QuotaHandles <= 0 {
		o.QuotaHandles = DefaultQuotaHandles
	}
	if o.SweepEvery <= 0 {
		o.SweepEvery = DefaultSweepEvery
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Store keeps handles: one chromem-go collection per output, held in
// memory once used, and persisted as one AES-256-GCM encrypted export per
// handle. It is safe for concurrent use, and several processes may share a
// Dir (a handle written by one is found by the others on first use).
//
// Why per-handle encrypted exports and not chromem.NewPersistentDB: the
// persistent DB writes every document, vector included, in the clear, and
// the vectors of a lexical embedder reveal the words of a chunk. A handle's
// collection never changes after it is made, so it is written once, whole,
// with chromem's export under a derived key; chunk texts stay plain in
// memory, which keeps chromem's $contains filter working.
type Store struct {
	opts Options
	key  string
	db   *chromem.DB

	mu    sync.Mutex
	index map[string]*meta // live handles, by handle
	stop  chan struct{}
	done  chan struct{}
	once  sync.Once
}

// Open opens (creating) the store in opts.Dir, deletes the handles that
// expired while it was closed, and starts sweeping. Close it when done.
func Open(opts Options) (*Store, error) {
	opts = opts.withDefaults()
	if len(opts.MasterKey) != 32 {
		return nil, errors.New("rag: master key must be 32 bytes")
	}
	if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("rag: create dir: %w", err)
	}
	key, err := hkdf.Key(sha256.New, opts.MasterKey, nil, "saa rag collections v1", 32)
	if err != nil {
		return nil, fmt.Errorf("rag: derive key: %w", err)
	}
	s := &Store{opts: opts, key: string(key), db: chromem.NewDB(), index: map[string]*meta{},
		stop: make(chan struct{}), done: make(chan struct{})}
	if err := s.loadIndex(); err != nil {
		return nil, err
	}
	s.Sweep()
	go s.sweepLoop()
	return s, nil
}

// Close stops sweeping. Handles stay on disk until they expire.
func (s *Store) Close() error {
	s.once.Do(func() {
		close(s.stop)
		<-s.done
	})
	return nil
}

// Embedder returns the store's embedder.
func (s *Store) Embedder() Embedder { return s.opts.Embedder }

// TTL returns how long a new handle lives.
func (s *Store) TTL() time.Duration { return s.opts.TTL }

func (s *Store) sweepLoop() {
	defer close(s.done)
	t := time.NewTicker(s.opts.SweepEvery)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.Sweep()
		}
	}
}

// Sweep deletes every expired handle with its collection and files, and
// returns how many it deleted.
func (s *Store) Sweep() int {
	now := s.opts.Now()
	s.mu.Lock()
	var expired []string
	for h, m := range s.index {
		if !now.Before(m.Expires) {
			expired = append(expired, h)
			delete(s.index, h)
		}
	}
	s.mu.Unlock()
	for _, h := range expired {
		s.remove(h)
	}
	return len(expired)
}

// remove deletes a handle's collection and files; the index entry is gone.
func (s *Store) remove(h string) {
	s.db.DeleteCollection(h)
	os.Remove(s.colPath(h))
	os.Remove(s.metaPath(h))
}

// Delete deletes owner's handle h at once.
func (s *Store) Delete(owner, h string) error {
	if _, err := s.lookup(owner, h); err != nil {
		return err
	}
	s.mu.Lock()
	delete(s.index, h)
	s.mu.Unlock()
	s.remove(h)
	return nil
}

func (s *Store) colPath(h string) string  { return filepath.Join(s.opts.Dir, h+".col") }
func (s *Store) metaPath(h string) string { return filepath.Join(s.opts.Dir, h+".json") }

// lookup returns the live meta of h if owner owns it; ErrNotFound otherwise,
// whatever the reason. A handle another process wrote is read from disk.
func (s *Store) lookup(owner, h string) (*meta, error) {
	if !ValidHandle(h) {
		return nil, ErrNotFound
	}
	s.mu.Lock()
	m, ok := s.index[h]
	s.mu.Unlock()
	if !ok {
		var err error
		if m, err = s.readMeta(h); err != nil {
			return nil, ErrNotFound
		}
		s.mu.Lock()
		s.index[h] = m
		s.mu.Unlock()
	}
	if !sameOwner(m.Owner, ownerID(owner)) || !s.opts.Now().Before(m.Expires) {
		return nil, ErrNotFound
	}
	return m, nil
}

// collection returns h's collection, importing it from its file on first
// use and checking the encrypted copy of the owner and expiry against m.
func (s *Store) collection(m *meta) (*chromem.Collection, error) {
	if c := s.db.GetCollection(m.Handle, refuseEmbed); c != nil {
		return c, nil
	}
	if err := s.db.ImportFromFile(s.colPath(m.Handle), s.key, m.Handle); err != nil {
		return nil, fmt.Errorf("rag: read collection: %w", err)
	}
	c := s.db.GetCollection(m.Handle, refuseEmbed)
	if c == nil {
		return nil, errors.New("rag: collection file holds another collection")
	}
	if err := checkBinding(c, m); err != nil {
		s.db.DeleteCollection(m.Handle)
		return nil, err
	}
	return c, nil
}

// refuseEmbed is the embedding function given to chromem: vectors are always
// computed by the Store's Embedder, so chromem must never embed (its default
// would call OpenAI).
func refuseEmbed(context.Context, string) ([]float32, error) {
	return nil, errors.New("rag: chromem must not embed")
}

// docID is the chromem document id of chunk i.
func docID(i int) string { return strconv.Itoa(i) }

// concurrency is how many documents chromem adds at once.
func concurrency() int { return runtime.GOMAXPROCS(0) }

// Dir returns the store's directory.
func (s *Store) Dir() string { return s.opts.Dir }

// Listing is a live handle as its owner's list shows it.
type Listing struct {
	Handle    string    `json:"handle"`
	ExpiresAt time.Time `json:"expires_at"`
	Bytes     int64     `json:"bytes"`
	Chunks    int       `json:"chunks"`
	Source    string    `json:"source,omitempty"`
}

// Handles lists owner's live handles known to this process, newest first,
// at most limit. The list comes from the clear index; reading a handle
// still checks its encrypted binding, so an edited index grants nothing.
func (s *Store) Handles(owner string, limit int) []Listing {
	oid := ownerID(owner)
	now := s.opts.Now()
	var own []*meta
	s.mu.Lock()
	for _, m := range s.index {
		if sameOwner(m.Owner, oid) && now.Before(m.Expires) {
			own = append(own, m)
		}
	}
	s.mu.Unlock()
	slices.SortFunc(own, func(a, b *meta) int {
		if c := b.Created.Compare(a.Created); c != 0 {
			return c
		}
		return strings.Compare(a.Handle, b.Handle)
	})
	out := []Listing{}
	for _, m := range own[:min(len(own), limit)] {
		out = append(out, Listing{Handle: m.Handle, ExpiresAt: m.Expires, Bytes: m.Bytes, Chunks: m.Chunks, Source: m.Source})
	}
	return out
}
