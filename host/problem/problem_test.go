package problem_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/secure-agent/saa/host/problem"
)

func TestWrite(t *testing.T) {
	tests := []struct {
		name       string
		write      func(w http.ResponseWriter)
		wantStatus int
		wantType   string
		wantDetail string
	}{
		{
			name:       "explicit problem",
			write:      func(w http.ResponseWriter) { problem.Write(w, 404, problem.KindNotFound, "no such client") },
			wantStatus: 404,
			wantType:   "https://saa.dev/problems/not-found",
			wantDetail: "no such client",
		},
		{
			name: "wrapped problem error",
			write: func(w http.ResponseWriter) {
				problem.WriteError(w, fmt.Errorf("update client: %w", problem.New(409, problem.KindConflict, "exists")))
			},
			wantStatus: 409,
			wantType:   "https://saa.dev/problems/conflict",
			wantDetail: "exists",
		},
		{
			name: "plain error reveals nothing",
			write: func(w http.ResponseWriter) {
				problem.WriteError(w, errors.New("open /var/lib/saa/db: permission denied"))
			},
			wantStatus: 500,
			wantType:   "https://saa.dev/problems/internal",
			wantDetail: "internal error",
		},
		{
			name:       "unknown status keeps a title",
			write:      func(w http.ResponseWriter) { problem.Write(w, 599, problem.KindInternal, "") },
			wantStatus: 599,
			wantType:   "https://saa.dev/problems/internal",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			tt.write(rec)
			if rec.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d", rec.Code, tt.wantStatus)
			}
			if ct := rec.Header().Get("Content-Type"); ct != problem.ContentType {
				t.Fatalf("content type = %q", ct)
			}
			var body problem.Body
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatalf("decode: %v", err)
			}
			if body.Type != tt.wantType || body.Status != tt.wantStatus || body.Detail != tt.wantDetail || body.Title == "" {
				t.Fatalf("body = %+v", body)
			}
			if strings.Contains(rec.Body.String(), "/var/lib") {
				t.Fatalf("body leaks internals: %s", rec.Body.String())
			}
		})
	}
}

func TestErrorString(t *testing.T) {
	if got := problem.New(400, problem.KindBadRequest, "bad name").Error(); got != "bad-request: bad name" {
		t.Fatalf("Error() = %q", got)
	}
	if got := problem.New(400, problem.KindBadRequest, "").Error(); got != "bad-request" {
		t.Fatalf("Error() = %q", got)
	}
}

func TestWriteExtKeepsStandardMembers(t *testing.T) {
	w := httptest.NewRecorder()
	problem.WriteError(w, &problem.Error{Status: 409, Kind: "account-not-connected", Detail: "d",
		Ext: map[string]string{"connect_url": "https://x.test/c", "type": "https://evil.test", "status": "200", "detail": "forged"}})
	var body map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	if body["type"] != problem.TypeURI("account-not-connected") || body["status"] != float64(409) || body["detail"] != "d" || body["connect_url"] != "https://x.test/c" {
		t.Fatalf("body = %s", w.Body)
	}
}
