package pgstore_test

import (
	"testing"

	"github.com/secure-agent/saa/host/registry"
	"github.com/secure-agent/saa/host/registry/registrytest"
)

func TestRegistryStoreConformance(t *testing.T) {
	registrytest.TestStore(t, func(t *testing.T) registry.Store {
		return newRunsDB(t).Registry()
	})
}
