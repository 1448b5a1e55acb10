package host_test

import (
	"context"
	"errors"
	"testing"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/internal/strictjson/strictjsontest"
	"github.com/secure-agent/saa/host/plugintest"
)

// FuzzInvokeInput sends arbitrary action inputs through the whole Invoke
// path: each is refused as invalid input or echoed back exactly, and what
// is accepted is valid UTF-8, one JSON value, without duplicate names
// (checked by an independent parser).
func FuzzInvokeInput(f *testing.F) {
	for _, s := range []string{`{"message":"hi"}`, `{}`, `[]`, `{"message":"\u0000"}`, `{"message":1e999}`,
		`{"message":"a"}{"message":"b"}`, "\xff", `{"message":"x","message":"y"}`, `  {"message":""}  `,
		`{"message":{"not":"a string"},"message":"b"}`, "{\"message\":\"\xc3\x28\"}", `{"message":"\ud800"}`} {
		f.Add([]byte(s))
	}
	rt := newRuntime(f, plugintest.FirstParty("echo"))
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := rt.Invoke(context.Background(), caller("echo:call"), "echo", "echo", in)
		switch {
		case errors.Is(err, host.ErrInvalidInput):
		case err != nil:
			t.Fatalf("input %q: unexpected error %v", in, err)
		case string(out) != string(in):
			t.Fatalf("input %q came back as %q", in, out)
		default:
			if err := strictjsontest.Verify(in); err != nil {
				t.Fatalf("Invoke accepted %q: %v", in, err)
			}
		}
	})
}
