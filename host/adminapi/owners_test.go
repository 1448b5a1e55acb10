package adminapi_test

import (
	"strings"
	"testing"

	"github.com/secure-agent/saa/host/adminapi"
)

// TestPublisherOwnership: the first client to publish under a publisher
// name owns it; another publisher credential gets 403 for that name until
// an admin makes it an owner with PUT /publishers/{name}/owners.
func TestPublisherOwnership(t *testing.T) {
	e := newPluginEnv(t)
	client := func(name string) (string, cred) {
		c, secret, err := e.srv.Clients().Create(t.Context(), name, []string{adminapi.ScopePublish})
		if err != nil {
			t.Fatal(err)
		}
		return c.ID, bearer(e.tokenFor(c.ID, secret, adminapi.ScopePublish))
	}
	aliceID, alice := client("alice")
	malloryID, mallory := client("mallory")
	if r := e.upload(alice, e.bundle("1.0.0"), octets); r.status != 201 {
		t.Fatalf("first upload: %d %s", r.status, r.raw)
	}
	r := e.upload(mallory, e.bundle("1.1.0"), octets)
	if r.status != 403 || !strings.HasSuffix(r.body["type"].(string), "/forbidden") || !strings.Contains(r.raw, "belongs to other clients") {
		t.Fatalf("upload under a claimed publisher: %d %s, want 403", r.status, r.raw)
	}
	if r := e.call("GET", "/publishers/saa", admin, ""); r.status != 200 || !strings.Contains(r.raw, aliceID) {
		t.Fatalf("publisher: %d %s, want alice as owner", r.status, r.raw)
	}
	if r := e.call("PUT", "/publishers/saa/owners", admin, `{"owners":["no-such-client"]}`); r.status != 404 {
		t.Fatalf("unknown owner: %d %s, want 404", r.status, r.raw)
	}
	if r := e.call("PUT", "/publishers/saa/owners", mallory, `{"owners":["`+malloryID+`"]}`); r.status != 403 {
		t.Fatalf("a publisher set owners: %d %s", r.status, r.raw)
	}
	if r := e.call("PUT", "/publishers/saa/owners", admin, `{"owners":["`+malloryID+`"]}`); r.status != 200 || !strings.Contains(r.raw, malloryID) {
		t.Fatalf("set owners: %d %s", r.status, r.raw)
	}
	if r := e.upload(mallory, e.bundle("1.1.0"), octets); r.status != 201 {
		t.Fatalf("upload by the new owner: %d %s", r.status, r.raw)
	}
	if r := e.upload(alice, e.bundle("1.2.0"), octets); r.status != 403 {
		t.Fatalf("upload by the removed owner: %d %s", r.status, r.raw)
	}
}
