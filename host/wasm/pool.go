package wasm

import (
	"context"
	"sync"
)

// PoolOptions size a module's instance pool.
type PoolOptions struct {
	// MaxConcurrency caps the calls of one module running at once.
	MaxConcurrency int
	// Fresh is how many never-used instances are kept ready, so that a caller
	// without an idle instance of its own does not wait for instantiation.
	Fresh int
	// MaxIdle caps used instances kept for reuse by the caller that used them.
	MaxIdle int
}

func (o PoolOptions) withDefaults() PoolOptions {
	if o.MaxConcurrency <= 0 {
		o.MaxConcurrency = 16
	}
	if o.Fresh < 0 {
		o.Fresh = 0
	} else if o.Fresh == 0 {
		o.Fresh = 2
	}
	if o.MaxIdle <= 0 {
		o.MaxIdle = 32
	}
	return o
}

// PoolStats is a snapshot of a pool, for metrics.
type PoolStats struct {
	Fresh, Idle, InUse int
}

type idleInstance struct {
	key string
	p   instance
}

// pool hands out instances so that an instance used by one caller key is
// only ever reused by the same key. Fresh instances are made in the
// background; idle ones are evicted oldest first.
type pool struct {
	create func(context.Context) (instance, error)
	opts   PoolOptions
	slots  chan struct{}

	mu        sync.Mutex
	fresh     []instance
	idle      []idleInstance // oldest first
	inUse     int
	refilling bool
	closed    bool
	refills   sync.WaitGroup // the background refill, which close waits for
}

func newPool(create func(context.Context) (instance, error), opts PoolOptions) *pool {
	opts = opts.withDefaults()
	p := &pool{create: create, opts: opts, slots: make(chan struct{}, opts.MaxConcurrency)}
	p.refill()
	return p
}

// acquire waits for a concurrency slot, then returns an instance for key.
func (p *pool) acquire(ctx context.Context, key string) (instance, error) {
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ErrBusy
	}
	inst, err := p.take(ctx, key)
	if err != nil {
		<-p.slots
		return nil, err
	}
	return inst, nil
}

func (p *pool) take(ctx context.Context, key string) (instance, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, ErrClosed
	}
	p.inUse++
	for i := len(p.idle) - 1; i >= 0; i-- {
		if p.idle[i].key == key {
			inst := p.idle[i].p
			p.idle = append(p.idle[:i], p.idle[i+1:]...)
			p.mu.Unlock()
			return inst, nil
		}
	}
	var inst instance
	if n := len(p.fresh); n > 0 {
		inst, p.fresh = p.fresh[n-1], p.fresh[:n-1]
	}
	p.mu.Unlock()
	p.refill()
	if inst != nil {
		return inst, nil
	}
	inst, err := p.create(context.WithoutCancel(ctx))
	if err != nil {
		p.mu.Lock()
		p.inUse--
		p.mu.Unlock()
	}
	return inst, err
}

// release returns inst after a successful call, to be reused by key only.
func (p *pool) release(key string, inst instance) {
	p.mu.Lock()
	p.inUse--
	var evict instance
	if p.closed {
		evict = inst
	} else {
		p.idle = append(p.idle, idleInstance{key, inst})
		if len(p.idle) > p.opts.MaxIdle {
			evict = p.idle[0].p
			p.idle = p.idle[1:]
		}
	}
	p.mu.Unlock()
	<-p.slots
	if evict != nil {
		evict.close(context.Background())
	}
}

// discard closes inst after a failed call: it may hold a trapped or
// half-updated guest, so it is never reused.
func (p *pool) discard(inst instance) {
	p.mu.Lock()
	p.inUse--
	p.mu.Unlock()
	<-p.slots
	inst.close(context.Background())
}

// refill tops up fresh instances in the background, one goroutine at a time.
func (p *pool) refill() {
	p.mu.Lock()
	if p.refilling || p.closed || len(p.fresh) >= p.opts.Fresh {
		p.mu.Unlock()
		return
	}
	p.refilling = true
	p.refills.Add(1)
	p.mu.Unlock()
	go func() {
		defer p.refills.Done()
		for {
			inst, err := p.create(context.Background())
			p.mu.Lock()
			if err != nil || p.closed {
				p.refilling = false
				p.mu.Unlock()
				if inst != nil {
					inst.close(context.Background())
				}
				return
			}
			p.fresh = append(p.fresh, inst)
			if len(p.fresh) >= p.opts.Fresh {
				p.refilling = false
				p.mu.Unlock()
				return
			}
			p.mu.Unlock()
		}
	}()
}

func (p *pool) stats() PoolStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return PoolStats{Fresh: len(p.fresh), Idle: len(p.idle), InUse: p.inUse}
}

// close closes every idle instance once the background refill has stopped,
// so that no instance is being made while the module's runtime closes.
func (p *pool) close(ctx context.Context) {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.refills.Wait()
	p.mu.Lock()
	all := p.fresh
	for _, i := range p.idle {
		all = append(all, i.p)
	}
	p.fresh, p.idle = nil, nil
	p.mu.Unlock()
	for _, inst := range all {
		inst.close(ctx)
	}
}
