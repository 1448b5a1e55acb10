package auth_test

import (
	"errors"
	"testing"
	"time"

	"github.com/secure-agent/saa/host/auth"
	"github.com/secure-agent/saa/host/auth/authstore"
)

func TestEnsureAdmin(t *testing.T) {
	tests := []struct {
		name          string
		password      string
		production    bool
		wantErr       error
		wantGenerated bool
	}{
		{"password from the environment", "correct horse battery", false, nil, false},
		{"generated when unset", "", false, nil, true},
		{"production refuses to generate", "", true, auth.ErrAdminPasswordRequired, false},
		{"production refuses a short password", "short", true, errors.New("any"), false},
		{"production accepts a long password", "correct horse battery", true, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestEnv(t)
			gen, err := e.srv.Users().EnsureAdmin(t.Context(), tt.password, tt.production)
			if tt.wantErr != nil {
				if err == nil || (tt.wantErr == auth.ErrAdminPasswordRequired && !errors.Is(err, tt.wantErr)) {
					t.Fatalf("EnsureAdmin = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil || (gen != "") != tt.wantGenerated {
				t.Fatalf("EnsureAdmin = %q, %v", gen, err)
			}
			pw := tt.password
			if tt.wantGenerated {
				pw = gen
			}
			u, err := e.srv.Users().Authenticate(t.Context(), auth.AdminUser, pw, "127.0.0.1")
			if err != nil || u.Role != authstore.RoleAdmin {
				t.Fatalf("sign-in with the admin password: %+v, %v", u, err)
			}
			again, err := e.srv.Users().EnsureAdmin(t.Context(), "another password!", tt.production)
			if err != nil || again != "" {
				t.Fatalf("second start: %q, %v", again, err)
			}
		})
	}
}

// TestUserSignInIsThrottledNotLockedOut: guessing from one address is
// stopped there, guessing spread over addresses is slowed, and the owner's
// right password from another address still gets in.
func TestUserSignInIsThrottledNotLockedOut(t *testing.T) {
	clk := newClock()
	e := newTestEnvClock(t, clk.now)
	users := e.srv.Users()
	if err := users.Create(t.Context(), "ops", "right password", authstore.RoleViewer); err != nil {
		t.Fatal(err)
	}
	t.Run("wrong password and unknown user look the same", func(t *testing.T) {
		_, err1 := users.Authenticate(t.Context(), "ops", "wrong", "10.0.0.1")
		_, err2 := users.Authenticate(t.Context(), "ghost", "wrong", "10.0.0.2")
		if !errors.Is(err1, auth.ErrBadCredentials) || !errors.Is(err2, auth.ErrBadCredentials) {
			t.Fatalf("errors %v, %v", err1, err2)
		}
	})
	for range auth.DefaultFailureLimit {
		_, _ = users.Authenticate(t.Context(), "ops", "wrong", "10.0.0.3")
	}
	t.Run("the guessing address is refused, even with the right password", func(t *testing.T) {
		_, err := users.Authenticate(t.Context(), "ops", "right password", "10.0.0.3")
		var te *auth.ThrottledError
		if !errors.As(err, &te) || !errors.Is(err, auth.ErrThrottled) || te.RetryAfter <= 0 {
			t.Fatalf("after repeated failures: %v", err)
		}
	})
	t.Run("a guess from another address is still checked, not locked", func(t *testing.T) {
		if _, err := users.Authenticate(t.Context(), "ops", "wrong", "10.0.0.5"); !errors.Is(err, auth.ErrBadCredentials) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("the owner from another address gets in", func(t *testing.T) {
		if u, err := users.Authenticate(t.Context(), "ops", "right password", "10.0.0.4"); err != nil || u.Role != authstore.RoleViewer {
			t.Fatalf("owner: %+v, %v", u, err)
		}
	})
	clk.advance(auth.DefaultFailureWindow + time.Second)
	t.Run("the guessing address may try again after the window", func(t *testing.T) {
		if _, err := users.Authenticate(t.Context(), "ops", "right password", "10.0.0.3"); err != nil {
			t.Fatalf("after the window: %v", err)
		}
	})
}

func TestListUsersLeavesOutHashes(t *testing.T) {
	users := newTestEnv(t).srv.Users()
	if err := users.Create(t.Context(), "viewer1", "a long enough password", authstore.RoleViewer); err != nil {
		t.Fatal(err)
	}
	all, err := users.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(all) == 0 {
		t.Fatal("no users listed")
	}
	for _, u := range all {
		if u.PasswordHash != "" {
			t.Fatalf("user %s listed with its password hash", u.Name)
		}
	}
}
