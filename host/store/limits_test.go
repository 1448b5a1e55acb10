package store_test

import (
	"path/filepath"
	"testing"

	"github.com/secure-agent/saa/host/httpapi"
	"github.com/secure-agent/saa/host/httpapi/limitstest"
)

func TestClientLimitsConformance(t *testing.T) {
	limitstest.TestDocumentStore(t, func(t *testing.T) httpapi.DocumentStore {
		return openDB(t, filepath.Join(t.TempDir(), "saa.db")).ClientLimits()
	})
}
