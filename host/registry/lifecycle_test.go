package registry_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/bundle"
	"github.com/secure-agent/saa/host/registry"
)

// TestLifecycle walks one plugin through submit, approval, a new version
// asking for more, rollback, disable and enable, on a real runtime.
func TestLifecycle(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()

	v1 := e.submit(e.manifest)
	if v1.Status != registry.StatusPending || !v1.NeedsApproval || v1.Diff != nil || v1.SubmittedBy != "client:pub" {
		t.Fatalf("submitted %+v", v1)
	}
	if want := []string{"echo:call"}; len(v1.Review.Actions) != 1 || !slices.Equal(v1.Review.Actions[0].Scopes, want) {
		t.Errorf("review actions = %+v, want scopes %v", v1.Review.Actions, want)
	}
	t.Run("pending never runs", func(t *testing.T) {
		if err := e.call(); !errors.Is(err, host.ErrNotFound) {
			t.Fatalf("call before approval: %v, want ErrNotFound", err)
		}
	})

	must(t, e.reg.Approve(ctx, "echo", "1.0.0", admin))
	if err := e.call(); err != nil {
		t.Fatalf("call after approval: %v", err)
	}

	t.Run("new version asking a new host waits", func(t *testing.T) {
		v2 := e.submit(e.variant("1.1.0", withEgress("https://api.example.com")...))
		if v2.Status != registry.StatusPending || !v2.NeedsApproval || v2.Diff == nil ||
			!slices.Equal(v2.Diff.AddedEgress, []string{"https://api.example.com"}) {
			t.Fatalf("v2 = %+v, diff %+v", v2, v2.Diff)
		}
		if e.serving() != "1.0.0" || e.call() != nil {
			t.Fatalf("serving %q while 1.1.0 is pending, want 1.0.0", e.serving())
		}
	})
	must(t, e.reg.Approve(ctx, "echo", "1.1.0", admin))
	if e.serving() != "1.1.0" {
		t.Fatalf("serving %q after approving 1.1.0", e.serving())
	}

	must(t, e.reg.Rollback(ctx, "echo", "1.0.0", admin))
	if e.serving() != "1.0.0" {
		t.Fatalf("serving %q after rollback", e.serving())
	}
	p, err := e.reg.Get(ctx, "echo")
	must(t, err)
	if p.Active != "1.0.0" || !p.Enabled || len(p.Versions) != 2 || p.Versions[0].Version != "1.1.0" {
		t.Errorf("plugin = active %q enabled %v versions %d (newest %s)", p.Active, p.Enabled, len(p.Versions), p.Versions[0].Version)
	}

	must(t, e.reg.Disable(ctx, "echo", admin))
	if err := e.call(); !errors.Is(err, host.ErrNotFound) {
		t.Fatalf("call after disable: %v, want ErrNotFound", err)
	}
	must(t, e.reg.Enable(ctx, "echo", admin))
	if err := e.call(); err != nil || e.serving() != "1.0.0" {
		t.Fatalf("call after enable: %v, serving %q", err, e.serving())
	}

	t.Run("audit names the admin", func(t *testing.T) {
		var got []string
		for _, en := range e.adminEntries() {
			got = append(got, en.Subject+" "+en.Action+" "+en.Detail)
		}
		want := []string{
			"client:pub plugin.submit", "alice plugin.approve version 1.0.0",
			"client:pub plugin.submit", "alice plugin.approve version 1.1.0",
			"alice plugin.rollback version 1.0.0 (was 1.1.0)", "alice plugin.disable ", "alice plugin.enable ",
		}
		if len(got) != len(want) {
			t.Fatalf("admin entries = %q", got)
		}
		for i := range want {
			if got[i][:min(len(got[i]), len(want[i]))] != want[i] {
				t.Errorf("entry %d = %q, want %q...", i, got[i], want[i])
			}
		}
	})
}

