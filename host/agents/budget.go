package agents

import (
	"fmt"
	"time"

	"github.com/secure-agent/saa/host/llm"
)

// budget counts what a run has spent against its definition's limits.
// Time spent waiting for a human does not count.
type budget struct {
	lim          Limits
	turns, calls int
	tokens       int
	spent        time.Duration
	since        time.Time // start of the current active stretch; zero while paused
}

func newBudget(l Limits) budget { return budget{lim: l, since: time.Now()} }

func (b *budget) elapsed() time.Duration {
	if b.since.IsZero() {
		return b.spent
	}
	return b.spent + time.Since(b.since)
}

// remaining is the time left, at least a millisecond for a clear error.
func (b *budget) remaining() time.Duration { return max(b.lim.Timeout-b.elapsed(), time.Millisecond) }

func (b *budget) pause() {
	b.spent, b.since = b.elapsed(), time.Time{}
}

func (b *budget) resume() { b.since = time.Now() }

func (b *budget) checkTime() error {
	if b.elapsed() >= b.lim.Timeout {
		return &runErr{KindBudget, fmt.Sprintf("the time budget of %s is spent", b.lim.Timeout)}
	}
	return nil
}

// turn counts a model call.
func (b *budget) turn() error {
	if b.turns >= b.lim.MaxTurns {
		return &runErr{KindBudget, fmt.Sprintf("the budget of %d turns is spent", b.lim.MaxTurns)}
	}
	if err := b.checkTime(); err != nil {
		return err
	}
	b.turns++
	return nil
}

// toolCall counts a tool call.
func (b *budget) toolCall() error {
	if b.calls >= b.lim.MaxToolCalls {
		return &runErr{KindBudget, fmt.Sprintf("the budget of %d tool calls is spent", b.lim.MaxToolCalls)}
	}
	if err := b.checkTime(); err != nil {
		return err
	}
	b.calls++
	return nil
}

// addTokens counts a model call's tokens.
func (b *budget) addTokens(u llm.Usage) error {
	b.tokens += u.TotalTokens
	if b.tokens > b.lim.MaxTokens {
		return &runErr{KindBudget, fmt.Sprintf("the budget of %d tokens is spent (%d used)", b.lim.MaxTokens, b.tokens)}
	}
	return nil
}
