package agents

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/secure-agent/saa/host"
)

// DefaultApprovalTTL is how long a paused call waits for a decision.
const DefaultApprovalTTL = 24 * time.Hour

// Pending is a tool call paused for a human, shown as the model wrote it
// (OpenAI function-call shape) with what the action may do.
type Pending struct {
	CallID      string          `json:"call_id"`
	Agent       string          `json:"agent"`
	Tool        string          `json:"tool"`
	Description string          `json:"description"`
	Arguments   json.RawMessage `json:"arguments"`
	Plugin      string          `json:"plugin"`
	Action      string          `json:"action"`
	Effect      string          `json:"effect"`
	Scopes      []string        `json:"scopes"`
	// Hash binds a decision to this exact call (CallHash).
	Hash      string    `json:"hash"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Decision is a human's answer to a Pending call.
type Decision struct {
	Approve bool   `json:"approve"`
	Reason  string `json:"reason,omitempty"`
	// Hash is the Pending.Hash the human saw; a decision for another call
	// does not match.
	Hash string `json:"hash"`
	// Nonce makes the decision single-use within a run.
	Nonce string `json:"nonce"`
	// By names who decided, for the record.
	By string `json:"by,omitempty"`
}

// Approver delivers decisions on paused calls.
type Approver interface {
	// Await blocks until a decision on p of run runID arrives, or ctx ends.
	Await(ctx context.Context, runID string, p Pending) (Decision, error)
}

// ErrNoPending means there is no paused call with that id in that run.
var ErrNoPending = errors.New("no such pending call")

// CallHash binds an approval to one call: the hex SHA-256 of plugin,
// action, the arguments in canonical JSON, and the principal (client,
// subject, sorted scopes, delegation chain). Approving it approves nothing else.
func CallHash(plugin, action string, canonicalArgs []byte, p host.Principal) string {
	scopes := slices.Clone(p.Scopes)
	slices.Sort(scopes)
	h := sha256.New()
	parts := []string{"saa-approval-v1", plugin, action, string(canonicalArgs), p.ClientID, p.Subject, strings.Join(scopes, " ")}
	if len(p.Actors) > 0 {
		// Only then, so that hashes of undelegated calls stay as they were.
		parts = append(parts, strings.Join(p.Actors, " "))
	}
	for _, part := range parts {
		fmt.Fprintf(h, "%d:%s\n", len(part), part)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// canonicalArgs parses a model's arguments as one JSON object and returns
// it in canonical form (keys sorted, no spaces, numbers as written).
func canonicalArgs(raw string) ([]byte, error) {
	if strings.TrimSpace(raw) == "" {
		raw = "{}"
	}
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("arguments are not valid JSON: %v", err)
	}
	if dec.More() {
		return nil, errors.New("arguments are not valid JSON: trailing data")
	}
	if _, ok := v.(map[string]any); !ok {
		return nil, errors.New("arguments must be a JSON object")
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil { // map keys are sorted by encoding/json
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// MemoryApprover holds paused calls in memory and hands decisions to the
// runs that wait for them. It is safe for concurrent use.
type MemoryApprover struct {
	mu      sync.Mutex
	waiting map[string]*waiter // runID + "/" + callID
}

type waiter struct {
	pending Pending
	ch      chan Decision // buffered: Decide never blocks
	decided bool
}

// NewMemoryApprover returns an empty MemoryApprover.
func NewMemoryApprover() *MemoryApprover { return &MemoryApprover{waiting: map[string]*waiter{}} }

// Expect registers p as waiting before Await is called, so that a decision
// made as soon as the pause is shown finds it.
func (m *MemoryApprover) Expect(runID string, p Pending) {
	m.mu.Lock()
	defer m.mu.Unlock()
	key := runID + "/" + p.CallID
	if _, ok := m.waiting[key]; !ok {
		m.waiting[key] = &waiter{pending: p, ch: make(chan Decision, 1)}
	}
}

// Await implements Approver.
func (m *MemoryApprover) Await(ctx context.Context, runID string, p Pending) (Decision, error) {
	key := runID + "/" + p.CallID
	m.mu.Lock()
	w, ok := m.waiting[key]
	if !ok {
		w = &waiter{pending: p, ch: make(chan Decision, 1)}
		m.waiting[key] = w
	}
	m.mu.Unlock()
	defer func() {
		m.mu.Lock()
		if m.waiting[key] == w {
			delete(m.waiting, key)
		}
		m.mu.Unlock()
	}()
	select {
	case d := <-w.ch:
		return d, nil
	case <-ctx.Done():
		return Decision{}, ctx.Err()
	}
}

// Pending returns the calls of runID waiting for a decision.
func (m *MemoryApprover) Pending(runID string) []Pending {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Pending
	for k, w := range m.waiting {
		if strings.HasPrefix(k, runID+"/") && !w.decided {
			out = append(out, w.pending)
		}
	}
	slices.SortFunc(out, func(a, b Pending) int { return strings.Compare(a.CallID, b.CallID) })
	return out
}

// Decide delivers a decision on call callID of run runID, bound to the
// hash of the call as it waits. It fails with ErrNoPending if no such call
// waits (already decided, or never paused).
func (m *MemoryApprover) Decide(runID, callID string, approve bool, reason, by string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	w, ok := m.waiting[runID+"/"+callID]
	if !ok || w.decided {
		return ErrNoPending
	}
	w.decided = true
	w.ch <- Decision{Approve: approve, Reason: reason, Hash: w.pending.Hash, Nonce: newNonce(), By: by}
	return nil
}

// Forget drops a call registered by Expect that will not be awaited (its
// decision was replayed from a journal).
func (m *MemoryApprover) Forget(runID, callID string) {
	m.mu.Lock()
	delete(m.waiting, runID+"/"+callID)
	m.mu.Unlock()
}
