package rag

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	chromem "github.com/philippgille/chromem-go"
)

// meta is what the store knows of a handle without decrypting it. It is
// written twice: in the clear beside the collection (for quotas and expiry
// at start, naming no one: the owner is a hash), and inside the encrypted
// collection as the document bindingDoc, which is checked on load so that
// editing the clear copy grants nothing.
type meta struct {
	Handle   string    `json:"handle"`
	Owner    string    `json:"owner"`
	Created  time.Time `json:"created"`
	Expires  time.Time `json:"expires"`
	Bytes    int64     `json:"bytes"`
	Chunks   int       `json:"chunks"`
	Embedder string    `json:"embedder"`
	Dim      int       `json:"dim"`
	Source   string    `json:"source,omitempty"`
}

// bindingDoc is the id of the document that carries meta inside the
// exported collection; it is removed from the collection once checked.
const bindingDoc = "binding"

// loadIndex reads every handle's clear meta.
func (s *Store) loadIndex() error {
	entries, err := os.ReadDir(s.opts.Dir)
	if err != nil {
		return fmt.Errorf("rag: read dir: %w", err)
	}
	for _, e := range entries {
		h, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || !ValidHandle(h) {
			continue
		}
		m, err := s.readMeta(h)
		if err != nil {
			return err
		}
		s.index[h] = m
	}
	return nil
}

func (s *Store) readMeta(h string) (*meta, error) {
	b, err := os.ReadFile(s.metaPath(h))
	if err != nil {
		return nil, fmt.Errorf("rag: read index of %s: %w", h, err)
	}
	var m meta
	if err := json.Unmarshal(b, &m); err != nil || m.Handle != h {
		return nil, fmt.Errorf("rag: index of %s is corrupt", h)
	}
	return &m, nil
}

// writeFile writes data to path atomically (temporary file, then rename).
func writeFile(path string, write func(tmp string) error) error {
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	if err := write(tmp); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// persist exports c (with its binding document) encrypted, then writes the
// clear meta; the binding document is removed from the live collection.
func (s *Store) persist(ctx context.Context, c *chromem.Collection, m *meta) error {
	mj, _ := json.Marshal(m)
	if err := c.AddDocument(ctx, chromem.Document{ID: bindingDoc, Content: string(mj), Embedding: unitAxis(m.Dim)}); err != nil {
		return fmt.Errorf("rag: bind collection: %w", err)
	}
	err := writeFile(s.colPath(m.Handle), func(tmp string) error {
		return s.db.ExportToFile(tmp, false, s.key, m.Handle)
	})
	c.Delete(ctx, nil, nil, bindingDoc)
	if err != nil {
		return fmt.Errorf("rag: write collection: %w", err)
	}
	return writeFile(s.metaPath(m.Handle), func(tmp string) error {
		return os.WriteFile(tmp, mj, 0o600)
	})
}

// checkBinding compares the encrypted copy of meta with m, then removes it
// from the collection so that it never comes back from a search.
func checkBinding(c *chromem.Collection, m *meta) error {
	ctx := context.Background()
	doc, err := c.GetByID(ctx, bindingDoc)
	if err != nil {
		return errors.New("rag: collection file has no binding")
	}
	var bound meta
	if err := json.Unmarshal([]byte(doc.Content), &bound); err != nil ||
		bound.Handle != m.Handle || bound.Owner != m.Owner || !bound.Expires.Equal(m.Expires) ||
		bound.Embedder != m.Embedder || bound.Dim != m.Dim {
		return errors.New("rag: collection file does not match its index")
	}
	return c.Delete(ctx, nil, nil, bindingDoc)
}

// unitAxis is a valid unit vector for the binding document.
func unitAxis(dim int) []float32 {
	v := make([]float32, max(dim, 1))
	v[0] = 1
	return v
}
