package host

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/secure-agent/saa/host/audit"
	"github.com/secure-agent/saa/host/egress"
	"github.com/secure-agent/saa/host/rag"
	"github.com/secure-agent/saa/host/secrets"
	"github.com/secure-agent/saa/manifests"
	"github.com/secure-agent/saa/pdk/wire"
)

// RAGConfig configures how large outputs become handles (see Invoke).
type RAGConfig struct {
	// TTL is how long a handle lives; 24 h if zero (SAA_RAG_TTL).
	TTL time.Duration
	// QuotaBytes and QuotaHandles bound one principal's live handles; 256 MiB
	// and 100 if zero.
	QuotaBytes   int64
	QuotaHandles int
	// Embeddings, if set, embeds with an OpenAI-compatible /embeddings
	// endpoint through the egress guard; nil uses the offline lexical
	// embedder.
	Embeddings *EmbeddingsConfig
}

// EmbeddingsConfig names an OpenAI-compatible embeddings endpoint.
type EmbeddingsConfig struct {
	// BaseURL is the API root, such as https://api.openai.com/v1
	// (SAA_RAG_EMBEDDINGS_URL). It is the only place the embedder may reach.
	BaseURL string
	// Model is sent as "model" (SAA_RAG_EMBEDDINGS_MODEL).
	Model string
	// APIKey, if set, is put in the secret store (plugin namespace "rag",
	// name embeddings_key) and injected at egress as a bearer token
	// (SAA_RAG_EMBEDDINGS_KEY); it is never held by the embedder.
	APIKey string
}

// Errors of handles.
var (
	// ErrHandleNotFound means no handle of that name belongs to the caller
	// (never existed, expired, or another principal's).
	ErrHandleNotFound = rag.ErrNotFound
	// ErrNoChunk means the handle has no chunk with that id.
	ErrNoChunk = rag.ErrNoChunk
	// ErrInvalidQuery means a search or expansion cannot be answered as asked.
	ErrInvalidQuery = rag.ErrInvalidQuery
	// ErrRAGQuota means the caller's live handles would exceed their quota.
	ErrRAGQuota = rag.ErrQuota
	// ErrEmbedderMismatch means the handle was embedded by another embedder.
	ErrEmbedderMismatch = rag.ErrEmbedderMismatch
	// ErrRAGFailed means an output could not be made a handle (it cannot be
	// chunked, or embedding failed); the output is withheld.
	ErrRAGFailed = errors.New("cannot make the output a handle")
)

// The secret that holds the embeddings API key, in the host's reserved
// "rag" namespace of the secret store.
const (
	ragNamespace    = "rag"
	embeddingsKeyID = "embeddings_key"
)

// ragFromEnv applies SAA_RAG_* to c.
func (c Config) ragFromEnv(getenv func(string) string) (Config, error) {
	if v := getenv("SAA_RAG_TTL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return c, fmt.Errorf("SAA_RAG_TTL: %q is not a positive duration", v)
		}
		c.RAG.TTL = d
	}
	if u := getenv("SAA_RAG_EMBEDDINGS_URL"); u != "" {
		c.RAG.Embeddings = &EmbeddingsConfig{BaseURL: u, Model: getenv("SAA_RAG_EMBEDDINGS_MODEL"), APIKey: getenv("SAA_RAG_EMBEDDINGS_KEY")}
		if c.RAG.Embeddings.Model == "" {
			return c, errors.New("SAA_RAG_EMBEDDINGS_MODEL: required with SAA_RAG_EMBEDDINGS_URL")
		}
	}
	return c, nil
}

// openRAG opens the handle store under the data dir, with the master key.
func (rt *Runtime) openRAG(ctx context.Context) error {
	getenv := rt.cfg.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	key, err := secrets.LoadMasterKey(rt.cfg.DataDir, getenv, rt.cfg.Production)
	if err != nil {
		return err
	}
	emb, err := rt.embedder(ctx)
	if err != nil {
		return err
	}
	rt.rag, err = rag.Open(rag.Options{
		Dir: filepath.Join(rt.cfg.DataDir, "rag"), MasterKey: key, Embedder: emb,
		TTL: rt.cfg.RAG.TTL, QuotaBytes: rt.cfg.RAG.QuotaBytes, QuotaHandles: rt.cfg.RAG.QuotaHandles,
	})
	return err
}

// embedder returns the configured embedder. A remote one sends every request
// through the egress guard under a policy allowing its base URL only, with
// the key injected there from the secret store.
func (rt *Runtime) embedder(ctx context.Context) (rag.Embedder, error) {
	ec := rt.cfg.RAG.Embeddings
	if ec == nil {
		return rag.HashEmbedder{}, nil
	}
	rule, err := manifests.ParseEgressRule(ec.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("embeddings URL: %w", err)
	}
	pol := &egress.Policy{Plugin: ragNamespace, Rules: []egress.Rule{rule}}
	e := rag.RemoteEmbedder{BaseURL: ec.BaseURL, Model: ec.Model}
	if ec.APIKey != "" {
		if err := rt.secrets.Put(ctx, ragNamespace, embeddingsKeyID, ec.APIKey); err != nil {
			return nil, err
		}
		pol.Secrets = []egress.SecretBinding{{Name: embeddingsKeyID, Header: "Authorization", Format: "Bearer {{value}}", Hosts: []egress.Rule{rule}}}
		e.Authorization = "{{secret:" + embeddingsKeyID + "}}"
	}
	e.Do = func(ctx context.Context, req wire.HTTPRequest) (wire.HTTPResponse, error) {
		return rt.guard.Session(pol, rt.secrets).Do(ctx, req)
	}
	return e, nil
}

