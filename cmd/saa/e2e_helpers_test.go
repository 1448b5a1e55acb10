package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/secure-agent/saa/host/httpapi/openapi/openapitest"
)

// e2eBinary builds this command once per test binary: the end-to-end tests
// run the real `saa serve` as a process.
var e2eBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "saa-e2e-bin-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "saa")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %w\n%s", err, out)
	}
	return bin, nil
})

// e2eManifests returns the repository's manifests folder, whose plugins
// `make build` builds and pins (make test runs it first).
func e2eManifests(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("../../manifests")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat("../../plugins/echo/echo.wasm"); err != nil {
		t.Fatalf("plugins are not built: run make build (%v)", err)
	}
	return dir
}

// e2eServer is one `saa serve` process.
type e2eServer struct {
	t       *testing.T
	cmd     *exec.Cmd
	base    string
	dataDir string
	stdout  *syncBuffer
	stderr  *syncBuffer
	exited  chan error
	// openapi checks every answer against the served /openapi.json.
	openapi *openapitest.Checker
}

// syncBuffer is a bytes.Buffer safe for a process writer and a test reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// freePort returns a loopback address whose port is free now.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startServe starts `saa serve` on addr with dataDir and extra environment
// (NAME=value), and waits until it is ready.
func startServe(t *testing.T, addr, dataDir string, env ...string) *e2eServer {
	t.Helper()
	bin, err := e2eBinary()
	if err != nil {
		t.Fatal(err)
	}
	s := &e2eServer{t: t, base: "http://" + addr, dataDir: dataDir, stdout: &syncBuffer{}, stderr: &syncBuffer{}, exited: make(chan error, 1)}
	s.cmd = exec.Command(bin, "serve")
	s.cmd.Env = append(os.Environ(),
		"SAA_ADDR="+addr,
		"SAA_DATA_DIR="+dataDir,
		"SAA_PLUGINS_DIR="+e2eManifests(t),
		"SAA_EGRESS_ALLOW_CIDRS=127.0.0.1/32",
		"SAA_PUBLIC_URL=",
		"SAA_ADMIN_PASSWORD=",
		"ENVIRONMENT=local",
	)
	s.cmd.Env = append(s.cmd.Env, env...)
	s.cmd.Stdout, s.cmd.Stderr = s.stdout, s.stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.exited <- s.cmd.Wait() }()
	t.Cleanup(func() {
		if s.cmd.ProcessState == nil {
			s.cmd.Process.Kill()
			<-s.exited
		}
		if t.Failed() {
			t.Logf("saa serve stderr (tail):\n%s", tail(s.stderr.String(), 4000))
		}
	})
	// Start-up compiles every first-party plugin; on a loaded machine that
	// takes most of a minute.
	checkFor(t, 3*time.Minute, 20*time.Millisecond, func() error {
		select {
		case err := <-s.exited:
			s.exited <- err
			return fmt.Errorf("saa serve exited: %v\n%s", err, s.stderr.String())
		default:
		}
		resp, err := http.Get(s.base + "/readyz")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("readyz: %s", resp.Status)
		}
		return nil
	})
	return s
}

