package host

import (
	"context"
	"fmt"
	"log/slog"

	extism "github.com/extism/go-sdk"

	"github.com/secure-agent/saa/host/egress"
	"github.com/secure-agent/saa/host/internal/strictjson"
	"github.com/secure-agent/saa/host/wasm"
	"github.com/secure-agent/saa/manifests"
	"github.com/secure-agent/saa/pdk/wire"
)

// Invoke runs plugin.action for p with input (JSON) and returns the output
// (JSON). Every surface calls this one method, so every caller gets the same
// checks, in this order: the action exists, p holds every scope it requires,
// the input is one strict JSON value (valid UTF-8, no duplicate member
// names) matching its schema; then the plugin runs, and its output is
// scrubbed of secret values and must be strict JSON matching the output
// schema. The bytes passed on are exactly those checked. Last, an output
// over the action's RAG threshold, or any output when ctx carries
// WithReturnHandle, is stored as a handle of p and replaced by its envelope.
//
// A per-user secret the plugin sends is the token of the account p.Subject
// connected at the secret's provider, looked up at egress; when there is
// none the call fails with an *AccountError (ErrAccountNotConnected).
//
// Every call, allowed or not, is recorded in the audit log, with the
// (table, column) read-set of every warehouse query the plugin made.
func (rt *Runtime) Invoke(ctx context.Context, p Principal, pluginName, action string, input []byte) ([]byte, error) {
	entry := invocationEntry(ctx, p, pluginName, action, input)
	var reads readLog
	var users *callSecrets
	out, sess, err := rt.invoke(ctx, p, pluginName, action, input, &reads, &users)
	entry = finish(entry, sess, err)
	entry.Reads = reads.list()
	entry.Accounts = users.accountsUsed(sess)
	rt.audit.add(entry)
	return out, err
}

// Check runs Invoke's checks without running the plugin: the action exists,
// p holds its scopes, and input matches its schema. An asynchronous run uses
// it to refuse at once what would fail anyway.
func (rt *Runtime) Check(p Principal, pluginName, action string, input []byte) error {
	pl, ok := rt.acquire(pluginName)
	if !ok {
		return fmt.Errorf("%w: %s.%s", ErrNotFound, pluginName, action)
	}
	defer pl.inflight.Done()
	_, err := rt.check(pl, p, action, input)
	return err
}

// check is Check on an acquired plugin version.
func (rt *Runtime) check(pl *plugin, p Principal, action string, input []byte) (manifests.Action, error) {
	act, ok := pl.manifest.Action(action)
	if !ok {
		return act, fmt.Errorf("%w: %s.%s", ErrNotFound, pl.manifest.Name, action)
	}
	if missing := missingScopes(p, pl.manifest.NamespacedScopes(act)); len(missing) > 0 {
		return act, &ScopeError{Missing: missing}
	}
	if int64(len(input)) > rt.cfg.MaxInput {
		return act, fmt.Errorf("%w: %d bytes exceeds the %d-byte limit", ErrInvalidInput, len(input), rt.cfg.MaxInput)
	}
	if err := validateJSON(pl.manifest, act.Name, input, true); err != nil {
		return act, fmt.Errorf("%w: %v", ErrInvalidInput, err)
	}
	return act, nil
}

func (rt *Runtime) invoke(ctx context.Context, p Principal, pluginName, action string, input []byte, reads *readLog, users **callSecrets) ([]byte, *egress.Session, error) {
	pl, ok := rt.acquire(pluginName)
	if !ok {
		return nil, nil, fmt.Errorf("%w: %s.%s", ErrNotFound, pluginName, action)
	}
	defer pl.inflight.Done()
	act, err := rt.check(pl, p, action, input)
	if err != nil {
		return nil, nil, err
	}

	src, us := rt.secretsFor(pl.manifest, p)
	*users = us
	sess := rt.guard.Session(pl.policy, src)
	ctx = wasm.WithEgress(ctx, func(ctx context.Context, req wire.HTTPRequest) wire.HTTPResponse {
		resp, err := sess.Do(ctx, req)
		if err != nil {
			return wire.HTTPResponse{Error: sess.RedactString(err.Error())}
		}
		return resp
	})
	ctx = rt.withWarehouses(ctx, pl.manifest, p, reads)
	if c, ok := wasm.ClientFrom(ctx); ok {
		ctx = wasm.WithClient(ctx, redactingClient(c, sess))
	}
	out, err := pl.module.Call(ctx, p.key(), act.Name, input, rt.guestLogger(pl.manifest.Name, sess))
	if missing := us.notConnected(); missing != nil {
		// Whatever the plugin made of the refused request, the caller
		// learns the real reason and where the user connects the account.
		return nil, sess, missing
	}
	if err != nil {
		return nil, sess, &redactedError{msg: sess.RedactString(err.Error()), kind: kindOf(err)}
	}
	out = sess.Redact(out)
	if err := validateJSON(pl.manifest, act.Name, out, false); err != nil {
		return nil, sess, fmt.Errorf("plugin/%s: %w: %v", pl.manifest.Name, ErrInvalidOutput, sess.RedactString(err.Error()))
	}
	if out, err = rt.toHandle(ctx, p, pl.manifest.Name, act, out); err != nil {
		return nil, sess, err
	}
	return out, sess, nil
}

func missingScopes(p Principal, required []string) []string {
	var missing []string
	for _, s := range required {
		if !p.HasScope(s) {
			missing = append(missing, s)
		}
	}
	return missing
}

// validateJSON checks that data is one strict JSON value (valid UTF-8, no
// duplicate member names: see strictjson) matching the action's input (or
// output) schema. The bytes passed on are exactly those checked, and strict
// decoding means no reader of them can see another value than the schema
// saw.
func validateJSON(m *manifests.Manifest, action string, data []byte, input bool) error {
	v, err := strictjson.Decode(data)
	if err != nil {
		return err
	}
	schema := m.OutputSchema(action)
	if input {
		schema = m.InputSchema(action)
	}
	return schema.Validate(v)
}

// guestLogger forwards a guest's log lines to slog, scrubbed of secrets.
func (rt *Runtime) guestLogger(name string, sess *egress.Session) wasm.Logger {
	return func(level extism.LogLevel, msg string) {
		lvl := slog.LevelInfo
		switch level {
		case extism.LogLevelTrace, extism.LogLevelDebug:
			lvl = slog.LevelDebug
		case extism.LogLevelWarn:
			lvl = slog.LevelWarn
		case extism.LogLevelError:
			lvl = slog.LevelError
		}
		rt.log.Log(context.Background(), lvl, sess.RedactString(msg), "plugin", name)
	}
}

// redactingClient scrubs secret values from what a plugin sends its client
// (log lines, prompts, questions, content), as from its output.
func redactingClient(c wasm.Client, sess *egress.Session) wasm.Client {
	return func(ctx context.Context, req wire.ClientRequest) wire.ClientResponse {
		req.Params = sess.Redact(req.Params)
		return c(ctx, req)
	}
}
