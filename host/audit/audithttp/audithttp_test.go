package audithttp_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/secure-agent/saa/host/audit"
	"github.com/secure-agent/saa/host/audit/audithttp"
	"github.com/secure-agent/saa/host/audit/audittest"
	"github.com/secure-agent/saa/host/problem"
	"github.com/secure-agent/saa/host/store"
)

// serve mounts the routes as the server does and returns the API's base URL.
func serve(t *testing.T, s audit.Store) string {
	t.Helper()
	r := chi.NewRouter()
	r.Route("/admin/api/v1", func(r chi.Router) { audithttp.Routes(r, audit.NewLog(s)) })
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return srv.URL + "/admin/api/v1"
}

// seeded returns a bbolt audit store holding n sample entries, every third
// of them by client-b.
func seeded(t *testing.T, n int) audit.Store {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "saa.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	s := db.Audit()
	for i := range n {
		e := audittest.Sample(i)
		if i%3 == 2 {
			e.ClientID = "client-b"
		}
		if _, err := s.Append(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

type listBody struct {
	Entries    []audit.Entry `json:"entries"`
	NextCursor string        `json:"next_cursor"`
}

func get(t *testing.T, u string, v any) *http.Response {
	t.Helper()
	res, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		t.Fatalf("decode %s: %v", u, err)
	}
	return res
}

func TestList(t *testing.T) {
	base := serve(t, seeded(t, 7))
	cases := []struct {
		name  string
		query string
		want  []uint64
	}{
		{"everything", "", []uint64{1, 2, 3, 4, 5, 6, 7}},
		{"by client", "?client_id=client-b", []uint64{3, 6}},
		{"newest first", "?order=desc&limit=3", []uint64{7, 6, 5}},
		{"after a cursor", "?cursor=5", []uint64{6, 7}},
		{"by time", "?since=2030-01-02T03:04:07.678901Z&until=2030-01-02T03:04:09.678901Z", []uint64{3, 4}},
		{"by run", "?run_id=run-0", []uint64{1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var body listBody
			res := get(t, base+"/audit"+c.query, &body)
			if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/json" {
				t.Fatalf("status %d, content type %q", res.StatusCode, res.Header.Get("Content-Type"))
			}
			var got []uint64
			for _, e := range body.Entries {
				got = append(got, e.Seq)
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("seqs = %v, want %v", got, c.want)
			}
		})
	}
}

func TestListFollowsLinks(t *testing.T) {
	base := serve(t, seeded(t, 7))
	u, _ := url.Parse(base)
	next := base + "/audit?order=desc&limit=3"
	var pages [][]uint64
	for next != "" && len(pages) < 10 {
		var body listBody
		res := get(t, next, &body)
		var seqs []uint64
		for _, e := range body.Entries {
			seqs = append(seqs, e.Seq)
		}
		pages = append(pages, seqs)
		next = ""
		if link := res.Header.Get("Link"); link != "" {
			ref := strings.TrimPrefix(strings.SplitN(link, ">", 2)[0], "<")
			next = u.Scheme + "://" + u.Host + ref
			if !strings.Contains(ref, "cursor="+body.NextCursor) {
				t.Errorf("link %q does not carry next_cursor %s", link, body.NextCursor)
			}
		}
	}
	want := [][]uint64{{7, 6, 5}, {4, 3, 2}, {1}}
	if !slices.EqualFunc(pages, want, slices.Equal) {
		t.Errorf("pages = %v, want %v", pages, want)
	}
}

func TestListRejectsBadQueries(t *testing.T) {
	base := serve(t, seeded(t, 1))
	for _, q := range []string{
		"?client=x", "?limit=0", "?limit=1001", "?limit=x", "?order=up", "?since=yesterday",
		"?cursor=-1", "?plugin=a&plugin=b", "?action=" + strings.Repeat("a", 257),
	} {
		t.Run(q, func(t *testing.T) {
			var body problem.Body
			res := get(t, base+"/audit"+q, &body)
			if res.StatusCode != http.StatusBadRequest || res.Header.Get("Content-Type") != problem.ContentType {
				t.Errorf("status %d, content type %q", res.StatusCode, res.Header.Get("Content-Type"))
			}
			if body.Type != problem.TypeURI(problem.KindBadRequest) || body.Detail == "" {
				t.Errorf("problem = %+v", body)
			}
		})
	}
}

func TestVerify(t *testing.T) {
	broken := audit.Report{Entries: 2, LastSeq: 2, LastHash: "h", BrokenSeq: 3, Reason: "hash does not match the entry's contents"}
	cases := []struct {
		name   string
		store  audit.Store
		status int
		want   audit.Report
	}{
		{"intact", seeded(t, 3), http.StatusOK, audit.Report{OK: true, Entries: 3, LastSeq: 3}},
		{"broken", &fakeStore{report: broken}, http.StatusOK, broken},
		{"unreadable", &fakeStore{err: errors.New("i/o error")}, http.StatusInternalServerError, audit.Report{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got audit.Report
			res := get(t, serve(t, c.store)+"/audit/verify", &got)
			if res.StatusCode != c.status {
				t.Fatalf("status = %d, want %d", res.StatusCode, c.status)
			}
			got.LastHash = ""
			c.want.LastHash = ""
			if c.status == http.StatusOK && got != c.want {
				t.Errorf("report = %+v, want %+v", got, c.want)
			}
		})
	}
}

// fakeStore reports a fixed verification result.
type fakeStore struct {
	audit.Store
	report audit.Report
	err    error
}

func (f *fakeStore) Verify(context.Context) (audit.Report, error) { return f.report, f.err }
