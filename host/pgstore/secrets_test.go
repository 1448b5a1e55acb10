package pgstore_test

import (
	"testing"

	"github.com/secure-agent/saa/host/secrets/secretstest"
)

func TestSecretsBackendConformance(t *testing.T) {
	url, _ := newDatabase(t)
	secretstest.TestBackend(t, Open(t, url).Secrets())
}
