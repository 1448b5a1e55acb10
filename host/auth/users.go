package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/secure-agent/saa/host/auth/authstore"
	"github.com/secure-agent/saa/host/auth/internal/throttle"
)

// AdminUser is the user created on first start.
const AdminUser = "admin"

// minProductionPassword is the shortest SAA_ADMIN_PASSWORD production accepts.
const minProductionPassword = 12

// ErrBadCredentials is returned when a user name and password do not match.
var ErrBadCredentials = errors.New("bad user name or password")

// ErrAdminPasswordRequired is returned when production would have to generate
// the admin password.
var ErrAdminPasswordRequired = errors.New("production needs SAA_ADMIN_PASSWORD to create the admin user")

// ErrThrottled is matched by a *ThrottledError.
var ErrThrottled = errors.New("too many failed attempts")

// ThrottledError says how long to wait after too many failed attempts.
type ThrottledError struct {
	RetryAfter time.Duration
}

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("too many failed attempts; retry in %s", e.RetryAfter.Round(time.Second))
}

// Is makes errors.Is(err, ErrThrottled) true.
func (e *ThrottledError) Is(target error) bool { return target == ErrThrottled }

// Users manages the humans who sign in: admins and viewers, who use the
// admin API and UI, and users, who only consent to agents acting for them. Password checks
// cost tens of milliseconds and memory, so at most a few run at a time.
// Failures are throttled per source address and slowed, never locked, per
// user name (throttle.Guard): someone guessing the admin's password from
// one address cannot keep the admin out from another.
type Users struct {
	store    authstore.Users
	attempts *throttle.Guard
	// slots bounds concurrent argon2id computations.
	slots chan struct{}
	now   func() time.Time
	// dummyHash is checked against when the user does not exist, so a
	// missing user costs as much as a wrong password.
	dummyHash string
}

func newUsers(store authstore.Users, now func() time.Time) (*Users, error) {
	dummy, err := hashPassword("not a password")
	if err != nil {
		return nil, err
	}
	return &Users{
		store:     store,
		attempts:  throttle.NewGuard(DefaultFailureLimit, DefaultFailureWindow, maxThrottleKeys, now),
		slots:     make(chan struct{}, max(2, runtime.GOMAXPROCS(0))),
		now:       now,
		dummyHash: dummy,
	}, nil
}

// EnsureAdmin creates the admin user on first start, with password or, if
// that is empty, a generated one that it returns so it can be shown once.
// It returns "" when the admin already exists (password is then ignored) or
// when password was used. In production an empty password is an error.
func (u *Users) EnsureAdmin(ctx context.Context, password string, production bool) (generated string, err error) {
	if _, err := u.store.GetUser(ctx, AdminUser); err == nil {
		return "", nil
	} else if !errors.Is(err, authstore.ErrNotFound) {
		return "", fmt.Errorf("ensure admin: %w", err)
	}
	switch {
	case password == "" && production:
		return "", ErrAdminPasswordRequired
	case password == "":
		if generated, err = randomPassword(); err != nil {
			return "", fmt.Errorf("ensure admin: %w", err)
		}
		password = generated
	case production && len(password) < minProductionPassword:
		return "", fmt.Errorf("ensure admin: SAA_ADMIN_PASSWORD must have at least %d characters", minProductionPassword)
	}
	err = u.Create(ctx, AdminUser, password, authstore.RoleAdmin)
	if errors.Is(err, authstore.ErrExists) {
		return "", nil // created concurrently
	}
	if err != nil {
		return "", fmt.Errorf("ensure admin: %w", err)
	}
	return generated, nil
}

// Create adds a user.
func (u *Users) Create(ctx context.Context, name, password string, role authstore.Role) error {
	if err := checkName(name); err != nil {
		return fmt.Errorf("create user: %w", err)
	}
	if role != authstore.RoleAdmin && role != authstore.RoleViewer && role != authstore.RoleUser {
		return fmt.Errorf("create user: %w", inputErrorf("role must be admin, viewer or user"))
	}
	if password == "" {
		return fmt.Errorf("create user: %w", inputErrorf("empty password"))
	}
	if looksLikeClientID(name) {
		// A user's name is the sub of tokens acting for it, and a client's
		// id the sub of its own: they must never be mistaken for each other.
		return fmt.Errorf("create user: %w", inputErrorf("a user name may not look like a client ID"))
	}
	hash, err := hashPassword(password)
	if err != nil {
		return fmt.Errorf("create user: %w", err)
	}
	return u.store.CreateUser(ctx, authstore.User{Name: name, Role: role, PasswordHash: hash, CreatedAt: u.now().UTC()})
}

// SetPassword replaces a user's password.
func (u *Users) SetPassword(ctx context.Context, name, password string) error {
	if password == "" {
		return fmt.Errorf("set password: %w", inputErrorf("empty password"))
	}
	hash, err := hashPassword(password)
	if err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	_, err = u.store.UpdateUser(ctx, name, func(usr *authstore.User) error {
		usr.PasswordHash = hash
		return nil
	})
	return err
}

// Authenticate checks name and password for a sign-in from source (a client
// address). While name is being guessed at from elsewhere it first waits its
// turn (a second or so). It returns a *ThrottledError while source is
// throttled or too many attempts wait on name, ErrBadCredentials on
// mismatch, and the user on success.
func (u *Users) Authenticate(ctx context.Context, name, password, source string) (authstore.User, error) {
	userKey := "user:" + name
	wait, err := u.attempts.Admit(ctx, userKey, source)
	if err != nil {
		return authstore.User{}, fmt.Errorf("authenticate: %w", err)
	}
	if wait > 0 {
		return authstore.User{}, &ThrottledError{RetryAfter: wait}
	}
	usr, err := u.store.GetUser(ctx, name)
	if err != nil && !errors.Is(err, authstore.ErrNotFound) {
		return authstore.User{}, fmt.Errorf("authenticate: %w", err)
	}
	hash := usr.PasswordHash
	if err != nil {
		hash = u.dummyHash
	}
	ok, cerr := u.check(ctx, hash, password)
	if cerr != nil && !errors.Is(cerr, errBadHash) {
		return authstore.User{}, fmt.Errorf("authenticate: %w", cerr)
	}
	if err != nil || !ok || cerr != nil {
		// Unknown names count too, so that throttling does not tell which
		// names exist; the guard's table is bounded.
		u.attempts.Failed(userKey, source)
		return authstore.User{}, ErrBadCredentials
	}
	u.attempts.Succeeded(userKey, source)
	return usr, nil
}

// check runs one password check when a slot is free.
func (u *Users) check(ctx context.Context, hash, password string) (bool, error) {
	select {
	case u.slots <- struct{}{}:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	defer func() { <-u.slots }()
	return checkPassword(hash, password)
}

func randomPassword() (string, error) {
	raw := make([]byte, 24)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("generate password: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(raw), nil
}

// List returns every user ordered by name; password hashes are left out.
func (u *Users) List(ctx context.Context) ([]authstore.User, error) {
	all, err := u.store.ListUsers(ctx)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	for i := range all {
		all[i].PasswordHash = ""
	}
	return all, nil
}

// looksLikeClientID reports whether name has the shape of a client ID: 32
// lowercase hex digits.
func looksLikeClientID(name string) bool {
	if len(name) != 32 {
		return false
	}
	for _, c := range name {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
