package agents

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/secure-agent/saa/host/agents/agentstore"
)

// DefinitionStore keeps the definitions put through the admin API
// (host/store implements it on bbolt).
type DefinitionStore = agentstore.Store

// Sources of a definition in a Catalog.
const (
	SourceFile   = "file"   // SAA_AGENTS_DIR: the operator's, read-only over the API
	SourceStored = "stored" // put through the admin API
)

// ErrDefinitionNotFound means no agent of that name is defined.
var ErrDefinitionNotFound = agentstore.ErrNotFound

// ErrFileDefined means the agent is defined by a file in the agents folder,
// which wins over the API and cannot be changed through it.
var ErrFileDefined = errors.New("the agent is defined by a file in the agents folder")

// ErrInUse means another agent hands off to, or calls, the agent.
var ErrInUse = errors.New("another agent refers to it")

// Entry is a definition with where it comes from and its document.
type Entry struct {
	Definition *Definition
	Source     string
	// Doc is the stored document (nil for files).
	Doc []byte
}

// Catalog is the agents runs may use: the files of the agents folder and
// the definitions stored through the admin API, files winning on a name
// (like local plugins over published ones). Changes are hot: each run reads
// the set once, when it starts, so a new run sees them and a run in flight
// keeps the definitions it started with.
type Catalog struct {
	files Set
	store DefinitionStore
	log   *slog.Logger

	mu     sync.Mutex // serialises changes
	stored map[string]Entry
	cur    atomic.Pointer[Set]
}

// NewCatalog merges files with the definitions of store (nil: none). A
// stored definition that no longer parses, is shadowed by a file, or
// refers to an agent that is gone is left out and logged, never fatal: the
// files alone must always start.
func NewCatalog(ctx context.Context, files Set, store DefinitionStore, log *slog.Logger) (*Catalog, error) {
	if log == nil {
		log = slog.Default()
	}
	c := &Catalog{files: files, store: store, log: log.With("component", "agents"), stored: map[string]Entry{}}
	if store != nil {
		docs, err := store.List(ctx)
		if err != nil {
			return nil, fmt.Errorf("load stored agents: %w", err)
		}
		for _, sd := range docs {
			c.admit(sd)
		}
	}
	c.dropDangling()
	c.publish()
	return c, nil
}

// admit adds one stored document at load, if it is valid and not shadowed.
func (c *Catalog) admit(sd agentstore.Definition) {
	d, err := Parse(sd.Name, sd.Doc)
	switch {
	case err != nil:
		c.log.Error("stored agent left out", "agent", sd.Name, "err", err)
	case d.Name != sd.Name:
		c.log.Error("stored agent left out", "agent", sd.Name, "err", "its document names "+d.Name)
	case c.files[d.Name] != nil:
		c.log.Warn("stored agent shadowed by a file", "agent", d.Name)
	default:
		c.stored[d.Name] = Entry{Definition: d, Source: SourceStored, Doc: sd.Doc}
	}
}

// dropDangling leaves out stored definitions that refer to missing agents,
// until none does.
func (c *Catalog) dropDangling() {
	for {
		merged := c.merge(c.stored)
		var bad string
		for _, n := range merged.Names() {
			if _, ok := c.stored[n]; ok && merged.missingRef(merged[n]) != "" {
				bad = n
				break
			}
		}
		if bad == "" {
			return
		}
		c.log.Error("stored agent left out", "agent", bad, "err", "it refers to an agent that is not defined")
		delete(c.stored, bad)
	}
}

func (c *Catalog) merge(stored map[string]Entry) Set {
	s := make(Set, len(c.files)+len(stored))
	for n, e := range stored {
		s[n] = e.Definition
	}
	for n, d := range c.files {
		s[n] = d
	}
	return s
}

func (c *Catalog) publish() {
	s := c.merge(c.stored)
	c.cur.Store(&s)
}

