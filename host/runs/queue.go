package runs

import (
	"context"
	"sync"
)

// queue holds the ids of runs waiting for a worker, in order. The store is
// the durable queue; this is its in-memory front, refilled at Start.
type queue struct {
	mu  sync.Mutex
	ids []string
	// ready holds a token while ids may be non-empty.
	ready chan struct{}
}

func newQueue() *queue { return &queue{ready: make(chan struct{}, 1)} }

func (q *queue) push(id string) {
	q.mu.Lock()
	q.ids = append(q.ids, id)
	q.mu.Unlock()
	q.signal()
}

func (q *queue) signal() {
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

// pop returns the next id, waiting for one until ctx is done. Once ctx is
// done it returns nothing, even if ids remain.
func (q *queue) pop(ctx context.Context) (string, bool) {
	for {
		if ctx.Err() != nil {
			return "", false
		}
		q.mu.Lock()
		if len(q.ids) > 0 {
			id := q.ids[0]
			q.ids[0] = ""
			q.ids = q.ids[1:]
			more := len(q.ids) > 0
			q.mu.Unlock()
			if more {
				q.signal() // wake another worker
			}
			return id, true
		}
		q.mu.Unlock()
		select {
		case <-q.ready:
		case <-ctx.Done():
			return "", false
		}
	}
}

func (q *queue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.ids)
}
