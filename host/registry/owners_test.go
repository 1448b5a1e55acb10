package registry_test

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secure-agent/saa/host/quota"
	"github.com/secure-agent/saa/host/registry"
)

// publisher is a publisher credential of OAuth client id.
func publisher(id string) registry.Submitter {
	return registry.Submitter{Name: "client:" + id, Owner: id}
}

// submitAs submits manifest as who.
func (e *env) submitAs(who registry.Submitter, manifest []byte) (registry.Version, error) {
	e.t.Helper()
	data := e.pack(manifest, nil)
	return e.reg.SubmitFrom(e.t.Context(), bytes.NewReader(data), int64(len(data)), who)
}

// TestPublisherIsBoundToItsOwners: the first client to publish under a
// publisher name owns it; another client's submission under that name is
// refused for any plugin, until an admin makes it an owner. Admins are not
// bound.
func TestPublisherIsBoundToItsOwners(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	alice, mallory := publisher("alice"), publisher("mallory")
	if _, err := e.submitAs(alice, e.variant("1.0.0")); err != nil {
		t.Fatal(err)
	}
	if p, err := e.reg.Publisher(ctx, "saa"); err != nil || strings.Join(p.Owners, ",") != "alice" {
		t.Fatalf("publisher = %+v, %v; want owned by alice", p, err)
	}
	refused := map[string][]byte{
		"a new version of its plugin": e.variant("1.1.0"),
		"another plugin":              e.variant("1.0.0", "name: echo", "name: other"),
	}
	for name, m := range refused {
		if _, err := e.submitAs(mallory, m); !errors.Is(err, registry.ErrForbidden) {
			t.Errorf("%s by another client: %v, want ErrForbidden", name, err)
		}
	}
	if _, err := e.reg.Submit(ctx, e.pack(e.variant("1.2.0"), nil), "admin"); err != nil {
		t.Errorf("an admin's submission was refused: %v", err)
	}
	if err := e.reg.SetOwners(ctx, "saa", []string{"mallory", "mallory", "alice"}, "admin"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.submitAs(mallory, e.variant("1.3.0")); err != nil {
		t.Errorf("an owner the admin added was refused: %v", err)
	}
	if err := e.reg.SetOwners(ctx, "saa", []string{"bad id"}, "admin"); !errors.Is(err, registry.ErrInvalidInput) {
		t.Errorf("SetOwners with a malformed id = %v", err)
	}
	if p, _ := e.reg.Publisher(ctx, "saa"); strings.Join(p.Owners, ",") != "mallory,alice" {
		t.Errorf("owners = %v, want mallory,alice", p.Owners)
	}
}

// TestPublishersBeforeOwnersWereRecorded: a publisher whose versions were
// submitted before owners were recorded can be claimed only by a client
// that submitted them.
func TestPublishersBeforeOwnersWereRecorded(t *testing.T) {
	e := newEnv(t)
	if _, err := e.reg.Submit(t.Context(), e.pack(e.variant("1.0.0"), nil), "client:alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.submitAs(publisher("mallory"), e.variant("1.1.0")); !errors.Is(err, registry.ErrForbidden) {
		t.Fatalf("mallory claimed alice's publisher: %v", err)
	}
	if _, err := e.submitAs(publisher("alice"), e.variant("1.1.0")); err != nil {
		t.Fatalf("alice could not claim her publisher: %v", err)
	}
}

// TestPendingVersionsAreCountedPerPublisher: one publisher filling its
// queue does not stop another from submitting.
func TestPendingVersionsAreCountedPerPublisher(t *testing.T) {
	e := newEnv(t)
	mallory := publisher("mallory")
	for i := range 10 {
		m := e.variant(fmt.Sprintf("1.0.%d", i), "name: echo", fmt.Sprintf("name: evil%d", i%3), "publisher: saa", "publisher: acme")
		if _, err := e.submitAs(mallory, m); err != nil {
			t.Fatalf("submission %d: %v", i, err)
		}
	}
	m := e.variant("2.0.0", "name: echo", "name: evil9", "publisher: saa", "publisher: acme")
	if _, err := e.submitAs(mallory, m); !errors.Is(err, registry.ErrConflict) || !strings.Contains(err.Error(), "pending review") {
		t.Fatalf("11th pending version of acme: %v, want a full queue", err)
	}
	if _, err := e.submitAs(publisher("alice"), e.variant("1.0.0")); err != nil {
		t.Fatalf("another publisher could not submit: %v", err)
	}
}

// TestRejectedVersionMayBeResubmitted: a version rejected before it ever
// ran may be submitted again; one that is pending or was approved may not.
func TestRejectedVersionMayBeResubmitted(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	alice := publisher("alice")
	if _, err := e.submitAs(alice, e.variant("1.0.0")); err != nil {
		t.Fatal(err)
	}
	if _, err := e.submitAs(alice, e.variant("1.0.0")); !errors.Is(err, registry.ErrConflict) {
		t.Fatalf("pending version resubmitted: %v", err)
	}
	if err := e.reg.Reject(ctx, "echo", "1.0.0", "admin", "fix the description"); err != nil {
		t.Fatal(err)
	}
	// The rejected module is deleted (it can never run); its review stays.
	if _, err := e.rt.DB().Registry().GetBlob(ctx, sha256Hex(e.wasm)); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("the rejected module is still stored: %v", err)
	}
	if v, err := e.reg.Version(ctx, "echo", "1.0.0"); err != nil || v.Status != registry.StatusRejected {
		t.Fatalf("rejected version's review: %+v, %v", v.Status, err)
	}
	fixed := e.variant("1.0.0", "description:", "description: Fixed.")
	v, err := e.submitAs(alice, fixed)
	if err != nil {
		t.Fatalf("resubmitting a rejected version: %v", err)
	}
	if v.Status != registry.StatusPending || v.Reason != "" {
		t.Fatalf("resubmitted version = %s %q, want pending without a reason", v.Status, v.Reason)
	}
	if p, _ := e.reg.Get(ctx, "echo"); len(p.Versions) != 1 {
		t.Fatalf("plugin has %d versions, want the rejected one replaced", len(p.Versions))
	}
	if err := e.reg.Approve(ctx, "echo", "1.0.0", "admin"); err != nil {
		t.Fatal(err)
	}
	if err := e.call(); err != nil {
		t.Fatal(err)
	}
	if _, err := e.submitAs(alice, e.variant("1.0.0")); !errors.Is(err, registry.ErrConflict) || !strings.Contains(err.Error(), "approved") {
		t.Fatalf("approved version number reused: %v", err)
	}
}

