package agents

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/llm"
	"github.com/secure-agent/saa/host/rag"
)

// replayJournal plays back recorded steps like a durable engine replaying a
// run after a crash, and records new ones.
type replayJournal struct {
	mu  sync.Mutex
	rec map[string][]byte
}

func (j *replayJournal) Step(ctx context.Context, name string, fn func(context.Context) ([]byte, error)) ([]byte, error) {
	j.mu.Lock()
	b, ok := j.rec[name]
	j.mu.Unlock()
	if ok {
		return b, nil
	}
	b, err := fn(ctx)
	if err == nil {
		j.mu.Lock()
		j.rec[name] = b
		j.mu.Unlock()
	}
	return b, err
}

// countingInvoker counts calls.
type countingInvoker struct {
	catalogInvoker
	mu    sync.Mutex
	calls int
}

func (c *countingInvoker) Invoke(context.Context, host.Principal, string, string, []byte) ([]byte, error) {
	c.mu.Lock()
	c.calls++
	c.mu.Unlock()
	return []byte(`{"ok":true}`), nil
}

func TestInvokeStepAfterACrash(t *testing.T) {
	write := host.ActionInfo{Plugin: "github", Name: "create_issue", Effect: "write"}
	read := host.ActionInfo{Plugin: "tickets", Name: "analyze", Effect: "read"}
	for _, c := range []struct {
		name        string
		action      host.ActionInfo
		recorded    map[string][]byte
		wantCalls   int
		interrupted bool
	}{
		{"first run of a write", write, map[string][]byte{}, 1, false},
		{"write begun, not recorded: interrupted, not repeated", write, map[string][]byte{"tool:1:intent": []byte("an earlier process")}, 0, true},
		{"write recorded: its result is replayed", write, map[string][]byte{"tool:1:intent": []byte("x"), "tool:1": []byte(`{"output":{"ok":"old"}}`)}, 0, false},
		{"read begun, not recorded: run again", read, map[string][]byte{}, 1, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			inv := &countingInvoker{}
			ru := &run{r: &Runner{Invoker: inv}, journal: &replayJournal{rec: c.recorded}, budget: &budget{calls: 1}}
			res := ru.invokeStep(context.Background(), host.Principal{}, c.action, []byte(`{}`))
			if inv.calls != c.wantCalls || res.Interrupted != c.interrupted {
				t.Fatalf("calls = %d, result = %+v; want %d calls, interrupted %v", inv.calls, res, c.wantCalls, c.interrupted)
			}
			if c.name == "write recorded: its result is replayed" && !strings.Contains(string(res.Output), "old") {
				t.Fatalf("output = %s, want the recorded one", res.Output)
			}
		})
	}
}

// ragInvoker answers searches of one handle and counts them.
type ragInvoker struct {
	countingInvoker
	searches int
}

func (r *ragInvoker) Search(_ context.Context, _ host.Principal, h string, _ rag.SearchOptions) ([]rag.Hit, error) {
	r.searches++
	if h != testHandle {
		return nil, host.ErrHandleNotFound
	}
	return []rag.Hit{{ID: 3, Text: "fresh"}}, nil
}

var testHandle = "rag_" + strings.Repeat("b", 26)

func TestRAGStepIsJournaled(t *testing.T) {
	d := &Definition{Name: "a"}
	call := llm.ToolCall{ID: "c", Name: rag.ToolSearch, Arguments: `{"handle":"` + testHandle + `","query":"x"}`}
	for _, c := range []struct {
		name         string
		recorded     map[string][]byte
		wantSearches int
		want         string
	}{
		{"first run searches", map[string][]byte{}, 1, "fresh"},
		{"a recorded search is replayed, not run", map[string][]byte{"rag:1": []byte(`{"output":{"hits":[{"text":"recorded"}]}}`)}, 0, "recorded"},
		{"a search begun but not recorded runs again: it only reads", map[string][]byte{"tool:1": []byte(`{}`)}, 1, "fresh"},
	} {
		t.Run(c.name, func(t *testing.T) {
			inv := &ragInvoker{}
			ru := &run{r: &Runner{Invoker: inv}, journal: &replayJournal{rec: c.recorded}, handles: map[string]bool{testHandle: true},
				budget: newBudget(Limits{MaxToolCalls: 5, Timeout: time.Minute})}
			out, err := ru.callRAG(context.Background(), d, host.Principal{}, call)
			if err != nil || inv.searches != c.wantSearches || !strings.Contains(out, c.want) {
				t.Fatalf("out = %q, err = %v, searches = %d; want %d and %q", out, err, inv.searches, c.wantSearches, c.want)
			}
		})
	}
}
