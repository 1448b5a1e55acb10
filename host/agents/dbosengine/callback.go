package dbosengine

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/dbos-inc/dbos-transact-golang/dbos"

	"github.com/secure-agent/saa/host/agents"
	"github.com/secure-agent/saa/host/runs"
)

// callback POSTs the finished run to its callback URL, signed as host/runs
// signs its callbacks, retrying with back-off. It is one step: once
// delivered (or given up), a recovery does not send it again.
func (e *Engine) callback(dctx dbos.Context, in input, view agents.RunView) {
	body, err := json.Marshal(view)
	if err != nil {
		e.log.Error("encode callback", "run_id", in.ID, "err", err)
		return
	}
	p := e.cfg.Retry
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 6
	}
	if p.Base <= 0 {
		p.Base = time.Second
	}
	if p.Max <= 0 {
		p.Max = time.Minute
	}
	key := runs.KeyFor(e.cfg.WebhookKey, in.Principal.ClientID)
	attempts, err := dbos.RunAsStep(dctx, func(ctx context.Context) (int, error) {
		for attempt := 1; ; attempt++ {
			hdr := runs.SignedHeaders(key, in.ID, time.Now(), body)
			hdr["Content-Type"] = "application/json"
			status, err := e.cfg.Sender.Send(ctx, in.CallbackURL, hdr, body)
			if err == nil && status >= 200 && status < 300 {
				return attempt, nil
			}
			if attempt >= p.MaxAttempts {
				return attempt, fmt.Errorf("callback not delivered: status %d, %v", status, err)
			}
			select {
			case <-time.After(p.Delay(attempt)):
			case <-ctx.Done():
				return attempt, ctx.Err()
			}
		}
	}, dbos.WithStepName("callback"))
	if err != nil {
		e.log.Warn("callback failed", "run_id", in.ID, "attempts", attempts, "err", err)
	}
}
