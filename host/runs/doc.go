// Package runs executes actions asynchronously and delivers their results:
// a Manager queues a run (persisted before Submit returns), workers invoke it
// through the same host.Runtime path as synchronous calls, the run's client
// reads its status with Get, and an optional callback URL receives the result
// as a POST signed in the Standard Webhooks format (webhook.go), retried with
// exponential back-off and full jitter until it is delivered, the attempts
// run out, or the receiver refuses it for good (a 4xx other than 408 and
// 429), which the run's callback records.
//
// Runs survive restarts. At Start, runs still queued are executed; runs found
// running, whose process died mid-run, are marked failed with error kind
// "interrupted" and are not executed again: the action may be a write whose
// side effect already happened, and running it twice could duplicate it (a
// second payment, a second issue). The client decides whether to retry.
// Callback deliveries that were pending resume where they stopped. On a
// store several replicas share, runs are claimed from the store and leased
// to the replica running them, and a dead replica's runs are taken over
// the same way (shared.go).
//
// Idempotency (idempotency.go) makes a retried request with the same
// Idempotency-Key return the first result, for synchronous calls (used by the
// HTTP layer) and for Submit alike.
//
// A run executes for the principal stored at Submit, with the scopes its
// token had then: revoking the token later does not stop a queued run.
//
// What this package does not do: it never checks scopes or schemas itself (the
// Invoker does, at run time, for the principal stored with the run), and it
// never sends a callback itself: the Sender does, and the server's Sender goes
// through the egress guard, which is the boundary that keeps callbacks off
// private addresses. It must never log a run's input, output or callback body.
package runs
