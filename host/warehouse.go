package host

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/secure-agent/saa/host/wasm"
	"github.com/secure-agent/saa/manifests"
	"github.com/secure-agent/saa/pdk/wire"
)

// Warehouse answers the warehouse requests of plugins for one bound name,
// as the principal whose scopes it is given may see it. semantic.Warehouse
// implements it over the SQL guard.
type Warehouse interface {
	Serve(ctx context.Context, scopes []string, req wire.WarehouseRequest) wire.WarehouseResponse
}

// readLog collects the "warehouse:table.column" reads of one invocation,
// for its audit entry.
type readLog struct {
	mu    sync.Mutex
	reads []string
}

func (l *readLog) add(warehouse string, reads []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, r := range reads {
		if r = warehouse + ":" + r; !slices.Contains(l.reads, r) {
			l.reads = append(l.reads, r)
		}
	}
}

func (l *readLog) list() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Sorted(slices.Values(l.reads))
}

// withWarehouses lets the call read the warehouses m declares and the
// operator bound, as p, recording what it reads in log.
func (rt *Runtime) withWarehouses(ctx context.Context, m *manifests.Manifest, p Principal, log *readLog) context.Context {
	return wasm.WithWarehouse(ctx, func(ctx context.Context, req wire.WarehouseRequest) wire.WarehouseResponse {
		if !m.DeclaresWarehouse(req.Warehouse) {
			return wire.WarehouseResponse{Error: fmt.Sprintf("warehouse %q is not declared in the manifest", req.Warehouse)}
		}
		w, ok := rt.cfg.Warehouses[req.Warehouse]
		if !ok {
			return wire.WarehouseResponse{Error: fmt.Sprintf("warehouse %q is not bound by the operator", req.Warehouse)}
		}
		resp := w.Serve(ctx, slices.Clone(p.Scopes), req)
		log.add(req.Warehouse, resp.ReadSet)
		return resp
	})
}
