package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// secrets are what the benchmark passes to `saa serve` instead of letting it
// generate them, so that the floor can verify the same tokens.
type secrets struct {
	privPEM, pubPEM, masterKey, adminPassword string
}

func newSecrets() (secrets, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return secrets{}, err
	}
	priv, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return secrets{}, err
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return secrets{}, err
	}
	master := make([]byte, 32)
	pw := make([]byte, 18)
	rand.Read(master)
	rand.Read(pw)
	return secrets{
		privPEM:       string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: priv})),
		pubPEM:        string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})),
		masterKey:     base64.StdEncoding.EncodeToString(master),
		adminPassword: base64.RawURLEncoding.EncodeToString(pw),
	}, nil
}

// freeAddr returns a loopback address with a port free right now.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// startSAA starts `saa serve` on addr with its data in dir and its output in
// dir/saa.log, and waits until it is ready.
func startSAA(ctx context.Context, bin, pluginsDir, dir, addr string, s secrets) (*exec.Cmd, error) {
	logf, err := os.Create(filepath.Join(dir, "saa.log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, bin, "serve")
	cmd.Env = append(os.Environ(),
		"SAA_ADDR="+addr,
		"SAA_DATA_DIR="+filepath.Join(dir, "data"),
		"SAA_PLUGINS_DIR="+pluginsDir,
		"SAA_ADMIN_PASSWORD="+s.adminPassword,
		"SAA_MASTER_KEY="+s.masterKey,
		"JWT_PRIVATE_KEY="+s.privPEM,
		"JWT_PUBLIC_KEY="+s.pubPEM,
	)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	if err := waitReady(ctx, "http://"+addr+"/readyz", 60*time.Second); err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return nil, fmt.Errorf("%w (see %s)", err, logf.Name())
	}
	return cmd, nil
}

// waitReady polls url until it answers 200.
func waitReady(ctx context.Context, url string, within time.Duration) error {
	deadline := time.Now().Add(within)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for time.Now().Before(deadline) {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
	return fmt.Errorf("server not ready after %s", within)
}

// token creates a client allowed scopes through the admin API and returns
// an access token for it.
func token(base, adminPassword string, scopes []string) (string, error) {
	body, _ := json.Marshal(map[string]any{"name": "bench", "scopes": scopes})
	req, _ := http.NewRequest(http.MethodPost, base+"/admin/api/v1/clients", bytes.NewReader(body))
	req.SetBasicAuth("admin", adminPassword)
	req.Header.Set("Content-Type", "application/json")
	var client struct {
		ID     string `json:"client_id"`
		Secret string `json:"client_secret"`
	}
	if err := doJSON(req, http.StatusCreated, &client); err != nil {
		return "", fmt.Errorf("create client: %w", err)
	}
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {strings.Join(scopes, " ")}}
	req, _ = http.NewRequest(http.MethodPost, base+"/oauth2/token", strings.NewReader(form.Encode()))
	req.SetBasicAuth(client.ID, client.Secret)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := doJSON(req, http.StatusOK, &tok); err != nil {
		return "", fmt.Errorf("get token: %w", err)
	}
	return tok.AccessToken, nil
}

func doJSON(req *http.Request, want int, v any) error {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != want {
		return fmt.Errorf("%s: %s", resp.Status, b)
	}
	return json.Unmarshal(b, v)
}