type returnHandleKey struct{}

// WithReturnHandle returns a context whose invocation answers with a handle
// whatever the output's size (HTTP: Prefer: return=handle).
func WithReturnHandle(ctx context.Context) context.Context {
	return context.WithValue(ctx, returnHandleKey{}, int64(0))
}

// WithHandleOver returns a context whose invocation answers with a handle
// when the output is over n bytes, and with the output itself otherwise
// (HTTP: Prefer: return=handle; over=n). An agent loop uses it so that an
// output too large for the model's context is never cut, and the action
// never has to run a second time to get it as a handle.
func WithHandleOver(ctx context.Context, n int64) context.Context {
	return context.WithValue(ctx, returnHandleKey{}, max(n, 0))
}

// HandleOver reports whether ctx asks for a handle, and over what output
// size: 0 for any output (WithReturnHandle).
func HandleOver(ctx context.Context) (int64, bool) {
	v, ok := ctx.Value(returnHandleKey{}).(int64)
	return v, ok
}

// toHandle replaces a validated output with a handle's envelope when the
// caller asked for one or the action's threshold is exceeded.
func (rt *Runtime) toHandle(ctx context.Context, p Principal, plugin string, act manifests.Action, out []byte) ([]byte, error) {
	over := act.RAG != nil && int64(len(out)) > act.RAG.Threshold
	if n, ok := HandleOver(ctx); ok && int64(len(out)) > n {
		over = true
	}
	if !over {
		return out, nil
	}
	env, err := rt.ingest(ctx, p, out, plugin, act.Name)
	if err != nil {
		return nil, err
	}
	return json.Marshal(env)
}

// ingest stores data as a handle of p and records it in the audit log.
func (rt *Runtime) ingest(ctx context.Context, p Principal, data []byte, plugin, action string) (*rag.Envelope, error) {
	source := plugin + "." + action
	if plugin == "" {
		source = action
	}
	env, err := rt.rag.Ingest(ctx, p.key(), data, source)
	switch {
	case errors.Is(err, rag.ErrQuota):
		return nil, err
	case err != nil:
		return nil, fmt.Errorf("%w: %v", ErrRAGFailed, err)
	}
	rt.audit.add(audit.Entry{
		Time: time.Now(), Kind: audit.KindRAG, ClientID: p.ClientID, Subject: p.Subject, Delegation: p.Actors,
		Plugin: plugin, Action: "handle.create", Outcome: audit.OutcomeOK, RunID: RunID(ctx),
		Detail: fmt.Sprintf("handle=%s source=%s chunks=%d bytes=%d expires=%s", env.Handle, source, env.Chunks, env.Bytes, env.ExpiresAt.Format(time.RFC3339)),
	})
	return env, nil
}

// Ingest stores data (JSON or text) as a handle owned by p, as if an action
// had returned it with Prefer: return=handle; source names it in the audit
// log ("file" for the CLI).
func (rt *Runtime) Ingest(ctx context.Context, p Principal, data []byte, source string) (*rag.Envelope, error) {
	return rt.ingest(ctx, p, data, "", source)
}

// Search searches p's handle; anyone else's handle is ErrHandleNotFound.
func (rt *Runtime) Search(ctx context.Context, p Principal, handle string, o rag.SearchOptions) ([]rag.Hit, error) {
	return rt.rag.Search(ctx, p.key(), handle, o)
}

// Chunks expands chunk id of p's handle with up to neighbours chunks on each
// side.
func (rt *Runtime) Chunks(ctx context.Context, p Principal, handle string, id, neighbours int) ([]rag.Chunk, error) {
	return rt.rag.Chunks(ctx, p.key(), handle, id, neighbours)
}

// Handles lists p's live handles, newest first, at most limit.
func (rt *Runtime) Handles(p Principal, limit int) []rag.Listing {
	return rt.rag.Handles(p.key(), limit)
}

// SweepHandles deletes expired handles now (they are also swept every
// minute) and returns how many.
func (rt *Runtime) SweepHandles() int { return rt.rag.Sweep() }

// CallRAGTool serves an agent's call of rag.ToolSearch or rag.ToolExpand
// (rag.Tools has their definitions) for p, with arguments as the model
// wrote them, and returns the result as JSON. An agent loop offers these
// tools once rag.HandleOf says a tool's output became a handle.
func (rt *Runtime) CallRAGTool(ctx context.Context, p Principal, name string, args []byte) ([]byte, error) {
	c, err := rag.ParseToolCall(name, args)
	if err != nil {
		return nil, err
	}
	if c.Search != nil {
		hits, err := rt.Search(ctx, p, c.Handle, *c.Search)
		if err != nil {
			return nil, err
		}
		return json.Marshal(map[string]any{"handle": c.Handle, "hits": hits})
	}
	chunks, err := rt.Chunks(ctx, p, c.Handle, c.ID, c.Neighbours)
	if err != nil {
		return nil, err
	}
	return json.Marshal(map[string]any{"handle": c.Handle, "chunks": chunks})
}
