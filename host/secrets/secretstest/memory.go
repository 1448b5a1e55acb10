package secretstest

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/secure-agent/saa/host/secrets"
)

// Memory is an in-memory secrets.Backend for tests. The zero value is ready.
type Memory struct {
	mu sync.Mutex
	m  map[string][]byte
}

var _ secrets.Backend = (*Memory)(nil)

// PutSealed stores a copy of sealed at key.
func (m *Memory) PutSealed(_ context.Context, key string, sealed []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil {
		m.m = map[string][]byte{}
	}
	m.m[key] = slices.Clone(sealed)
	return nil
}

// GetSealed returns a copy of the blob at key.
func (m *Memory) GetSealed(_ context.Context, key string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.m[key]
	if !ok {
		return nil, fmt.Errorf("sealed %s: %w", key, secrets.ErrNotFound)
	}
	return slices.Clone(v), nil
}

// DeleteSealed removes key.
func (m *Memory) DeleteSealed(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.m[key]; !ok {
		return fmt.Errorf("sealed %s: %w", key, secrets.ErrNotFound)
	}
	delete(m.m, key)
	return nil
}

// ListSealed returns every key in byte order.
func (m *Memory) ListSealed(context.Context) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	keys := make([]string, 0, len(m.m))
	for k := range m.m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys, nil
}
