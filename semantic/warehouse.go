package semantic

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/secure-agent/saa/pdk/wire"
)

// Querier runs one read-only query under a Policy: *Guard on SQLite,
// *PGGuard on PostgreSQL.
type Querier interface {
	Query(ctx context.Context, p Policy, query string, args ...any) (*Result, error)
}

// Warehouse serves plugins' saa_warehouse requests on one database through
// a guard, under what the calling principal's scopes unlock of Layer. The
// host binds it to a name manifests declare; host.Warehouse is its
// interface.
type Warehouse struct {
	Layer *Layer
	Guard Querier
}

// Serve answers one request as a principal holding scopes.
func (w *Warehouse) Serve(ctx context.Context, scopes []string, req wire.WarehouseRequest) wire.WarehouseResponse {
	a := WithScopes(scopes)
	var v any
	var reads []string
	switch req.Op {
	case wire.WarehouseQuery:
		res, err := w.Guard.Query(ctx, w.Layer.Policy(a), req.SQL, req.Args...)
		if err != nil {
			return wire.WarehouseResponse{Error: err.Error()}
		}
		for _, r := range res.ReadSet {
			reads = append(reads, r.Table+"."+r.Column)
		}
		v = res
	case wire.WarehouseDescribe:
		v = map[string]any{"datasets": a.Visible(w.Layer)}
	case wire.WarehouseContext:
		if req.Question == "" {
			return wire.WarehouseResponse{Error: "context needs a question"}
		}
		v = w.Layer.Context(req.Question, a, req.Budget)
	default:
		return wire.WarehouseResponse{Error: fmt.Sprintf("unknown operation %q", req.Op)}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return wire.WarehouseResponse{Error: "encode result"}
	}
	return wire.WarehouseResponse{Result: b, ReadSet: reads}
}
