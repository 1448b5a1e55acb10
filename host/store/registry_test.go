package store_test

import (
	"path/filepath"
	"testing"

	"github.com/secure-agent/saa/host/registry"
	"github.com/secure-agent/saa/host/registry/registrytest"
)

func TestRegistryStoreConformance(t *testing.T) {
	registrytest.TestStore(t, func(t *testing.T) registry.Store {
		return openDB(t, filepath.Join(t.TempDir(), "saa.db")).Registry()
	})
}
