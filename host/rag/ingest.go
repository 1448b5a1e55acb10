package rag

import (
	"context"
	"fmt"
	"time"

	chromem "github.com/philippgille/chromem-go"
)

// Envelope is what a caller gets instead of an output that became a
// handle: the handle, the output's shape, and how to query it.
type Envelope struct {
	Handle    string    `json:"handle"`
	ExpiresAt time.Time `json:"expires_at"`
	Bytes     int64     `json:"bytes"`
	Chunks    int       `json:"chunks"`
	Embedder  string    `json:"embedder"`
	Summary   *Shape    `json:"summary"`
	Query     Help      `json:"query"`
}

// Help says how to query a handle, over REST and in-process.
type Help struct {
	Search string `json:"search"`
	Expand string `json:"expand"`
	Note   string `json:"note"`
}

func helpFor(h string, emb Embedder) Help {
	how := "search ranks chunks by vector similarity"
	if _, lexical := emb.(HashEmbedder); lexical {
		how = "search is lexical (shared words and word pieces), not semantic: use words the data itself would contain"
	}
	return Help{
		Search: "GET /v1/rag/" + h + "/search?q=<words>&k=5[&contains=<exact text>]",
		Expand: "GET /v1/rag/" + h + "/chunks/<id>[?neighbours=1]",
		Note:   how + "; contains= keeps only chunks holding that exact, case-sensitive text; each hit's pointer says where in the output it came from",
	}
}

// Ingest chunks data, embeds the chunks and stores them under a new handle
// owned by owner (an opaque principal key: client and subject). source
// names where the data came from ("plugin.action"), for the index only.
func (s *Store) Ingest(ctx context.Context, owner string, data []byte, source string) (*Envelope, error) {
	chunks, err := s.opts.Chunker.Split(data)
	if err != nil {
		return nil, err
	}
	oid := ownerID(owner)
	if err := s.checkQuota(oid, int64(len(data))); err != nil {
		return nil, err
	}
	texts := make([]string, len(chunks))
	for i, c := range chunks {
		texts[i] = c.Text
	}
	vecs, err := s.opts.Embedder.Embed(ctx, texts)
	if err != nil {
		return nil, fmt.Errorf("rag: embed: %w", err)
	}
	now := s.opts.Now()
	m := &meta{Handle: newHandle(), Owner: oid, Created: now.UTC(), Expires: now.Add(s.opts.TTL).UTC(),
		Bytes: int64(len(data)), Chunks: len(chunks), Embedder: s.opts.Embedder.Name(), Dim: len(vecs[0]), Source: source}
	if err := s.create(ctx, m, chunks, vecs); err != nil {
		return nil, err
	}
	return &Envelope{Handle: m.Handle, ExpiresAt: m.Expires, Bytes: m.Bytes, Chunks: m.Chunks,
		Embedder: m.Embedder, Summary: Summarize(data), Query: helpFor(m.Handle, s.opts.Embedder)}, nil
}

// checkQuota refuses an output that would take owner over a quota.
func (s *Store) checkQuota(oid string, size int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, total := 0, size
	now := s.opts.Now()
	for _, m := range s.index {
		if m.Owner == oid && now.Before(m.Expires) {
			n++
			total += m.Bytes
		}
	}
	switch {
	case n >= s.opts.QuotaHandles:
		return fmt.Errorf("%w: %d live handles (limit %d)", ErrQuota, n, s.opts.QuotaHandles)
	case total > s.opts.QuotaBytes:
		return fmt.Errorf("%w: %d bytes in live handles (limit %d)", ErrQuota, total, s.opts.QuotaBytes)
	}
	return nil
}

// create builds the collection, persists it and publishes the handle. The
// quota is checked again at publication, so concurrent ingests cannot
// overshoot it together.
func (s *Store) create(ctx context.Context, m *meta, chunks []Chunk, vecs [][]float32) error {
	docs := make([]chromem.Document, len(chunks))
	for i, c := range chunks {
		if len(vecs[i]) != m.Dim {
			return fmt.Errorf("rag: embed: %w: vectors of different dimensions", ErrEmbedding)
		}
		docs[i] = chromem.Document{ID: docID(i), Metadata: map[string]string{"pointer": c.Pointer}, Embedding: vecs[i], Content: c.Text}
	}
	col, err := s.db.CreateCollection(m.Handle, nil, refuseEmbed)
	if err != nil {
		return fmt.Errorf("rag: create collection: %w", err)
	}
	fail := func(err error) error {
		s.remove(m.Handle)
		return err
	}
	if err := col.AddDocuments(ctx, docs, concurrency()); err != nil {
		return fail(fmt.Errorf("rag: add chunks: %w", err))
	}
	if err := s.persist(ctx, col, m); err != nil {
		return fail(err)
	}
	if err := s.checkQuota(m.Owner, m.Bytes); err != nil {
		return fail(err)
	}
	s.mu.Lock()
	s.index[m.Handle] = m
	s.mu.Unlock()
	return nil
}
