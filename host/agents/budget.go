package agents

import (
	"fmt"
	"sync"
	"time"

	"github.com/secure-agent/saa/host/llm"
)

// budget counts what a run has spent against its definition's limits.
// Time spent waiting for a human does not count. It is safe for concurrent
// use (a workflow's parallel steps share it).
type budget struct {
	mu           sync.Mutex
	lim          Limits
	turns, calls int
	tokens       int
	spent        time.Duration
	since        time.Time // start of the current active stretch; zero while paused
}

func newBudget(l Limits) *budget { return &budget{lim: l, since: time.Now()} }

// counts returns the model and tool calls counted so far.
func (b *budget) counts() (turns, calls int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.turns, b.calls
}

func (b *budget) elapsed() time.Duration {
	if b.since.IsZero() {
		return b.spent
	}
	return b.spent + time.Since(b.since)
}

// remaining is the time left, at least a millisecond for a clear error.
func (b *budget) remaining() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	return max(b.lim.Timeout-b.elapsed(), time.Millisecond)
}

// pause stops the clock while a human decides; resume restarts it. With
// calls paused side by side, the clock runs again from the first resume.
func (b *budget) pause() {
	b.mu.Lock()
	b.spent, b.since = b.elapsed(), time.Time{}
	b.mu.Unlock()
}

func (b *budget) resume() {
	b.mu.Lock()
	if b.since.IsZero() {
		b.since = time.Now()
	}
	b.mu.Unlock()
}

func (b *budget) checkTime() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.timeLeft()
}

// timeLeft is checkTime with b.mu held.
func (b *budget) timeLeft() error {
	if b.elapsed() >= b.lim.Timeout {
		return &runErr{KindBudget, fmt.Sprintf("the time budget of %s is spent", b.lim.Timeout)}
	}
	return nil
}

// turn counts a model call.
func (b *budget) turn() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.turns >= b.lim.MaxTurns {
		return &runErr{KindBudget, fmt.Sprintf("the budget of %d turns is spent", b.lim.MaxTurns)}
	}
	if err := b.timeLeft(); err != nil {
		return err
	}
	b.turns++
	return nil
}

// toolCall counts a tool call.
func (b *budget) toolCall() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.calls >= b.lim.MaxToolCalls {
		return &runErr{KindBudget, fmt.Sprintf("the budget of %d tool calls is spent", b.lim.MaxToolCalls)}
	}
	if err := b.timeLeft(); err != nil {
		return err
	}
	b.calls++
	return nil
}

// addTokens counts a model call's tokens.
func (b *budget) addTokens(u llm.Usage) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.tokens += u.TotalTokens
	if b.tokens > b.lim.MaxTokens {
		return &runErr{KindBudget, fmt.Sprintf("the budget of %d tokens is spent (%d used)", b.lim.MaxTokens, b.tokens)}
	}
	return nil
}
