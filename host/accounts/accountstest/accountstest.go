// Package accountstest is the conformance suite of accounts.Store: every
// backend runs TestStore.
package accountstest

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/secure-agent/saa/host/accounts"
)

// TestStore checks a Store that newStore returns empty.
func TestStore(t *testing.T, newStore func(t *testing.T) accounts.Store) {
	t.Run("providers", func(t *testing.T) { testProviders(t, newStore(t)) })
	t.Run("accounts", func(t *testing.T) { testAccounts(t, newStore(t)) })
	t.Run("accounts are per subject", func(t *testing.T) { testSubjects(t, newStore(t)) })
}

func testProviders(t *testing.T, s accounts.Store) {
	ctx := context.Background()
	if _, err := s.Provider(ctx, "google"); !errors.Is(err, accounts.ErrProviderNotFound) {
		t.Fatalf("Provider(missing) err = %v", err)
	}
	if ps, err := s.Providers(ctx); err != nil || len(ps) != 0 {
		t.Fatalf("Providers() = %v, %v", ps, err)
	}
	g := accounts.Provider{Name: "google", ClientID: "id", ClientSecret: "shh", AuthURL: "https://a.test/auth", TokenURL: "https://a.test/token", Scopes: []string{"mail"}}
	gh := accounts.Provider{Name: "github", ClientID: "id2", AuthURL: "https://b.test/auth", TokenURL: "https://b.test/token"}
	for _, p := range []accounts.Provider{g, gh} {
		if err := s.PutProvider(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Provider(ctx, "google")
	if err != nil || !reflect.DeepEqual(got, g) {
		t.Fatalf("Provider() = %+v, %v; want %+v", got, err, g)
	}
	ps, err := s.Providers(ctx)
	if err != nil || len(ps) != 2 || ps[0].Name != "github" || ps[1].Name != "google" {
		t.Fatalf("Providers() = %+v, %v; want github, google", ps, err)
	}
	if err := s.DeleteProvider(ctx, "google"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteProvider(ctx, "google"); !errors.Is(err, accounts.ErrProviderNotFound) {
		t.Fatalf("DeleteProvider(missing) err = %v", err)
	}
}

func account(subject, provider, token string) accounts.Account {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return accounts.Account{
		Subject: subject, Provider: provider, AccessToken: token, RefreshToken: "r-" + token,
		TokenType: "Bearer", Expiry: now.Add(time.Hour), Scopes: []string{"mail"},
		Status: accounts.StatusConnected, ConnectedAt: now, UpdatedAt: now,
	}
}

func testAccounts(t *testing.T, s accounts.Store) {
	ctx := context.Background()
	if _, err := s.Account(ctx, "alice", "google"); !errors.Is(err, accounts.ErrNotConnected) {
		t.Fatalf("Account(missing) err = %v", err)
	}
	a := account("alice", "google", "tok-a")
	if err := s.PutAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	got, err := s.Account(ctx, "alice", "google")
	if err != nil || !reflect.DeepEqual(got, a) {
		t.Fatalf("Account() = %+v, %v; want %+v", got, err, a)
	}
	a.AccessToken = "tok-a2"
	if err := s.PutAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Account(ctx, "alice", "google"); got.AccessToken != "tok-a2" {
		t.Fatalf("after replace, token = %q", got.AccessToken)
	}
	if err := s.PutAccount(ctx, accounts.Account{Provider: "google"}); err == nil {
		t.Fatal("PutAccount without subject succeeded")
	}
	if err := s.DeleteAccount(ctx, "alice", "google"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteAccount(ctx, "alice", "google"); !errors.Is(err, accounts.ErrNotConnected) {
		t.Fatalf("DeleteAccount(missing) err = %v", err)
	}
}

// testSubjects checks that one subject's accounts are never another's,
// including subjects that are prefixes of each other or hold separators.
func testSubjects(t *testing.T, s accounts.Store) {
	ctx := context.Background()
	subjects := []string{"alice", "alic", "alice/google", "a\x00b", "ålice"}
	for _, sub := range subjects {
		for _, p := range []string{"google", "slack"} {
			if err := s.PutAccount(ctx, account(sub, p, sub+"@"+p)); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, sub := range subjects {
		as, err := s.Accounts(ctx, sub)
		if err != nil || len(as) != 2 {
			t.Fatalf("Accounts(%q) = %d accounts, %v; want 2", sub, len(as), err)
		}
		for i, p := range []string{"google", "slack"} {
			if as[i].Subject != sub || as[i].Provider != p || as[i].AccessToken != sub+"@"+p {
				t.Fatalf("Accounts(%q)[%d] = %s/%s %q", sub, i, as[i].Subject, as[i].Provider, as[i].AccessToken)
			}
		}
	}
	if as, err := s.Accounts(ctx, "bob"); err != nil || len(as) != 0 {
		t.Fatalf("Accounts(bob) = %v, %v", as, err)
	}
}
