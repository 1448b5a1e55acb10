package rag

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Bounds of a search.
const (
	MaxQueryBytes    = 2048
	MaxContainsBytes = 256
	MaxK             = 50
	DefaultK         = 5
	MaxNeighbours    = 5
)

// SearchOptions are one search of a handle.
type SearchOptions struct {
	// Query is ranked against the chunks by vector similarity.
	Query string
	// K is how many chunks to return: DefaultK if zero, at most MaxK, and
	// never more than the collection holds.
	K int
	// Contains keeps only the chunks holding this exact text
	// (case-sensitive). With an empty Query it is also what is ranked.
	Contains string
}

// Hit is one chunk a search found.
type Hit struct {
	ID      int     `json:"id"`
	Pointer string  `json:"pointer"`
	Score   float32 `json:"score"`
	Text    string  `json:"text"`
}

// Search returns the chunks of owner's handle h closest to the query, best
// first.
func (s *Store) Search(ctx context.Context, owner, h string, o SearchOptions) ([]Hit, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	m, err := s.lookup(owner, h)
	if err != nil {
		return nil, err
	}
	if m.Embedder != s.opts.Embedder.Name() {
		return nil, fmt.Errorf("%w: %s, now %s", ErrEmbedderMismatch, m.Embedder, s.opts.Embedder.Name())
	}
	c, err := s.collection(m)
	if err != nil {
		return nil, err
	}
	q := o.Query
	if strings.TrimSpace(q) == "" {
		q = o.Contains
	}
	vecs, err := s.opts.Embedder.Embed(ctx, []string{q})
	if err != nil {
		return nil, fmt.Errorf("rag: embed query: %w", err)
	}
	if len(vecs[0]) != m.Dim {
		return nil, fmt.Errorf("%w: dimension %d, collection %d", ErrEmbedderMismatch, len(vecs[0]), m.Dim)
	}
	k := o.K
	if k <= 0 {
		k = DefaultK
	}
	// chromem refuses a k above the collection's size.
	k = min(k, MaxK, c.Count())
	var where map[string]string
	if o.Contains != "" {
		where = map[string]string{"$contains": o.Contains}
	}
	res, err := c.QueryEmbedding(ctx, vecs[0], k, nil, where)
	if err != nil {
		return nil, fmt.Errorf("rag: search: %w", err)
	}
	hits := make([]Hit, len(res))
	for i, r := range res {
		id, _ := strconv.Atoi(r.ID)
		hits[i] = Hit{ID: id, Pointer: r.Metadata["pointer"], Score: r.Similarity, Text: r.Content}
	}
	return hits, nil
}

func (o SearchOptions) check() error {
	switch {
	case strings.TrimSpace(o.Query) == "" && o.Contains == "":
		return fmt.Errorf("%w: give a query or a text the chunks must contain", ErrInvalidQuery)
	case len(o.Query) > MaxQueryBytes:
		return fmt.Errorf("%w: the query is %d bytes, the limit %d", ErrInvalidQuery, len(o.Query), MaxQueryBytes)
	case len(o.Contains) > MaxContainsBytes:
		return fmt.Errorf("%w: contains is %d bytes, the limit %d", ErrInvalidQuery, len(o.Contains), MaxContainsBytes)
	case !utf8.ValidString(o.Query) || !utf8.ValidString(o.Contains):
		return fmt.Errorf("%w: not valid UTF-8", ErrInvalidQuery)
	case o.K < 0:
		return fmt.Errorf("%w: k must be positive", ErrInvalidQuery)
	}
	return nil
}

// Chunks returns chunk id of owner's handle h and up to neighbours chunks on
// each side of it, in order.
func (s *Store) Chunks(ctx context.Context, owner, h string, id, neighbours int) ([]Chunk, error) {
	if neighbours < 0 || neighbours > MaxNeighbours {
		return nil, fmt.Errorf("%w: neighbours must be 0 to %d", ErrInvalidQuery, MaxNeighbours)
	}
	m, err := s.lookup(owner, h)
	if err != nil {
		return nil, err
	}
	if id < 0 || id >= m.Chunks {
		return nil, fmt.Errorf("%w: %d (the handle has chunks 0 to %d)", ErrNoChunk, id, m.Chunks-1)
	}
	c, err := s.collection(m)
	if err != nil {
		return nil, err
	}
	var out []Chunk
	for i := max(0, id-neighbours); i <= min(m.Chunks-1, id+neighbours); i++ {
		doc, err := c.GetByID(ctx, docID(i))
		if err != nil {
			return nil, fmt.Errorf("rag: read chunk %d: %w", i, err)
		}
		out = append(out, Chunk{ID: i, Pointer: doc.Metadata["pointer"], Text: doc.Content})
	}
	return out, nil
}
