package pgstore_test

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzGrantKeys: a grant's user name comes from whoever signs in, and an
// agent definition's name from the admin API. Whatever they hold, they
// travel as bind parameters: a grant is stored and found again exactly
// under its own (user, client) only, or refused with an error (NUL,
// invalid UTF-8, empty); the same for a definition's name.
func FuzzGrantKeys(f *testing.F) {
	for _, seed := range []string{"alice", "'; DROP TABLE auth_grants; --", "a\x00b", "\xff\xfe", "$1", "%", "_", "ключ", strings.Repeat("x", 300)} {
		f.Add(seed, "agent")
	}
	f.Add("alice", "c'--")
	url, _ := newDatabase(f)
	db := Open(f, url)
	s, defs := flowStoreOf(f, db), db.AgentDefinitions()
	at := time.Date(2030, 1, 2, 3, 4, 5, 6, time.UTC)
	f.Fuzz(func(t *testing.T, user, client string) {
		ctx := context.Background()
		valid := user != "" && client != "" && utf8.ValidString(user+client) && !strings.ContainsRune(user+client, 0)
		_, err := s.PutGrant(ctx, user, client, []string{"echo:call"}, at)
		if !valid {
			if err == nil {
				t.Fatalf("grant of %q/%q stored", user, client)
			}
			return
		}
		if err != nil {
			t.Fatalf("grant of %q/%q: %v", user, client, err)
		}
		g, err := s.GetGrant(ctx, user, client)
		if err != nil || g.User != user || g.ClientID != client || !g.UpdatedAt.Equal(at) {
			t.Fatalf("get grant of %q/%q = %+v, %v", user, client, g, err)
		}
		list, err := s.ListGrants(ctx, user)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range list {
			if g.User != user {
				t.Fatalf("grants of %q list one of %q", user, g.User)
			}
		}
		if _, err := s.RevokeGrant(ctx, user, client, at); err != nil {
			t.Fatal(err)
		}
		if err := defs.Put(ctx, user, []byte(client)); err != nil {
			t.Fatalf("put definition %q: %v", user, err)
		}
		if err := defs.Delete(ctx, user); err != nil {
			t.Fatalf("delete definition %q: %v", user, err)
		}
	})
}
