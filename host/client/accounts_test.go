package client_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/accounts/accountstest"
	"github.com/secure-agent/saa/host/plugintest"
)

type mapResolver map[string]netip.Addr

func (m mapResolver) LookupNetIP(_ context.Context, _, h string) ([]netip.Addr, error) {
	if a, ok := m[h]; ok {
		return []netip.Addr{a}, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: h, IsNotFound: true}
}

// TestAccountNotConnectedOverREST runs the mail plugin (a per-user secret
// from Google) behind the REST API: the caller gets the same typed error
// as in-process, with the connect URL, until its subject connects an
// account; then the fake Gmail sees that account's token.
func TestAccountNotConnectedOverREST(t *testing.T) {
	fp := accountstest.NewFakeProvider(t)
	var users []string
	gmail := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, ok := fp.UserOfRequest(r)
		if !ok {
			http.Error(w, `{"error":{"message":"bad token"}}`, http.StatusUnauthorized)
			return
		}
		users = append(users, u)
		io.WriteString(w, `{"messages":[{"id":"m1","threadId":"t1"}]}`)
	}))
	t.Cleanup(gmail.Close)
	local := "http://gmail.test:" + strings.TrimPrefix(gmail.URL, "http://127.0.0.1:")
	mp := plugintest.FirstParty("mail")
	mp.Replace = map[string]string{"https://gmail.googleapis.com": local}
	cfg := host.DefaultConfig()
	cfg.DataDir = filepath.Join(t.TempDir(), "data")
	cfg.PluginsDir = plugintest.Install(t, mp)
	cfg.EgressAllowCIDRs = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	cfg.Resolver = mapResolver{"gmail.test": netip.MustParseAddr("127.0.0.1")}
	cfg.PluginConfig = map[string]map[string]string{"mail": {"base_url": local}}
	cfg.PublicURL = "https://saa.test"
	rt, err := host.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close(context.Background()) })
	if _, err := rt.Accounts().SetProvider(context.Background(), fp.Provider("google")); err != nil {
		t.Fatal(err)
	}

	cl, p := newServer(t, rt).clientFor(t, "mail:read")
	_, err = cl.Invoke(context.Background(), p, "mail", "list", []byte(`{"max":1}`))
	var ae *host.AccountError
	if !errors.As(err, &ae) || !errors.Is(err, host.ErrAccountNotConnected) {
		t.Fatalf("err = %v, want *host.AccountError", err)
	}
	if ae.ConnectURL != "https://saa.test/account/connections/google/connect" || ae.Provider != "google" || ae.Secret != "gmail" || ae.Reconnect {
		t.Fatalf("AccountError = %+v", ae)
	}
	// A client acting for itself has itself as subject: connecting that
	// subject's account makes the same call work, with that account.
	fp.Connect(t, rt.Accounts(), p.Subject, "google", "agent-mailbox")
	out, err := cl.Invoke(context.Background(), p, "mail", "list", []byte(`{"max":1}`))
	if err != nil || string(out) != `{"messages":[{"id":"m1","thread_id":"t1"}]}` {
		t.Fatalf("after connecting: %s, %v", out, err)
	}
	if len(users) != 1 || users[0] != "agent-mailbox" {
		t.Fatalf("gmail saw %q", users)
	}
}