// stop sends sig and waits for the process to exit, returning its error.
func (s *e2eServer) stop(sig syscall.Signal) error {
	s.t.Helper()
	if err := s.cmd.Process.Signal(sig); err != nil {
		s.t.Fatal(err)
	}
	select {
	case err := <-s.exited:
		return err
	case <-time.After(60 * time.Second):
		s.t.Fatal("saa serve did not exit")
		return nil
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// adminPassword reads the generated admin password from the welcome text.
func (s *e2eServer) adminPassword() string {
	s.t.Helper()
	m := regexp.MustCompile(`Admin password: (\S+)`).FindStringSubmatch(s.stdout.String())
	if m == nil {
		s.t.Fatalf("no admin password in:\n%s", s.stdout.String())
	}
	return m[1]
}

// reply is an HTTP answer with its body.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// kind returns the problem type's last segment, "" if the answer is not a problem.
func (r reply) kind() string {
	if r.header.Get("Content-Type") != "application/problem+json" {
		return ""
	}
	var p struct {
		Type string `json:"type"`
	}
	json.Unmarshal(r.body, &p)
	return p.Type[strings.LastIndex(p.Type, "/")+1:]
}

// request sends method base+path; auth is "Bearer <token>" or "Basic
// user:password" or ""; headers are name, value pairs.
func (s *e2eServer) request(method, path, auth string, body io.Reader, headers ...string) reply {
	s.t.Helper()
	req, err := http.NewRequest(method, s.base+path, body)
	if err != nil {
		s.t.Fatal(err)
	}
	if user, ok := strings.CutPrefix(auth, "Basic "); ok {
		name, pw, _ := strings.Cut(user, ":")
		req.SetBasicAuth(name, pw)
	} else if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	s.checkAnswer(req, resp, b)
	return reply{resp.StatusCode, resp.Header, b}
}

// checkAnswer holds the answer to the served OpenAPI document: its status,
// content type and body. The document changes when a plugin is approved,
// so a disagreement is checked again against a fresh copy.
func (s *e2eServer) checkAnswer(req *http.Request, resp *http.Response, body []byte) {
	s.t.Helper()
	check := func() error {
		return s.openapi.Check(req.Method, req.URL.Path, resp.StatusCode, resp.Header, body)
	}
	if s.openapi != nil && check() == nil {
		return
	}
	s.loadOpenAPI()
	if err := check(); err != nil {
		s.t.Errorf("OpenAPI: %v", err)
	}
}

// loadOpenAPI reads the server's current /openapi.json.
func (s *e2eServer) loadOpenAPI() {
	s.t.Helper()
	resp, err := http.Get(s.base + "/openapi.json")
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	doc, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		s.t.Fatalf("GET /openapi.json: %d %v", resp.StatusCode, err)
	}
	if s.openapi, err = openapitest.New(doc, openapitest.DefaultOptions()); err != nil {
		s.t.Fatal(err)
	}
}

// postJSON posts a JSON body.
func (s *e2eServer) postJSON(path, auth, body string, headers ...string) reply {
	s.t.Helper()
	return s.request(http.MethodPost, path, auth, strings.NewReader(body), append([]string{"Content-Type", "application/json"}, headers...)...)
}

// decode unmarshals r's body into v, failing the test unless r has status want.
func (s *e2eServer) decode(r reply, want int, v any) {
	s.t.Helper()
	if r.status != want {
		s.t.Fatalf("status %d, want %d: %s", r.status, want, r.body)
	}
	if err := json.Unmarshal(r.body, v); err != nil {
		s.t.Fatalf("decode %s: %v", r.body, err)
	}
}

// newClient creates a client through the admin API, as the walkthrough does.
func (s *e2eServer) newClient(adminAuth string, scopes ...string) (id, secret string) {
	s.t.Helper()
	body, _ := json.Marshal(map[string]any{"name": "e2e", "scopes": scopes})
	var c struct {
		ID     string `json:"client_id"`
		Secret string `json:"client_secret"`
	}
	s.decode(s.postJSON("/admin/api/v1/clients", adminAuth, string(body)), http.StatusCreated, &c)
	return c.ID, c.Secret
}

// token gets an access token for a client with the client-credentials grant.
func (s *e2eServer) token(id, secret string, scopes ...string) string {
	s.t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {strings.Join(scopes, " ")}}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	r := s.request(http.MethodPost, "/oauth2/token", "Basic "+id+":"+secret, strings.NewReader(form.Encode()),
		"Content-Type", "application/x-www-form-urlencoded")
	s.decode(r, http.StatusOK, &tok)
	return "Bearer " + tok.AccessToken
}

// checkFor polls fn until it returns nil or timeout passes.
func checkFor(t *testing.T, timeout, interval time.Duration, fn func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := fn()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %v", timeout, err)
		}
		<-time.After(interval)
	}
}

// errPending is returned by checkFor conditions that do not hold yet.
var errPending = errors.New("pending")
