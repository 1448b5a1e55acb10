package egresstest_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"

	"github.com/secure-agent/saa/host/egress/egresstest"
)

// recorder is a testing.TB that records Errorf instead of failing.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}
func (r *recorder) Helper() {}

func TestLoopbackOnly(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	rec := &recorder{TB: t}
	dial := egresstest.LoopbackOnly(rec)
	c, err := dial(context.Background(), "tcp", l.Addr().String())
	if err != nil {
		t.Fatalf("dial loopback: %v", err)
	}
	c.Close()
	if len(rec.errors) != 0 {
		t.Fatalf("loopback dial reported %v", rec.errors)
	}
	for _, addr := range []string{"10.0.0.1:80", "169.254.169.254:80", "[fd00::1]:443", "93.184.216.34:443", "[::ffff:10.0.0.1]:80", "localhost:80"} {
		rec.errors = nil
		if c, err := dial(context.Background(), "tcp", addr); !errors.Is(err, egresstest.ErrOffMachine) {
			if c != nil {
				c.Close()
			}
			t.Fatalf("dial %s = %v, want ErrOffMachine", addr, err)
		}
		if len(rec.errors) != 1 {
			t.Fatalf("dial %s: test told %d times, want once", addr, len(rec.errors))
		}
	}
}
