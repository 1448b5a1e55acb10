package adminapi_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/adminapi"
	"github.com/secure-agent/saa/host/audit"
	"github.com/secure-agent/saa/host/auth"
)

const octets = adminapi.BundleContentType

// TestPublishAuthentication checks that POST /plugins admits a publisher
// token, and that nothing else does.
func TestPublishAuthentication(t *testing.T) {
	e := newPluginEnv(t)
	publisher := bearer(e.token(adminapi.ScopePublish))
	viewer := basic("viewer", "viewer password")
	uploads := []struct {
		name    string
		cred    cred
		version string
		want    int
	}{
		{"no credentials", none, "1.0.0", 401},
		{"token without scope", bearer(e.token("echo:call")), "1.0.0", 403},
		{"viewer", viewer, "1.0.0", 403},
		{"publisher token", publisher, "1.0.0", 201},
		{"admin token", bearer(e.token(auth.ScopeAdmin)), "1.1.0", 201},
		{"admin password", admin, "1.2.0", 201},
	}
	for _, tc := range uploads {
		t.Run("upload by "+tc.name, func(t *testing.T) {
			if r := e.upload(tc.cred, e.bundle(tc.version), octets); r.status != tc.want {
				t.Fatalf("got %d %s, want %d", r.status, r.raw, tc.want)
			}
		})
	}
	elsewhere := []struct{ method, path, body string }{
		{"GET", "/plugins", ""},
		{"GET", "/plugins/echo", ""},
		{"GET", "/plugins/echo/versions/1.0.0", ""},
		{"POST", "/plugins/echo/versions/1.0.0/approve", ""},
		{"POST", "/plugins/echo/versions/1.0.0/reject", `{"reason":"x"}`},
		{"POST", "/plugins/echo/disable", ""},
		{"POST", "/plugins/echo/rollback", `{"version":"1.0.0"}`},
		{"PUT", "/publishers/saa", `{"require_signature":false}`},
		{"PUT", "/secrets/echo/token", `{"value":"x"}`},
		{"GET", "/secrets", ""},
		{"POST", "/clients", `{"name":"x","scopes":["admin"]}`},
	}
	for _, tc := range elsewhere {
		t.Run("publisher refused on "+tc.method+" "+tc.path, func(t *testing.T) {
			r := e.call(tc.method, tc.path, publisher, tc.body)
			if r.status != 403 || !strings.Contains(r.header.Get("WWW-Authenticate"), `scope="admin"`) {
				t.Fatalf("got %d %s, want 403 insufficient scope", r.status, r.raw)
			}
		})
	}
	t.Run("viewer may read but not approve", func(t *testing.T) {
		if r := e.call("GET", "/plugins/echo/versions/1.0.0", viewer, ""); r.status != 200 {
			t.Fatalf("read: %d %s", r.status, r.raw)
		}
		if r := e.call("POST", "/plugins/echo/versions/1.0.0/approve", viewer, ""); r.status != 403 {
			t.Fatalf("approve: %d %s", r.status, r.raw)
		}
		if err := e.invoke(); !errors.Is(err, host.ErrNotFound) {
			t.Fatalf("echo runs: %v", err)
		}
	})
}

// TestUploadRefusals checks the answers to bad uploads.
func TestUploadRefusals(t *testing.T) {
	e := newPluginEnv(t)
	cases := []struct {
		name        string
		data        []byte
		contentType string
		want        int
		kind        string
		detail      string
	}{
		{"wrong media type", e.bundle("1.0.0"), "application/x-www-form-urlencoded", 415, adminapi.KindUnsupportedMedia, "application/octet-stream"},
		{"over the limit", make([]byte, maxTestBundle+1), octets, 413, adminapi.KindPayloadTooLarge, "at most"},
		{"not a bundle", []byte("hello"), octets, 422, adminapi.KindInvalidBundle, "not a gzip-compressed tar"},
		{"empty body", nil, octets, 422, adminapi.KindInvalidBundle, "not a gzip-compressed tar"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.upload(admin, tc.data, tc.contentType)
			if r.status != tc.want || !strings.HasSuffix(r.body["type"].(string), tc.kind) || !strings.Contains(r.raw, tc.detail) {
				t.Fatalf("got %d %s, want %d %s", r.status, r.raw, tc.want, tc.kind)
			}
		})
	}
}

