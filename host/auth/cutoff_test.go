package auth_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/secure-agent/saa/host/auth"
)

// clientChange is one change of a client that must void its tokens, or (for
// the earlier changes) just a change that happened before.
type clientChange struct {
	name string
	// apply changes client c and returns its secret afterwards.
	apply func(t *testing.T, e *testEnv, c client) client
}

func cutoffChanges() (earlier, voiding []clientChange) {
	clients := func(e *testEnv) *auth.Clients { return e.srv.Clients() }
	rotate := clientChange{"rotate secret", func(t *testing.T, e *testEnv, c client) client {
		_, secret, err := clients(e).RotateSecret(t.Context(), c.id)
		if err != nil {
			t.Fatal(err)
		}
		return client{c.id, secret}
	}}
	narrow := func(keep ...string) clientChange {
		return clientChange{fmt.Sprintf("narrow scopes to %v", keep), func(t *testing.T, e *testEnv, c client) client {
			if _, err := clients(e).UpdateScopes(t.Context(), c.id, keep); err != nil {
				t.Fatal(err)
			}
			return c
		}}
	}
	disable := clientChange{"disable", func(t *testing.T, e *testEnv, c client) client {
		if _, err := clients(e).Disable(t.Context(), c.id); err != nil {
			t.Fatal(err)
		}
		return c
	}}
	disableEnable := clientChange{"disable and enable", func(t *testing.T, e *testEnv, c client) client {
		disable.apply(t, e, c)
		if _, err := clients(e).Enable(t.Context(), c.id); err != nil {
			t.Fatal(err)
		}
		return c
	}}
	del := clientChange{"delete", func(t *testing.T, e *testEnv, c client) client {
		if err := clients(e).Delete(t.Context(), c.id); err != nil {
			t.Fatal(err)
		}
		return c
	}}
	none := clientChange{"nothing", func(_ *testing.T, _ *testEnv, c client) client { return c }}
	earlier = []clientChange{none, rotate, narrow("echo:call", "other:call"), disableEnable}
	voiding = []clientChange{disable, del, rotate, narrow("echo:call")}
	return earlier, voiding
}

// TestClientCutoffsAreExact: a change that voids a client's tokens voids
// every token issued before it, however little before, including in the
// same second as an earlier change of the same client (where a cut-off by
// issue time, with iat in whole seconds, let the token through). Each
// combination runs at several sub-second spacings on a test clock that
// starts a fraction into a second.
func TestClientCutoffsAreExact(t *testing.T) {
	clk := newClock()
	clk.t = clk.t.Truncate(time.Second).Add(100 * time.Millisecond)
	e := newTestEnvClock(t, clk.now)
	earlier, voiding := cutoffChanges()
	spacings := []time.Duration{time.Microsecond, time.Millisecond, 100 * time.Millisecond, 399 * time.Millisecond}
	for _, before := range earlier {
		for _, cut := range voiding {
			t.Run(before.name+" then "+cut.name, func(t *testing.T) {
				for _, gap := range spacings {
					c := e.newClient("echo:call", "other:call", "third:call")
					c = before.apply(t, e, c)
					clk.advance(gap)
					tok := e.token(c, "echo:call")
					if r := e.callEcho(tok); r.status != 200 {
						t.Fatalf("gap %s: fresh token refused: %d %s", gap, r.status, r.body)
					}
					clk.advance(gap)
					cut.apply(t, e, c)
					if r := e.callEcho(tok); r.status != 401 {
						t.Fatalf("gap %s: token issued before %q still works: %d", gap, cut.name, r.status)
					}
					if _, err := e.srv.NewVerifier().Verify(t.Context(), tok); err == nil {
						t.Fatalf("gap %s: a fresh verifier accepts the token after %q", gap, cut.name)
					}
				}
			})
		}
	}
}

// TestTokenRacingADisableIsVoid: a token whose request was authenticated
// just before the client was disabled, and signed just after, is void too:
// the token carries the generation of the client record that was checked.
func TestTokenRacingADisableIsVoid(t *testing.T) {
	for i := range 10 {
		// A server per round: the failures after the disable would
		// otherwise throttle the next rounds' source address.
		e := newTestEnv(t)
		c := e.newClient("echo:call")
		var (
			mu     sync.Mutex
			tokens []string
			wg     sync.WaitGroup
		)
		first := make(chan struct{})
		var once sync.Once
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := 0; n < 200; n++ {
					r := e.tokenResponse(c, "echo:call")
					if r.status != 200 {
						return // disabled: no more tokens
					}
					mu.Lock()
					tokens = append(tokens, r.json(t)["access_token"].(string))
					mu.Unlock()
					once.Do(func() { close(first) })
				}
			}()
		}
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		select {
		case <-first:
		case <-done:
			t.Fatalf("round %d: no token was issued", i)
		}
		if _, err := e.srv.Clients().Disable(t.Context(), c.id); err != nil {
			t.Fatal(err)
		}
		<-done
		for _, tok := range tokens {
			if _, err := e.srv.Verifier().Verify(t.Context(), tok); err == nil {
				t.Fatalf("round %d: a token of %d survived the disable", i, len(tokens))
			}
		}
	}
}