// TestUnapprovedNeverRuns checks every path that could activate a version
// that was not approved.
func TestUnapprovedNeverRuns(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.submit(e.manifest)
	e.submit(e.variant("1.1.0"))
	must(t, e.reg.Reject(ctx, "echo", "1.1.0", admin, "no\nthanks"))
	cases := []struct {
		name string
		do   func() error
		want error
	}{
		{"rollback to pending", func() error { return e.reg.Rollback(ctx, "echo", "1.0.0", admin) }, registry.ErrNotApproved},
		{"rollback to rejected", func() error { return e.reg.Rollback(ctx, "echo", "1.1.0", admin) }, registry.ErrNotApproved},
		{"approve rejected", func() error { return e.reg.Approve(ctx, "echo", "1.1.0", admin) }, registry.ErrConflict},
		{"reject rejected", func() error { return e.reg.Reject(ctx, "echo", "1.1.0", admin, "") }, registry.ErrConflict},
		{"approve missing version", func() error { return e.reg.Approve(ctx, "echo", "9.9.9", admin) }, registry.ErrNotFound},
		{"approve missing plugin", func() error { return e.reg.Approve(ctx, "nope", "1.0.0", admin) }, registry.ErrNotFound},
		{"enable", func() error { return e.reg.Enable(ctx, "echo", admin) }, nil},
		{"restore", func() error { return e.reg.Restore(ctx) }, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.do(); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if err := e.call(); !errors.Is(err, host.ErrNotFound) {
				t.Fatalf("echo runs: %v", err)
			}
		})
	}
	v, err := e.reg.Version(ctx, "echo", "1.1.0")
	must(t, err)
	if v.Status != registry.StatusRejected || v.Reason != "no thanks" || v.ReviewedBy != admin {
		t.Errorf("rejected version = %+v", v)
	}
}

// TestApproveWhileDisabled checks that approval does not bring a disabled
// plugin back.
func TestApproveWhileDisabled(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.submit(e.manifest)
	must(t, e.reg.Disable(ctx, "echo", admin))
	must(t, e.reg.Approve(ctx, "echo", "1.0.0", admin))
	if err := e.call(); !errors.Is(err, host.ErrNotFound) {
		t.Fatalf("disabled plugin runs after approval: %v", err)
	}
	must(t, e.reg.Enable(ctx, "echo", admin))
	must(t, e.call())
}

// TestRestore checks that a restart serves the active versions of enabled
// plugins only.
func TestRestore(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.submit(e.manifest)
	must(t, e.reg.Approve(ctx, "echo", "1.0.0", admin))
	e.submit(e.variant("1.1.0"))

	e.reopen()
	if err := e.call(); !errors.Is(err, host.ErrNotFound) {
		t.Fatalf("before Restore: %v, want ErrNotFound", err)
	}
	must(t, e.reg.Restore(ctx))
	if err := e.call(); err != nil || e.serving() != "1.0.0" {
		t.Fatalf("after Restore: %v, serving %q", err, e.serving())
	}

	t.Run("disabled stays off", func(t *testing.T) {
		must(t, e.reg.Disable(ctx, "echo", admin))
		e.reopen()
		must(t, e.reg.Restore(ctx))
		if err := e.call(); !errors.Is(err, host.ErrNotFound) {
			t.Fatalf("disabled plugin restored: %v", err)
		}
		must(t, e.reg.Enable(ctx, "echo", admin))
	})
	t.Run("local name wins", func(t *testing.T) {
		e.local = []string{"echo"}
		e.reopen()
		must(t, e.reg.Restore(ctx))
		if err := e.call(); !errors.Is(err, host.ErrNotFound) {
			t.Fatalf("published plugin restored over a local name: %v", err)
		}
	})
}

// TestApproveBrokenModule checks that a version the runtime cannot compile
// stays pending and the active version keeps serving.
func TestApproveBrokenModule(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.submit(e.manifest)
	must(t, e.reg.Approve(ctx, "echo", "1.0.0", admin))

	broken := append([]byte("\x00asm\x01\x00\x00\x00"), "garbage"...)
	sum := sha256.Sum256(broken)
	m := strings.Replace(string(e.variant("1.1.0")), sha256Hex(e.wasm), hex.EncodeToString(sum[:]), 1)
	b, err := bundle.FromParts(bundle.ManifestYAML, []byte(m), broken)
	must(t, err)
	var buf bytes.Buffer
	must(t, b.Pack(&buf))
	_, err = e.reg.Submit(ctx, buf.Bytes(), "client:pub")
	must(t, err)

	if err := e.reg.Approve(ctx, "echo", "1.1.0", admin); !errors.Is(err, registry.ErrInstall) {
		t.Fatalf("Approve = %v, want ErrInstall", err)
	}
	v, err := e.reg.Version(ctx, "echo", "1.1.0")
	must(t, err)
	if v.Status != registry.StatusPending || e.serving() != "1.0.0" || e.call() != nil {
		t.Fatalf("after a failed approval: status %s, serving %q", v.Status, e.serving())
	}
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
