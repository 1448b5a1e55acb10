package httpapi

import (
	"bufio"
	"io"
	"sync"
	"time"
)

// LogWriter buffers log lines and writes them out in batches: when the
// buffer fills, and at least every flush interval. At thousands of requests
// a second, one write per access-log line costs more than the handler; a
// batch costs one. slog handlers write each record in one call, so lines
// are never split. What a crash can lose is at most one interval of lines.
type LogWriter struct {
	mu    sync.Mutex
	buf   *bufio.Writer
	stop  chan struct{}
	done  chan struct{}
	close sync.Once
}

// NewLogWriter returns a LogWriter over w flushing every interval. Close it
// to flush the rest and stop the timer.
func NewLogWriter(w io.Writer, interval time.Duration) *LogWriter {
	l := &LogWriter{buf: bufio.NewWriterSize(w, 64<<10), stop: make(chan struct{}), done: make(chan struct{})}
	go l.flushEvery(interval)
	return l
}

// Write buffers p, which should be whole lines.
func (l *LogWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// Flush writes out what is buffered.
func (l *LogWriter) Flush() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Flush()
}

// Close flushes and stops the writer; later writes are still buffered and
// need a Flush.
func (l *LogWriter) Close() error {
	l.close.Do(func() {
		close(l.stop)
		<-l.done
	})
	return l.Flush()
}

func (l *LogWriter) flushEvery(interval time.Duration) {
	defer close(l.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			_ = l.Flush()
		case <-l.stop:
			return
		}
	}
}
