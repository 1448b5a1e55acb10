package authtest

import (
	"errors"
	"slices"
	"testing"

	"github.com/secure-agent/saa/host/auth/authstore"
)

func testUsers(t *testing.T, s authstore.Users) {
	t.Run("create then get round-trips every field", func(t *testing.T) {
		u := sampleUser("conf-user")
		mustNoErr(t, s.CreateUser(ctx(t), u), "create")
		got, err := s.GetUser(ctx(t), u.Name)
		mustNoErr(t, err, "get")
		if got.Name != u.Name || got.Role != u.Role || got.PasswordHash != u.PasswordHash || !got.CreatedAt.Equal(u.CreatedAt) {
			t.Fatalf("got %+v, want %+v", got, u)
		}
		wantErr(t, s.CreateUser(ctx(t), u), authstore.ErrExists, "second create")
	})
	t.Run("get missing is ErrNotFound", func(t *testing.T) {
		_, err := s.GetUser(ctx(t), "conf-user-missing")
		wantErr(t, err, authstore.ErrNotFound, "get")
	})
	t.Run("list is ordered by name", func(t *testing.T) {
		for _, n := range []string{"conf-user-list-b", "conf-user-list-a"} {
			mustNoErr(t, s.CreateUser(ctx(t), sampleUser(n)), "create")
		}
		all, err := s.ListUsers(ctx(t))
		mustNoErr(t, err, "list")
		var names []string
		for _, u := range all {
			names = append(names, u.Name)
		}
		if !slices.IsSorted(names) || !slices.Contains(names, "conf-user-list-a") {
			t.Fatalf("names = %v", names)
		}
	})
	t.Run("update applies fn, a failing fn stores nothing", func(t *testing.T) {
		u := sampleUser("conf-user-update")
		mustNoErr(t, s.CreateUser(ctx(t), u), "create")
		_, err := s.UpdateUser(ctx(t), u.Name, func(u *authstore.User) error { u.Role = authstore.RoleViewer; return nil })
		mustNoErr(t, err, "update")
		boom := errors.New("boom")
		_, err = s.UpdateUser(ctx(t), u.Name, func(u *authstore.User) error { u.Role = authstore.RoleAdmin; return boom })
		wantErr(t, err, boom, "failing update")
		got, err := s.GetUser(ctx(t), u.Name)
		mustNoErr(t, err, "get")
		if got.Role != authstore.RoleViewer {
			t.Fatalf("role = %s, want viewer", got.Role)
		}
		_, err = s.UpdateUser(ctx(t), "conf-user-update-missing", func(*authstore.User) error { return nil })
		wantErr(t, err, authstore.ErrNotFound, "update missing")
	})
	t.Run("delete removes, then ErrNotFound", func(t *testing.T) {
		u := sampleUser("conf-user-delete")
		mustNoErr(t, s.CreateUser(ctx(t), u), "create")
		mustNoErr(t, s.DeleteUser(ctx(t), u.Name), "delete")
		_, err := s.GetUser(ctx(t), u.Name)
		wantErr(t, err, authstore.ErrNotFound, "get after delete")
		wantErr(t, s.DeleteUser(ctx(t), u.Name), authstore.ErrNotFound, "second delete")
	})
}
