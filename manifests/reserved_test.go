package manifests

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secure-agent/saa/host/hostscope"
)

// TestReservedNamesAreRefused: a local manifest named after a host scope
// namespace fails to load, whatever scope it declares, so that no plugin can
// mint "plugins:publish", "admin:..." or "agents:...".
func TestReservedNamesAreRefused(t *testing.T) {
	for _, name := range hostscope.Reserved() {
		t.Run(name, func(t *testing.T) {
			doc := validDoc()
			doc["name"] = name
			_, err := Parse(mustJSON(t, doc))
			assertFieldError(t, err, "name", "reserved for the host's own scopes")

			root := t.TempDir()
			writeFile(t, root, "plugins/p.wasm", string(minimalWasm))
			writeFile(t, root, "manifests/p.yaml", manifestYAML(name, "../plugins/p.wasm", sha256Hex(minimalWasm)))
			_, err = LoadDir(filepath.Join(root, "manifests"))
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "reserved") {
				t.Fatalf("LoadDir = %v, want a refusal of the reserved name", err)
			}
		})
	}
	doc := validDoc()
	doc["name"] = "plugins_x"
	if _, err := Parse(mustJSON(t, doc)); err != nil {
		t.Errorf("a name merely starting with a reserved one was refused: %v", err)
	}
}
