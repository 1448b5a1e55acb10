package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/problem"
)

// TestAccountNotConnectedProblem: a call that needs the user's connected
// account answers 409 account-not-connected with the URL where the user
// connects it, whatever wraps the runtime's error.
func TestAccountNotConnectedProblem(t *testing.T) {
	const connect = "https://saa.test/account/connections/google/connect"
	err := fmt.Errorf("invoke: %w", &host.AccountError{Secret: "gmail", Provider: "google", ConnectURL: connect})
	w := httptest.NewRecorder()
	(&Server{}).writeInvokeError(w, err)
	if w.Code != http.StatusConflict || w.Header().Get("Content-Type") != problem.ContentType {
		t.Fatalf("answer = %d %s", w.Code, w.Header().Get("Content-Type"))
	}
	var body map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	if body["type"] != problem.TypeURI("account-not-connected") || body["connect_url"] != connect || body["provider"] != "google" || body["secret"] != "gmail" ||
		body["status"] != float64(409) || !strings.Contains(body["detail"].(string), connect) {
		t.Fatalf("body = %s", w.Body)
	}
	if outcome(err) != "account-not-connected" {
		t.Fatalf("metrics outcome = %s", outcome(err))
	}
}
