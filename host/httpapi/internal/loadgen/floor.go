package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/golang-jwt/jwt/v5"

	"github.com/secure-agent/saa/host/auth"
	"github.com/secure-agent/saa/host/auth/authstore"
	"github.com/secure-agent/saa/host/store"
)

// startFloor serves the floor: a bare chi handler behind the same JWT check
// as SAA (auth.Verifier, with the same signing key, issuer and audience, and
// the deny-list and client checks on bbolt), echoing the body natively. It
// is what the server would cost with no runtime, no sandbox and no schema.
// tok is the token the load will carry: its client is recorded in the
// floor's own store, as SAA's verifier requires the client to exist. It
// returns its URL and a function that stops it.
func startFloor(dir, publicURL, privPEM, pubPEM, tok string) (string, func(), error) {
	db, err := store.Open(filepath.Join(dir, "floor.db"))
	if err != nil {
		return "", nil, err
	}
	if err := mirrorClient(db.Auth(), tok); err != nil {
		db.Close()
		return "", nil, err
	}
	cfg := auth.DefaultConfig()
	cfg.PublicURL, cfg.DataDir, cfg.Store = publicURL, dir, db.Auth()
	cfg.PrivateKeyPEM, cfg.PublicKeyPEM = privPEM, pubPEM
	as, err := auth.New(cfg)
	if err != nil {
		db.Close()
		return "", nil, err
	}
	r := chi.NewRouter()
	r.With(as.Verifier().Authenticate).Post("/v1/actions/echo/echo", echo)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		db.Close()
		return "", nil, err
	}
	srv := &http.Server{Handler: r}
	go srv.Serve(ln)
	stop := func() { srv.Close(); db.Close() }
	return "http://" + ln.Addr().String() + "/v1/actions/echo/echo", stop, nil
}

// echo answers with the request body, as the echo plugin does, after the
// same size and JSON checks the real handler makes.
func echo(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil || !json.Valid(body) {
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}

// mirrorClient records tok's client, at tok's generation, in clients. The
// token is not verified here: the floor's verifier does that on every call.
func mirrorClient(clients authstore.Clients, tok string) error {
	var claims struct {
		jwt.RegisteredClaims
		ClientID   string `json:"client_id"`
		Generation uint64 `json:"gen"`
	}
	if _, _, err := jwt.NewParser().ParseUnverified(tok, &claims); err != nil {
		return fmt.Errorf("read token claims: %w", err)
	}
	return clients.CreateClient(context.Background(), authstore.Client{
		ID: claims.ClientID, Name: "floor", Status: authstore.ClientActive,
		Generation: claims.Generation, CreatedAt: time.Now(),
	})
}