// TestPendingBundlesQuota: a submitter's pending versions are bounded in
// number and bytes; other submitters are not affected, and a review frees
// the room.
func TestPendingBundlesQuota(t *testing.T) {
	manifest, wasm := echo(t)
	e := &env{t: t, dataDir: filepath.Join(t.TempDir(), "data"), manifest: manifest, wasm: wasm}
	e.quota = quota.Limit{Count: 2, Bytes: int64(len(e.wasm))*3 - 1}
	e.open()
	ctx := t.Context()
	alice := publisher("alice")
	for _, v := range []string{"1.0.0", "1.1.0"} {
		if _, err := e.submitAs(alice, e.variant(v)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.submitAs(alice, e.variant("1.2.0")); !errors.Is(err, quota.ErrExceeded) {
		t.Fatalf("third pending version: %v, want the count quota", err)
	}
	bob := publisher("bob")
	bobs := func(v string) []byte {
		return e.variant(v, "name: echo", "name: bobs", "publisher: saa", "publisher: bob")
	}
	for _, v := range []string{"1.0.0", "1.1.0"} {
		if _, err := e.submitAs(bob, bobs(v)); err != nil {
			t.Fatalf("another client's submission: %v", err)
		}
	}
	if err := e.reg.Reject(ctx, "echo", "1.0.0", "admin", "no"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.submitAs(alice, e.variant("1.2.0")); err != nil {
		t.Fatalf("after a review freed room: %v", err)
	}
	e.quota = quota.Limit{Count: 10, Bytes: int64(len(e.wasm))*2 - 1}
	e.reopen()
	if _, err := e.submitAs(alice, e.variant("1.3.0")); !errors.Is(err, quota.ErrExceeded) {
		t.Fatalf("over the byte quota: %v", err)
	}
	if p, err := e.reg.Get(ctx, "bobs"); err != nil || len(p.Versions) != 2 {
		t.Fatalf("bob's versions = %+v, %v", p.Versions, err)
	}
}
