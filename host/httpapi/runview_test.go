package httpapi

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/secure-agent/saa/host/httpapi/openapi"
	"github.com/secure-agent/saa/host/httpapi/openapi/openapitest"
	"github.com/secure-agent/saa/host/runs"
	"github.com/secure-agent/saa/host/runs/runstore"
)

// TestRunViewsMatchTheDocument holds every shape of GET /v1/runs/{id} to
// the document, including those the end-to-end tests rarely reach: a failed
// run, and each callback state with every member set.
func TestRunViewsMatchTheDocument(t *testing.T) {
	doc, err := openapi.Build(nil, "http://127.0.0.1:8080", "test")
	if err != nil {
		t.Fatal(err)
	}
	c, err := openapitest.New(doc, openapitest.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	base := runs.Run{ID: "run_1", Status: runs.StatusQueued, Plugin: "echo", Action: "echo", CreatedAt: now}
	cb := runstore.Callback{URL: "https://hooks.example.com/cb", Attempts: 3, NextAttemptAt: now,
		LastStatus: 503, LastError: "the receiver refused the callback (HTTP 404); not retried", DeliveredAt: now}
	with := func(edit func(*runs.Run)) runs.Run {
		r := base
		edit(&r)
		return r
	}
	cases := map[string]runs.Run{
		"queued":  base,
		"running": with(func(r *runs.Run) { r.Status, r.StartedAt = runs.StatusRunning, now }),
		"succeeded": with(func(r *runs.Run) {
			r.Status, r.Output, r.FinishedAt = runs.StatusSucceeded, []byte(`{"message":"hi"}`), now
		}),
		"failed": with(func(r *runs.Run) {
			r.Status, r.ErrorKind, r.ErrorMessage, r.FinishedAt = runs.StatusFailed, runs.KindPluginTimeout, "the plugin ran past its timeout", now
		}),
		"callback waiting":   with(func(r *runs.Run) { r.Callback = runstore.Callback{URL: cb.URL} }),
		"callback pending":   with(func(r *runs.Run) { r.Callback = cb; r.Callback.State = runstore.DeliveryPending }),
		"callback delivered": with(func(r *runs.Run) { r.Callback = cb; r.Callback.State = runstore.DeliveryDelivered }),
		"callback failed":    with(func(r *runs.Run) { r.Callback = cb; r.Callback.State = runstore.DeliveryFailed }),
	}
	header := http.Header{"Content-Type": {"application/json"}}
	for name, r := range cases {
		t.Run(name, func(t *testing.T) {
			body, err := json.Marshal(runs.ViewOf(r))
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Check(http.MethodGet, "/v1/runs/run_1", http.StatusOK, header, body); err != nil {
				t.Fatal(err)
			}
		})
	}
}
