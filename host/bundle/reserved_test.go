package bundle_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/secure-agent/saa/host/bundle"
)

// TestReservedPluginNamesAreRefused: a bundle for a plugin called "plugins"
// declaring scope "publish" would mint "plugins:publish"; it is refused as a
// bad manifest, like every name in hostscope.Reserved.
func TestReservedPluginNamesAreRefused(t *testing.T) {
	wasm := fakeWasm(64)
	for _, name := range []string{"plugins", "admin", "agents", "runs", "mcp"} {
		t.Run(name, func(t *testing.T) {
			m := strings.Replace(string(manifestFor(wasm)), "name: demo", "name: "+name, 1)
			m = strings.Replace(m, "scopes: [call]", "scopes: [publish]", 1)
			_, err := bundle.Parse(archive(t, file(bundle.ManifestYAML, []byte(m)), file(bundle.WasmEntry, wasm)), bundle.Limits{})
			if !errors.Is(err, bundle.ErrBadManifest) || !strings.Contains(err.Error(), "reserved") {
				t.Fatalf("Parse = %v, want ErrBadManifest saying reserved", err)
			}
		})
	}
}
