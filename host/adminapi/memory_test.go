package adminapi_test

import (
	"bytes"
	"io"
	"math/rand/v2"
	"net/http"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/secure-agent/saa/host/adminapi"
	"github.com/secure-agent/saa/host/adminapi/adminapitest"
	"github.com/secure-agent/saa/host/bundle"
)

// TestConcurrentHostileUploadsStayBounded sends many large bundles at once
// (each inflating to a 16 MiB module that does not match its manifest, so
// that each must be read in full before it is refused) and measures the
// server's peak heap. Reading them one or two at a time keeps the peak near
// a few modules; reading them all at once, as a server without a bound
// does, holds every body and every module together.
func TestConcurrentHostileUploadsStayBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates a few hundred MiB")
	}
	const (
		uploads    = 24
		moduleSize = 16 << 20
	)
	e := newPluginEnv(t)
	s := adminapitest.Start(t, adminapitest.Options{AdminPassword: adminPassword, MaxBundleBytes: 32 << 20})
	e.url, e.hc = s.URL, s.Client
	data := hostileBundle(t, e.manifest, moduleSize)
	t.Logf("bundle: %d bytes compressed, module %d bytes", len(data), moduleSize)

	// A low GC target makes the heap track what is live rather than the
	// collector's pacing: the garbage of refused uploads is not the point.
	defer debug.SetGCPercent(debug.SetGCPercent(10))
	runtime.GC()
	base := heapBytes()
	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			if h := heapBytes(); h > peak.Load() {
				peak.Store(h)
			}
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	// Every upload sends all but its last KiB, then all end together: the
	// server sees them all at once, as from slow clients.
	var wg sync.WaitGroup
	var arrived atomic.Int32
	release := make(chan struct{})
	statuses := make([]int, uploads)
	for i := range uploads {
		wg.Go(func() {
			body := io.MultiReader(bytes.NewReader(data[:len(data)-1024]), &gated{arrived: &arrived, release: release}, bytes.NewReader(data[len(data)-1024:]))
			statuses[i] = e.uploadFrom(admin, body, int64(len(data))).status
		})
	}
	for deadline := time.Now().Add(5 * time.Second); arrived.Load() < uploads && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	close(release)
	wg.Wait()
	close(stop)
	<-sampled
	grew := int64(peak.Load()) - int64(base)
	t.Logf("peak heap %d MiB above the baseline of %d MiB; statuses %v", grew>>20, base>>20, statuses)
	for i, st := range statuses {
		if st != http.StatusUnprocessableEntity && st != http.StatusServiceUnavailable {
			t.Errorf("upload %d: status %d, want 422 (hash mismatch) or 503 (busy)", i, st)
		}
	}
	if bound := int64(10 * moduleSize); grew > bound {
		t.Errorf("heap grew by %d MiB under %d concurrent uploads, bound %d MiB", grew>>20, uploads, bound>>20)
	}
}

// gated is an empty reader that blocks until release is closed, counting
// the readers that reached it.
type gated struct {
	arrived *atomic.Int32
	release chan struct{}
	once    sync.Once
}

func (g *gated) Read([]byte) (int, error) {
	g.once.Do(func() { g.arrived.Add(1) })
	<-g.release
	return 0, io.EOF
}

// uploadFrom posts a bundle of size bytes from body to /plugins.
func (e *pluginEnv) uploadFrom(c cred, body io.Reader, size int64) resp {
	req, err := http.NewRequest(http.MethodPost, e.url+adminapi.Prefix+"/plugins", body)
	if err != nil {
		e.t.Error(err)
		return resp{}
	}
	req.ContentLength = size
	req.Header.Set("Content-Type", octets)
	c(req)
	res, err := e.hc.Do(req)
	if err != nil {
		e.t.Error(err)
		return resp{}
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return resp{status: res.StatusCode, header: res.Header, raw: string(raw)}
}

// hostileBundle packs manifest (its module's hash left as it is) with a
// wasm-looking module of size bytes that compresses about fourfold.
func hostileBundle(t *testing.T, manifest []byte, size int) []byte {
	t.Helper()
	wasm := make([]byte, size)
	copy(wasm, []byte{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00})
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 8; i < size; i += 32 {
		bits := rng.Uint64()
		for j := i; j < min(i+32, size); j++ {
			wasm[j] = "abcd"[bits&3]
			bits >>= 2
		}
	}
	b := &bundle.Bundle{ManifestName: bundle.ManifestYAML, ManifestRaw: manifest, Wasm: wasm}
	var buf bytes.Buffer
	if err := b.Pack(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// heapBytes is the heap the last collection found live.
func heapBytes() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// TestBundleParsesAreCapped: while the registry reads as many bundles as
// it may (one here), another upload waits briefly and is then refused with
// 503 and a Retry-After; once the slot is free, uploads go through.
func TestBundleParsesAreCapped(t *testing.T) {
	e := newPluginEnv(t)
	s := adminapitest.Start(t, adminapitest.Options{AdminPassword: adminPassword, MaxParses: 1, ParseWait: 50 * time.Millisecond})
	e.url, e.hc = s.URL, s.Client
	data := e.bundle("1.0.0")
	pr, pw := io.Pipe()
	stalled := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, e.url+adminapi.Prefix+"/plugins", pr)
		req.ContentLength = int64(len(data))
		req.Header.Set("Content-Type", octets)
		admin(req)
		res, err := e.hc.Do(req)
		if err != nil {
			stalled <- 0
			return
		}
		res.Body.Close()
		stalled <- res.StatusCode
	}()
	if _, err := pw.Write(data[:10]); err != nil { // the server is reading it now
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	var r resp
	for {
		r = e.upload(admin, e.bundle("1.1.0"), octets)
		if r.status == http.StatusServiceUnavailable || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" || !strings.HasSuffix(r.body["type"].(string), "/unavailable") {
		t.Fatalf("upload while the slot is taken: %d %v %s", r.status, r.header, r.raw)
	}
	if _, err := pw.Write(data[10:]); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	if st := <-stalled; st != http.StatusCreated {
		t.Fatalf("the stalled upload ended with %d", st)
	}
	if r := e.upload(admin, e.bundle("1.1.0"), octets); r.status != http.StatusCreated {
		t.Fatalf("after the slot was freed: %d %s", r.status, r.raw)
	}
}