// missingRef names the first handoff or agent-as-tool of d not in s.
func (s Set) missingRef(d *Definition) string {
	for _, r := range slices.Concat(d.Handoffs, d.AgentsAsTools) {
		if s[r] == nil {
			return r
		}
	}
	return ""
}

// Set returns the current definitions. The map must not be changed.
func (c *Catalog) Set() Set { return *c.cur.Load() }

// Get returns the definition of name and its source.
func (c *Catalog) Get(name string) (Entry, error) {
	if d := c.files[name]; d != nil {
		return Entry{Definition: d, Source: SourceFile}, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.stored[name]; ok {
		return e, nil
	}
	return Entry{}, ErrDefinitionNotFound
}

// List returns every definition, sorted by name.
func (c *Catalog) List() []Entry {
	set := c.Set()
	out := make([]Entry, 0, len(set))
	for _, n := range set.Names() {
		e, err := c.Get(n)
		if err == nil {
			out = append(out, e)
		}
	}
	return out
}

// Put validates doc (YAML or JSON, manifests/agent.schema.json) as the
// definition of name, stores it and makes it current. It refuses a
// document naming another agent, a name a file defines, and references to
// agents that are not defined. created reports a new agent.
func (c *Catalog) Put(ctx context.Context, name string, doc []byte) (e Entry, created bool, err error) {
	if c.store == nil {
		return Entry{}, false, errors.New("put agent: no definition store")
	}
	d, err := Parse(name, doc)
	if err != nil {
		return Entry{}, false, err
	}
	if d.Name != name {
		return Entry{}, false, &DefinitionError{File: name, Field: "name", Reason: fmt.Sprintf("must be %q, the name in the path", name)}
	}
	if c.files[name] != nil {
		return Entry{}, false, fmt.Errorf("put agent %s: %w", name, ErrFileDefined)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	next := cloneEntries(c.stored)
	_, existed := next[name]
	e = Entry{Definition: d, Source: SourceStored, Doc: slices.Clone(doc)}
	next[name] = e
	if err := c.checkRefs(next, name); err != nil {
		return Entry{}, false, err
	}
	if err := c.store.Put(ctx, name, e.Doc); err != nil {
		return Entry{}, false, fmt.Errorf("put agent %s: %w", name, err)
	}
	c.stored = next
	c.publish()
	return e, !existed, nil
}

// checkRefs refuses a change after which an agent refers to a missing one.
func (c *Catalog) checkRefs(stored map[string]Entry, changed string) error {
	merged := c.merge(stored)
	if d := merged[changed]; d != nil {
		if r := merged.missingRef(d); r != "" {
			field := "handoffs"
			if slices.Contains(d.AgentsAsTools, r) {
				field = "agents_as_tools"
			}
			return &DefinitionError{File: changed, Field: field, Reason: fmt.Sprintf("no agent %q is defined", r)}
		}
	}
	for _, n := range merged.Names() {
		if r := merged.missingRef(merged[n]); r != "" {
			return fmt.Errorf("agent %s: %w: %s hands off to it or calls it", r, ErrInUse, n)
		}
	}
	return nil
}

// Delete removes a stored definition. Runs in flight keep it; a file's
// definition cannot be deleted, nor one another agent refers to.
func (c *Catalog) Delete(ctx context.Context, name string) error {
	if c.files[name] != nil {
		return fmt.Errorf("delete agent %s: %w", name, ErrFileDefined)
	}
	if c.store == nil {
		return ErrDefinitionNotFound
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.stored[name]; !ok {
		return ErrDefinitionNotFound
	}
	next := cloneEntries(c.stored)
	delete(next, name)
	if err := c.checkRefs(next, ""); err != nil {
		return err
	}
	if err := c.store.Delete(ctx, name); err != nil && !errors.Is(err, ErrDefinitionNotFound) {
		return fmt.Errorf("delete agent %s: %w", name, err)
	}
	c.stored = next
	c.publish()
	return nil
}

func cloneEntries(m map[string]Entry) map[string]Entry {
	out := make(map[string]Entry, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
}
