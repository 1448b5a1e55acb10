package openapitest

import (
	"errors"
	"net/http"
	"testing"
)

const testDoc = `{
  "openapi": "3.1.0",
  "paths": {
    "/v1/runs/{id}": {"get": {"responses": {
      "200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Run"}}}},
      "404": {"$ref": "#/components/responses/Problem"}
    }}},
    "/v1/runs/special": {"get": {"responses": {"204": {"description": "nothing"}}}}
  },
  "components": {
    "schemas": {
      "Run": {"type": "object", "properties": {"id": {"type": "string"}, "n": {"type": "integer", "maximum": 9007199254740993}}, "required": ["id"]},
      "Problem": {"type": "object", "properties": {"type": {"type": "string", "format": "uri"}, "status": {"type": "integer"}}, "required": ["type", "status"]}
    },
    "responses": {"Problem": {"description": "error", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}}
  }
}`

func TestCheck(t *testing.T) {
	c, err := New([]byte(testDoc), Options{Undocumented: []string{"/admin"}, Closed: []string{"Problem"}})
	if err != nil {
		t.Fatal(err)
	}
	js := http.Header{"Content-Type": {"application/json; charset=utf-8"}}
	pj := http.Header{"Content-Type": {"application/problem+json"}}
	problem := `{"type":"https://saa.dev/problems/not-found","status":404}`
	tests := []struct {
		name, method, path string
		status             int
		header             http.Header
		body               string
		ok                 bool
	}{
		{"documented", "GET", "/v1/runs/r1", 200, js, `{"id":"r1","n":9007199254740993}`, true},
		{"literal path before template", "GET", "/v1/runs/special", 204, http.Header{}, ``, true},
		{"problem through a $ref", "GET", "/v1/runs/r1", 404, pj, problem, true},
		{"undocumented prefix", "POST", "/admin/x", 500, js, `nonsense`, true},
		{"unknown path answers a problem", "GET", "/v1/nope", 404, pj, problem, true},
		{"member an open schema lacks", "GET", "/v1/runs/r1", 200, js, `{"id":"r1","result":{}}`, true},
		{"member a closed schema lacks", "GET", "/v1/runs/r1", 404, pj, `{"type":"https://saa.dev/problems/x","status":404,"kind":"x"}`, false},
		{"missing member", "GET", "/v1/runs/r1", 200, js, `{}`, false},
		{"number over the maximum", "GET", "/v1/runs/r1", 200, js, `{"id":"r1","n":9007199254740994}`, false},
		{"status not documented", "GET", "/v1/runs/r1", 409, pj, problem, false},
		{"method not documented", "DELETE", "/v1/runs/r1", 200, js, `{"id":"r1"}`, false},
		{"wrong content type", "GET", "/v1/runs/r1", 200, pj, `{"id":"r1"}`, false},
		{"problem as plain JSON", "GET", "/v1/runs/r1", 404, js, problem, false},
		{"not JSON", "GET", "/v1/runs/r1", 200, js, `{"id":`, false},
		{"body where none is documented", "GET", "/v1/runs/special", 204, js, `{}`, false},
		{"unknown path answers 200", "GET", "/v1/nope", 200, js, `{}`, false},
		{"bad problem type", "GET", "/v1/runs/r1", 404, pj, `{"type":"not a uri","status":404}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := c.Check(tt.method, tt.path, tt.status, tt.header, []byte(tt.body))
			if (err == nil) != tt.ok {
				t.Fatalf("Check = %v, want ok %v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrMismatch) {
				t.Fatalf("Check = %v, want ErrMismatch", err)
			}
		})
	}
	if got := c.Seen()["GET /v1/runs/{id} 200"]; got == 0 {
		t.Errorf("Seen = %v", c.Seen())
	}
}

func TestClosedIfPresent(t *testing.T) {
	o := Options{Closed: []string{"Problem"}, ClosedIfPresent: []string{"Run", "Absent"}}
	c, err := New([]byte(testDoc), o)
	if err != nil {
		t.Fatalf("New = %v, want an absent optional schema ignored", err)
	}
	js := http.Header{"Content-Type": {"application/json"}}
	if err := c.Check("GET", "/v1/runs/r1", 200, js, []byte(`{"id":"r1","result":{}}`)); !errors.Is(err, ErrMismatch) {
		t.Fatalf("Check = %v, want a present optional schema closed", err)
	}
	if _, err := New([]byte(testDoc), Options{Closed: []string{"Absent"}}); err == nil {
		t.Fatal("New accepted an absent closed schema")
	}
}

const eventsDoc = `{
  "openapi": "3.1.0",
  "paths": {
    "/v1/runs/{id}/events": {"get": {"responses": {
      "200": {"description": "events", "content": {"text/event-stream": {"schema": {"type": "string"},
        "x-saa-events": {"step": {"$ref": "#/components/schemas/Step"}, "end": {"type": "object", "required": ["done"]}}}}}
    }}}
  },
  "components": {"schemas": {"Step": {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}}}
}`

func TestCheckEvents(t *testing.T) {
	c, err := New([]byte(eventsDoc), Options{Closed: []string{"Step"}})
	if err != nil {
		t.Fatal(err)
	}
	sse := http.Header{"Content-Type": {"text/event-stream"}}
	tests := []struct {
		name, body string
		ok         bool
	}{
		{"steps and end", "id: 0\nevent: step\ndata: {\"n\":0}\n\nid: 1\nevent: step\ndata: {\"n\":1}\n\nevent: end\ndata: {\"done\":true}\n\n", true},
		{"CRLF lines and a comment", ": hello\r\n\r\nevent: step\r\ndata: {\"n\":0}\r\n\r\n", true},
		{"empty stream", "", true},
		{"data split over lines", "event: step\ndata: {\"n\":\ndata: 2}\n\n", true},
		{"event not named", "event: progress\ndata: {}\n\n", false},
		{"unnamed event", "data: {\"n\":0}\n\n", false},
		{"data against its schema", "event: step\ndata: {\"n\":\"one\"}\n\n", false},
		{"member a closed schema lacks", "event: step\ndata: {\"n\":0,\"secret\":\"x\"}\n\n", false},
		{"data not JSON", "event: end\ndata: done\n\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := c.Check("GET", "/v1/runs/r1/events", 200, sse, []byte(tt.body))
			if (err == nil) != tt.ok {
				t.Fatalf("Check = %v, want ok %v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrMismatch) {
				t.Fatalf("Check = %v, want ErrMismatch", err)
			}
		})
	}
}
