package secretstest

import "testing"

func TestMemory(t *testing.T) { TestBackend(t, &Memory{}) }