// TestReviewFlow drives a plugin through its review over HTTP and checks
// the audit log names the admin for every change.
func TestReviewFlow(t *testing.T) {
	e := newPluginEnv(t)
	pubClient := e.token(adminapi.ScopePublish)
	up := e.upload(bearer(pubClient), e.bundle("1.0.0"), octets)
	if up.status != 201 || up.body["status"] != "pending" || up.header.Get("Location") != adminapi.Prefix+"/plugins/echo/versions/1.0.0" {
		t.Fatalf("upload: %d %s", up.status, up.raw)
	}
	_, key, _ := ed25519.GenerateKey(nil)
	pub := base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey))
	steps := []struct {
		name, method, path, body string
		want                     int
		check                    func(t *testing.T, r resp)
	}{
		{"review shows what it asks", "GET", "/plugins/echo/versions/1.0.0", "", 200, func(t *testing.T, r resp) {
			rev := r.body["review"].(map[string]any)
			if !strings.Contains(r.raw, `"echo:call"`) || rev["limits"].(map[string]any)["timeout"] != "2s" ||
				r.body["needs_approval"] != true || r.body["sha256"] == "" || r.body["signature"].(map[string]any)["signed"] != false {
				t.Fatalf("review = %s", r.raw)
			}
		}},
		{"approve", "POST", "/plugins/echo/versions/1.0.0/approve", "", 200, func(t *testing.T, r resp) {
			if r.body["status"] != "approved" || r.body["reviewed_by"] != auth.AdminUser || e.invoke() != nil {
				t.Fatalf("approve = %s, invoke %v", r.raw, e.invoke())
			}
		}},
		{"approve again", "POST", "/plugins/echo/versions/1.0.0/approve", "", 409, nil},
		{"publish a version asking a new host", "", "", "", 0, func(t *testing.T, _ resp) {
			r := e.upload(bearer(pubClient), e.bundle("1.1.0", "actions:", "egress: [https://api.example.com]\nactions:"), octets)
			if r.status != 201 || !strings.Contains(r.raw, `"added_egress":["https://api.example.com"]`) {
				t.Fatalf("upload: %d %s", r.status, r.raw)
			}
		}},
		{"reject it", "POST", "/plugins/echo/versions/1.1.0/reject", `{"reason":"why this host?"}`, 200, func(t *testing.T, r resp) {
			if r.body["status"] != "rejected" || r.body["reason"] != "why this host?" {
				t.Fatalf("reject = %s", r.raw)
			}
		}},
		{"rollback to rejected", "POST", "/plugins/echo/rollback", `{"version":"1.1.0"}`, 409, nil},
		{"disable", "POST", "/plugins/echo/disable", "", 200, func(t *testing.T, r resp) {
			if r.body["enabled"] != false || !errors.Is(e.invoke(), host.ErrNotFound) {
				t.Fatalf("disable = %s", r.raw)
			}
		}},
		{"enable", "POST", "/plugins/echo/enable", "", 200, func(t *testing.T, r resp) {
			if r.body["enabled"] != true || e.invoke() != nil {
				t.Fatalf("enable = %s", r.raw)
			}
		}},
		{"rollback to active", "POST", "/plugins/echo/rollback", `{"version":"1.0.0"}`, 200, nil},
		{"list", "GET", "/plugins", "", 200, func(t *testing.T, r resp) {
			if p := r.body["plugins"].([]any); len(p) != 1 || p[0].(map[string]any)["active"] != "1.0.0" {
				t.Fatalf("list = %s", r.raw)
			}
		}},
		{"missing plugin", "GET", "/plugins/nope", "", 404, nil},
		{"trust a key", "PUT", "/publishers/saa/keys", `{"public_key":"` + pub + `"}`, 200, func(t *testing.T, r resp) {
			if len(r.body["keys"].([]any)) != 1 {
				t.Fatalf("trust = %s", r.raw)
			}
		}},
		{"bad key", "PUT", "/publishers/saa/keys", `{"public_key":"AAAA"}`, 400, nil},
		{"require signatures", "PUT", "/publishers/saa", `{"require_signature":true}`, 200, func(t *testing.T, r resp) {
			if r.body["require_signature"] != true {
				t.Fatalf("publisher = %s", r.raw)
			}
			up := e.upload(bearer(pubClient), e.bundle("1.2.0"), octets)
			if up.status != 422 || !strings.HasSuffix(up.body["type"].(string), adminapi.KindSignatureRequired) {
				t.Fatalf("unsigned upload: %d %s", up.status, up.raw)
			}
		}},
		{"set a secret nobody declares", "PUT", "/secrets/echo/token", `{"value":"s3cr3t"}`, 404, nil},
		{"secrets list", "GET", "/secrets", "", 200, func(t *testing.T, r resp) {
			if r.raw != "{\"secrets\":[]}\n" {
				t.Fatalf("secrets = %s", r.raw)
			}
		}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			var r resp
			if s.method != "" {
				if r = e.call(s.method, s.path, admin, s.body); r.status != s.want {
					t.Fatalf("status %d %s, want %d", r.status, r.raw, s.want)
				}
			}
			if s.check != nil {
				s.check(t, r)
			}
		})
	}
	t.Run("audit names who did every change", func(t *testing.T) {
		checkAudit(t, e.adminEntries())
	})
}

// checkAudit compares the admin entries with the changes TestReviewFlow made.
func checkAudit(t *testing.T, entries []audit.Entry) {
	t.Helper()
	var got []string
	for _, en := range entries {
		if strings.HasPrefix(en.Subject, "client:") {
			en.Subject = "client"
		}
		got = append(got, en.Subject+" "+en.Action+" "+en.Plugin+" "+en.Outcome)
	}
	want := []string{
		"client plugin.submit echo ok",
		"client publisher.claim  ok",
		"admin plugin.approve echo ok",
		"admin plugin.approve echo http-409",
		"client plugin.submit echo ok",
		"admin plugin.reject echo ok",
		"admin plugin.rollback echo http-409",
		"admin plugin.disable echo ok",
		"admin plugin.enable echo ok",
		"admin plugin.rollback echo ok",
		"admin publisher.trust_key  ok",
		"admin publisher.trust_key  http-400",
		"admin publisher.require_signature  ok",
		"client plugin.submit  http-422",
		"admin secret.put echo http-404",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("admin entries:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
