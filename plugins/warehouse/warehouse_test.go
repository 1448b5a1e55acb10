package main

import (
	"context"
	"slices"
	"testing"

	"github.com/secure-agent/saa/pdk/pdktest"
)

// TestImportsOnlyTheWarehouseFunction checks the plugin asks its host for
// the warehouse function and nothing else of SAA's: no outbound HTTP. Its
// behaviour through the real host and guard is tested in host
// (TestWarehousePluginQueriesThroughTheGuard).
func TestImportsOnlyTheWarehouseFunction(t *testing.T) {
	ctx := context.Background()
	w, err := pdktest.Build(ctx, ".")
	if err != nil {
		t.Fatal(err)
	}
	imports, err := pdktest.Imports(ctx, w)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(imports, "extism:host/user.saa_warehouse") || slices.Contains(imports, "extism:host/user.saa_http_request") {
		t.Fatalf("imports %v", imports)
	}
}
