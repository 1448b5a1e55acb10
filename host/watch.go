package host

// OnPluginsChanged registers f to be called after the set of active plugins
// or their versions changed (Install, Remove: approval, disabling, rollback).
// f runs on the changing goroutine and must not block; it reads the new set
// with Plugins. The returned function unregisters f.
func (rt *Runtime) OnPluginsChanged(f func()) (cancel func()) {
	rt.watchMu.Lock()
	defer rt.watchMu.Unlock()
	if rt.watchers == nil {
		rt.watchers = map[int]func(){}
	}
	rt.watchSeq++
	id := rt.watchSeq
	rt.watchers[id] = f
	return func() {
		rt.watchMu.Lock()
		defer rt.watchMu.Unlock()
		delete(rt.watchers, id)
	}
}

// changed calls every registered watcher.
func (rt *Runtime) changed() {
	rt.watchMu.Lock()
	fs := make([]func(), 0, len(rt.watchers))
	for _, f := range rt.watchers {
		fs = append(fs, f)
	}
	rt.watchMu.Unlock()
	for _, f := range fs {
		f()
	}
}
