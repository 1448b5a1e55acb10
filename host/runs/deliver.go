package runs

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/secure-agent/saa/host/runs/runstore"
)

// attemptTimeout bounds one callback attempt.
const attemptTimeout = 30 * time.Second

// maxLastError bounds the error kept from an attempt.
const maxLastError = 256

// startDelivery starts delivering id's callback unless it is already being
// delivered or the manager is stopping (the pending state is then resumed
// by the next Start).
func (m *Manager) startDelivery(id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.deliverLocked(id)
}

// deliverLocked is startDelivery with m.mu held.
func (m *Manager) deliverLocked(id string) {
	if m.state != stateRunning || m.delivering[id] {
		return
	}
	if m.cfg.Sender == nil {
		m.log.Warn("callback pending but callbacks are disabled", logRun, id)
		return
	}
	m.delivering[id] = true
	m.bg.Go(func() {
		m.deliver(m.bgCtx, id)
		m.mu.Lock()
		delete(m.delivering, id)
		m.mu.Unlock()
	})
}

// deliver makes attempts until the callback is delivered, fails for good,
// or ctx ends. Each attempt's outcome is stored before the next wait, so a
// restart resumes with the right count and time.
func (m *Manager) deliver(ctx context.Context, id string) {
	for {
		r, err := m.cfg.Store.GetRun(ctx, id)
		if err != nil {
			if ctx.Err() == nil {
				m.log.Error("load run for callback", logRun, id, logErr, err)
			}
			return
		}
		if r.Callback.State != runstore.DeliveryPending || !sleepUntil(ctx, r.Callback.NextAttemptAt) {
			return
		}
		status, sendErr := m.attempt(ctx, r)
		if ctx.Err() != nil {
			return // stopping: this attempt does not count
		}
		_, err = m.cfg.Store.UpdateRun(context.WithoutCancel(ctx), id, func(r *Run) error {
			m.record(&r.Callback, status, sendErr)
			return nil
		})
		if err != nil {
			m.log.Error("record callback attempt", logRun, id, logErr, err)
			return
		}
	}
}

// sleepUntil waits until t and reports whether ctx is still live.
func sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// attempt sends the signed callback of r once.
func (m *Manager) attempt(ctx context.Context, r Run) (int, error) {
	v := ViewOf(r)
	v.Callback = nil
	body, err := json.Marshal(v)
	if err != nil {
		return 0, fmt.Errorf("encode callback: %w", err)
	}
	headers := SignedHeaders(m.KeyFor(r.ClientID), r.ID, time.Now(), body)
	headers["Content-Type"] = "application/json"
	select {
	case m.sends <- struct{}{}:
		defer func() { <-m.sends }()
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	ctx, cancel := context.WithTimeout(ctx, attemptTimeout)
	defer cancel()
	return m.cfg.Sender.Send(ctx, r.Callback.URL, headers, body)
}

// record stores an attempt's outcome in c and schedules the next one.
func (m *Manager) record(c *runstore.Callback, status int, err error) {
	now := time.Now().UTC()
	c.Attempts++
	c.LastStatus, c.LastError = status, ""
	if err != nil {
		c.LastError = truncate(err.Error(), maxLastError)
	}
	switch {
	case err == nil && status >= 200 && status < 300:
		c.State, c.DeliveredAt, c.NextAttemptAt = runstore.DeliveryDelivered, now, time.Time{}
	case err == nil && refusedForGood(status):
		c.State, c.NextAttemptAt = runstore.DeliveryFailed, time.Time{}
		c.LastError = fmt.Sprintf("the receiver refused the callback (HTTP %d); not retried", status)
	case c.Attempts >= m.cfg.Retry.MaxAttempts:
		c.State, c.NextAttemptAt = runstore.DeliveryFailed, time.Time{}
	default:
		c.NextAttemptAt = now.Add(m.cfg.Retry.Delay(c.Attempts))
	}
}

// refusedForGood reports whether a receiver's answer says that sending the
// same callback again cannot succeed: a 4xx other than 408 Request Timeout
// and 429 Too Many Requests, which ask for a later retry. 410 Gone is how
// Standard Webhooks receivers say they want no more.
func refusedForGood(status int) bool {
	return status >= 400 && status < 500 && status != http.StatusRequestTimeout && status != http.StatusTooManyRequests
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
