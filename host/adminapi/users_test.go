package adminapi_test

import (
	"net/http"
	"slices"
	"testing"
)

func TestCreateUsersOfEveryRole(t *testing.T) {
	e := newEnv(t)
	for _, role := range []string{"admin", "viewer", "user"} {
		r := e.call(http.MethodPost, "/users", admin, `{"name":"u-`+role+`","password":"a long enough password","role":"`+role+`"}`)
		if r.status != http.StatusCreated || r.body["role"] != role || r.body["password"] != nil {
			t.Fatalf("create %s: %d %s", role, r.status, r.raw)
		}
	}
	for name, body := range map[string]string{
		"unknown role":   `{"name":"u-x","password":"a long enough password","role":"root"}`,
		"short password": `{"name":"u-y","password":"short","role":"user"}`,
		"duplicate":      `{"name":"u-user","password":"a long enough password","role":"user"}`,
		"unknown field":  `{"name":"u-z","password":"a long enough password","role":"user","x":1}`,
	} {
		if r := e.call(http.MethodPost, "/users", admin, body); r.status/100 != 4 {
			t.Errorf("%s: %d %s, want 4xx", name, r.status, r.raw)
		}
	}
	// A viewer may not create users.
	viewer := basic("u-viewer", "a long enough password")
	if r := e.call(http.MethodPost, "/users", viewer, `{"name":"u-v2","password":"a long enough password","role":"admin"}`); r.status != http.StatusForbidden {
		t.Fatalf("viewer created a user: %d", r.status)
	}
}

func TestEndUsersNeverReachTheAdminAPI(t *testing.T) {
	e := newEnv(t)
	if r := e.call(http.MethodPost, "/users", admin, `{"name":"enduser","password":"a long enough password","role":"user"}`); r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.raw)
	}
	u := basic("enduser", "a long enough password")
	for _, path := range []string{"/clients", "/keys"} {
		if r := e.call(http.MethodGet, path, u, ""); r.status != http.StatusForbidden {
			t.Errorf("GET %s as an end user: %d, want 403", path, r.status)
		}
	}
}

func TestCreateClientForTheCodeFlow(t *testing.T) {
	e := newEnv(t)
	r := e.call(http.MethodPost, "/clients", admin, `{"name":"mail agent","scopes":["echo:call"],"redirect_uris":["https://agent.example/cb"],"public":true}`)
	if r.status != http.StatusCreated || r.body["public"] != true || r.body["client_secret"] != nil {
		t.Fatalf("create public client: %d %s", r.status, r.raw)
	}
	uris, _ := r.body["redirect_uris"].([]any)
	if !slices.Equal(uris, []any{"https://agent.example/cb"}) {
		t.Fatalf("redirect_uris = %v", r.body["redirect_uris"])
	}
	for name, body := range map[string]string{
		"public without redirect": `{"name":"p","scopes":["echo:call"],"public":true}`,
		"plain http":              `{"name":"p","scopes":["echo:call"],"redirect_uris":["http://agent.example/cb"]}`,
		"fragment":                `{"name":"p","scopes":["echo:call"],"redirect_uris":["https://agent.example/cb#x"]}`,
		"relative":                `{"name":"p","scopes":["echo:call"],"redirect_uris":["/cb"]}`,
	} {
		if r := e.call(http.MethodPost, "/clients", admin, body); r.status != http.StatusBadRequest {
			t.Errorf("%s: %d %s, want 400", name, r.status, r.raw)
		}
	}
}
