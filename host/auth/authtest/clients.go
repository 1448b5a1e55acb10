package authtest

import (
	"errors"
	"slices"
	"testing"

	"github.com/secure-agent/saa/host/auth/authstore"
)

func testClients(t *testing.T, s authstore.Clients) {
	t.Run("create then get round-trips every field", func(t *testing.T) {
		c := sampleClient("conf-roundtrip")
		c.RotatedAt = now.Add(1)
		c.Generation = 7
		mustNoErr(t, s.CreateClient(ctx(t), c), "create")
		got, err := s.GetClient(ctx(t), c.ID)
		mustNoErr(t, err, "get")
		if !sameClient(got, c) {
			t.Fatalf("got %+v, want %+v", got, c)
		}
	})
	t.Run("create twice is ErrExists", func(t *testing.T) {
		c := sampleClient("conf-dup")
		mustNoErr(t, s.CreateClient(ctx(t), c), "create")
		wantErr(t, s.CreateClient(ctx(t), c), authstore.ErrExists, "second create")
	})
	t.Run("get missing is ErrNotFound", func(t *testing.T) {
		_, err := s.GetClient(ctx(t), "conf-missing")
		wantErr(t, err, authstore.ErrNotFound, "get")
		_, err = s.GetClient(ctx(t), "")
		wantErr(t, err, authstore.ErrNotFound, "get empty id")
	})
	t.Run("returned clients do not alias storage", func(t *testing.T) {
		c := sampleClient("conf-alias")
		mustNoErr(t, s.CreateClient(ctx(t), c), "create")
		got, err := s.GetClient(ctx(t), c.ID)
		mustNoErr(t, err, "get")
		got.Scopes[0] = "admin"
		got.SecretHash[0] = 'X'
		again, err := s.GetClient(ctx(t), c.ID)
		mustNoErr(t, err, "get again")
		if !sameClient(again, c) {
			t.Fatalf("stored client changed through a returned copy: %+v", again)
		}
	})
	testClientReads(t, s)
	testClientUpdates(t, s)
	testClientDelete(t, s)
}

func testClientReads(t *testing.T, s authstore.Clients) {
	t.Run("list is ordered by id", func(t *testing.T) {
		for _, id := range []string{"conf-list-b", "conf-list-a", "conf-list-c"} {
			mustNoErr(t, s.CreateClient(ctx(t), sampleClient(id)), "create")
		}
		all, err := s.ListClients(ctx(t))
		mustNoErr(t, err, "list")
		var ids []string
		for _, c := range all {
			ids = append(ids, c.ID)
		}
		if !slices.IsSorted(ids) {
			t.Fatalf("ids not sorted: %v", ids)
		}
		for _, id := range []string{"conf-list-a", "conf-list-b", "conf-list-c"} {
			if !slices.Contains(ids, id) {
				t.Fatalf("list misses %s: %v", id, ids)
			}
		}
	})
}

func testClientDelete(t *testing.T, s authstore.Clients) {
	t.Run("delete removes, then ErrNotFound", func(t *testing.T) {
		c := sampleClient("conf-delete")
		mustNoErr(t, s.CreateClient(ctx(t), c), "create")
		mustNoErr(t, s.DeleteClient(ctx(t), c.ID), "delete")
		_, err := s.GetClient(ctx(t), c.ID)
		wantErr(t, err, authstore.ErrNotFound, "get after delete")
		wantErr(t, s.DeleteClient(ctx(t), c.ID), authstore.ErrNotFound, "second delete")
	})
}

func testClientUpdates(t *testing.T, s authstore.Clients) {
	t.Run("update applies fn and returns the stored client", func(t *testing.T) {
		c := sampleClient("conf-update")
		mustNoErr(t, s.CreateClient(ctx(t), c), "create")
		got, err := s.UpdateClient(ctx(t), c.ID, func(c *authstore.Client) error {
			c.Status = authstore.ClientDisabled
			c.Scopes = []string{"admin"}
			return nil
		})
		mustNoErr(t, err, "update")
		stored, err := s.GetClient(ctx(t), c.ID)
		mustNoErr(t, err, "get")
		if !sameClient(got, stored) || stored.Status != authstore.ClientDisabled || !slices.Equal(stored.Scopes, []string{"admin"}) {
			t.Fatalf("returned %+v, stored %+v", got, stored)
		}
	})
	t.Run("update whose fn fails stores nothing", func(t *testing.T) {
		c := sampleClient("conf-update-fail")
		mustNoErr(t, s.CreateClient(ctx(t), c), "create")
		boom := errors.New("boom")
		_, err := s.UpdateClient(ctx(t), c.ID, func(c *authstore.Client) error {
			c.Name = "changed"
			return boom
		})
		wantErr(t, err, boom, "update")
		stored, err := s.GetClient(ctx(t), c.ID)
		mustNoErr(t, err, "get")
		if stored.Name != c.Name {
			t.Fatalf("failed update was stored: %+v", stored)
		}
	})
	t.Run("update may not change the id", func(t *testing.T) {
		c := sampleClient("conf-update-id")
		mustNoErr(t, s.CreateClient(ctx(t), c), "create")
		_, err := s.UpdateClient(ctx(t), c.ID, func(c *authstore.Client) error { c.ID = "other"; return nil })
		if err == nil {
			t.Fatal("id change accepted")
		}
	})
	t.Run("update missing is ErrNotFound", func(t *testing.T) {
		_, err := s.UpdateClient(ctx(t), "conf-update-missing", func(*authstore.Client) error { return nil })
		wantErr(t, err, authstore.ErrNotFound, "update")
	})
	t.Run("concurrent updates are not lost", func(t *testing.T) {
		c := sampleClient("conf-update-race")
		c.Scopes = nil
		mustNoErr(t, s.CreateClient(ctx(t), c), "create")
		const n = 16
		err := parallelUpdates(n, func(i int) error {
			_, err := s.UpdateClient(ctx(t), c.ID, func(c *authstore.Client) error {
				c.Scopes = append(c.Scopes, label(i))
				return nil
			})
			return err
		})
		mustNoErr(t, err, "updates")
		stored, err := s.GetClient(ctx(t), c.ID)
		mustNoErr(t, err, "get")
		if len(stored.Scopes) != n {
			t.Fatalf("lost updates: %d of %d scopes survived", len(stored.Scopes), n)
		}
	})
}
