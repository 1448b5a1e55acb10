package pgstore_test

import (
	"testing"

	"github.com/secure-agent/saa/host/httpapi"
	"github.com/secure-agent/saa/host/httpapi/limitstest"
)

func TestClientLimitsConformance(t *testing.T) {
	limitstest.TestDocumentStore(t, func(t *testing.T) httpapi.DocumentStore {
		return newRunsDB(t).ClientLimits()
	})
}
