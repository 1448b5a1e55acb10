package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/secure-agent/saa/pdk"
)

// fakeGmail serves the two Gmail endpoints the plugin uses, for the bearer
// auth only, and keeps the raw messages it was sent.
func fakeGmail(t *testing.T, auth string, sent *[]string) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /gmail/v1/users/me/messages", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != auth {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"error":{"code":401,"message":"Request had invalid authentication credentials."}}`)
			return
		}
		if r.URL.Query().Get("maxResults") != "2" || r.URL.Query().Get("q") != "from:bob" {
			http.Error(w, "bad query "+r.URL.RawQuery, http.StatusBadRequest)
			return
		}
		io.WriteString(w, `{"messages":[{"id":"m1","threadId":"t1"},{"id":"m2","threadId":"t2"}],"resultSizeEstimate":2}`)
	})
	mux.HandleFunc("POST /gmail/v1/users/me/messages/send", func(w http.ResponseWriter, r *http.Request) {
		var body struct{ Raw string }
		if r.Header.Get("Authorization") != auth || json.NewDecoder(r.Body).Decode(&body) != nil {
			http.Error(w, "{}", http.StatusUnauthorized)
			return
		}
		raw, err := base64.URLEncoding.DecodeString(body.Raw)
		if err != nil {
			http.Error(w, "{}", http.StatusBadRequest)
			return
		}
		*sent = append(*sent, string(raw))
		io.WriteString(w, `{"id":"m3","threadId":"t3","labelIds":["SENT"]}`)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func send(req *pdk.HTTPRequest) (*pdk.HTTPResponse, error) {
	hr, err := http.NewRequest(req.Method, req.URL, bytes.NewReader(req.Body))
	if err != nil {
		return nil, err
	}
	for k, v := range req.Headers {
		hr.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return &pdk.HTTPResponse{Status: resp.StatusCode, Body: body}, err
}

func TestList(t *testing.T) {
	var sent []string
	srv := fakeGmail(t, pdk.Secret("gmail"), &sent)
	c := client{base: baseURL(srv.URL + "/"), send: send, auth: pdk.Secret("gmail")}
	out, err := c.list(listInput{Max: 2, Query: "from:bob"})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := json.Marshal(out); string(got) != `{"messages":[{"id":"m1","thread_id":"t1"},{"id":"m2","thread_id":"t2"}]}` {
		t.Fatalf("list = %s", got)
	}
	for _, max := range []int{-1, 51} {
		if _, err := c.list(listInput{Max: max}); !errors.Is(err, errInvalidInput) {
			t.Fatalf("max %d: err = %v", max, err)
		}
	}
	bad := client{base: srv.URL, send: send, auth: "Bearer wrong"}
	if _, err := bad.list(listInput{Max: 2, Query: "from:bob"}); err == nil || !strings.Contains(err.Error(), "gmail answered 401: Request had invalid") {
		t.Fatalf("bad auth: err = %v", err)
	}
}

func TestSend(t *testing.T) {
	var sent []string
	srv := fakeGmail(t, pdk.Secret("gmail"), &sent)
	c := client{base: srv.URL, send: send, auth: pdk.Secret("gmail")}
	out, err := c.sendMessage(sendInput{To: []string{"Bob <bob@example.com>"}, Subject: "Héllo", Body: "Hi Bob"})
	if err != nil || out.ID != "m3" || out.ThreadID != "t3" {
		t.Fatalf("send = %+v, %v", out, err)
	}
	if len(sent) != 1 || !strings.HasPrefix(sent[0], "To: \"Bob\" <bob@example.com>\r\nSubject: =?UTF-8?B?") ||
		!strings.HasSuffix(sent[0], "\r\n\r\n"+base64.StdEncoding.EncodeToString([]byte("Hi Bob"))) {
		t.Fatalf("raw message = %q", sent)
	}
	for name, in := range map[string]sendInput{
		"no recipient":            {Subject: "s"},
		"not an address":          {To: []string{"bob"}},
		"header smuggled in to":   {To: []string{"bob@example.com\r\nBcc: eve@example.com"}},
		"header smuggled subject": {To: []string{"bob@example.com"}, Subject: "hi\r\nBcc: eve@example.com"},
		"too many recipients":     {To: strings.Split(strings.Repeat("a@example.com,", 21), ",")[:21]},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := c.sendMessage(in); !errors.Is(err, errInvalidInput) {
				t.Fatalf("err = %v", err)
			}
		})
	}
	if len(sent) != 1 {
		t.Fatalf("a refused input was sent: %q", sent[1:])
	}
}

func FuzzCompose(f *testing.F) {
	f.Add("bob@example.com", "subject", "body")
	f.Add("a@b.c\r\nBcc: x@y.z", "s\nX: y", "b")
	f.Fuzz(func(t *testing.T, to, subject, body string) {
		raw, err := compose(sendInput{To: []string{to}, Subject: subject, Body: body})
		if err != nil {
			return
		}
		head, _, ok := strings.Cut(string(raw), "\r\n\r\n")
		if !ok || strings.Count(head, "\n") != 4 || strings.Count(head, "\r") != 4 {
			t.Fatalf("headers of %q %q are not the five fixed lines: %q", to, subject, head)
		}
	})
}
