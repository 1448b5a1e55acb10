package bundle_test

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/secure-agent/saa/host/bundle"
	"github.com/secure-agent/saa/manifests"
)

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

var errRefused = errors.New("refused by the precheck")

// TestPrecheckRunsBeforeTheModuleIsInflated: with the manifest first (as
// Pack writes it), Read asks the precheck before it reads the module, and
// a refusal stops it there; with the module first, the precheck still runs,
// with the module's real size.
func TestPrecheckRunsBeforeTheModuleIsInflated(t *testing.T) {
	wasm := fakeWasm(0)
	noise := make([]byte, 2<<20) // incompressible, so its bytes must be read
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range noise {
		noise[i] = byte(rng.Uint32())
	}
	wasm = append(wasm, noise...)
	m := manifestFor(wasm)
	manifestFirst := archive(t, file(bundle.ManifestYAML, m), file(bundle.WasmEntry, wasm))
	moduleFirst := archive(t, file(bundle.WasmEntry, wasm), file(bundle.ManifestYAML, m))

	var sizes []int64
	refuse := func(got *manifests.Manifest, size int64) error {
		if got.Name != "demo" {
			t.Errorf("precheck got manifest %q", got.Name)
		}
		sizes = append(sizes, size)
		return errRefused
	}
	src := &countingReader{r: bytes.NewReader(manifestFirst)}
	if _, err := bundle.Read(src, int64(len(manifestFirst)), bundle.Limits{}, refuse); !errors.Is(err, errRefused) {
		t.Fatalf("Read = %v, want the precheck's error", err)
	}
	if src.n > len(manifestFirst)/4 {
		t.Errorf("read %d of %d bytes before the refusal", src.n, len(manifestFirst))
	}
	if _, err := bundle.Read(bytes.NewReader(moduleFirst), int64(len(moduleFirst)), bundle.Limits{}, refuse); !errors.Is(err, errRefused) {
		t.Fatalf("Read with the module first = %v, want the precheck's error", err)
	}
	if len(sizes) != 2 || sizes[0] != int64(len(wasm)) || sizes[1] != int64(len(wasm)) {
		t.Errorf("precheck saw module sizes %v, want %d twice", sizes, len(wasm))
	}
	accept := func(*manifests.Manifest, int64) error { return nil }
	if b, err := bundle.Read(bytes.NewReader(manifestFirst), int64(len(manifestFirst)), bundle.Limits{}, accept); err != nil || !bytes.Equal(b.Wasm, wasm) {
		t.Fatalf("Read with an accepting precheck = %v", err)
	}
}

// TestReadBoundsTheStream: a declared size over the bound is refused before
// anything is read, and a stream shorter than its size is a broken archive.
func TestReadBoundsTheStream(t *testing.T) {
	data := pack(t, sample(t))
	src := &countingReader{r: bytes.NewReader(data)}
	if _, err := bundle.Read(src, 1<<30, bundle.Limits{}, nil); !errors.Is(err, bundle.ErrTooLarge) || src.n != 0 {
		t.Fatalf("oversized: %v after %d bytes", err, src.n)
	}
	if _, err := bundle.Read(bytes.NewReader(data[:len(data)/2]), int64(len(data)), bundle.Limits{}, nil); !errors.Is(err, bundle.ErrNotArchive) {
		t.Fatalf("truncated: %v", err)
	}
	if _, err := bundle.Read(bytes.NewReader(data), -1, bundle.Limits{}, nil); !errors.Is(err, bundle.ErrTooLarge) {
		t.Fatalf("unknown size: %v", err)
	}
}
