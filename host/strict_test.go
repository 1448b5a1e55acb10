package host_test

import (
	"context"
	"encoding/base64"
	"errors"
	"testing"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/plugintest"
)

// Ambiguous JSON is refused on the way in and on the way out: a duplicate
// name would let the schema check one member while the plugin or the caller
// reads another, and invalid UTF-8 is read differently by every decoder.
var ambiguous = map[string]string{
	"duplicate name":          `{"message":{"not":"a string"},"message":"b"}`,
	"duplicate name, same":    `{"message":"a","message":"a"}`,
	"escaped duplicate name":  `{"message":"a","\u006dessage":"b"}`,
	"invalid UTF-8":           "{\"message\":\"\xff\xfe\"}",
	"invalid UTF-8 in a name": "{\"message\":\"a\",\"\xc0\xaf\":1}",
	"lone surrogate":          `{"message":"\udc00"}`,
}

func TestAmbiguousInputIsRefused(t *testing.T) {
	rt := newRuntime(t, plugintest.FirstParty("echo"))
	p := caller("echo:call")
	for name, in := range ambiguous {
		t.Run(name, func(t *testing.T) {
			out, err := rt.Invoke(context.Background(), p, "echo", "echo", []byte(in))
			if !errors.Is(err, host.ErrInvalidInput) {
				t.Fatalf("Invoke(%q) = %q, %v; want ErrInvalidInput", in, out, err)
			}
			if err := rt.Check(p, "echo", "echo", []byte(in)); !errors.Is(err, host.ErrInvalidInput) {
				t.Fatalf("Check(%q) = %v; want ErrInvalidInput", in, err)
			}
		})
	}
}

func TestAmbiguousOutputIsWithheld(t *testing.T) {
	rt := newRuntime(t, plugintest.Testdata("rawout"))
	p := caller("rawout:emit")
	emit := func(raw string) ([]byte, error) {
		in := `{"raw":"` + base64.StdEncoding.EncodeToString([]byte(raw)) + `"}`
		return rt.Invoke(context.Background(), p, "rawout", "emit", []byte(in))
	}
	for name, raw := range ambiguous {
		t.Run(name, func(t *testing.T) {
			if out, err := emit(raw); !errors.Is(err, host.ErrInvalidOutput) {
				t.Fatalf("output %q came back as %q, %v; want ErrInvalidOutput", raw, out, err)
			}
		})
	}
	t.Run("strict output passes verbatim", func(t *testing.T) {
		want := ` {"message" : "é", "extra": [1.50]} `
		out, err := emit(want)
		if err != nil || string(out) != want {
			t.Fatalf("got %q, %v; want %q", out, err, want)
		}
	})
}
