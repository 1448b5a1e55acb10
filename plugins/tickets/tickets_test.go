package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/secure-agent/saa/pdk/pdktest"
)

func tk(id int, status, priority, created, resolved, title, desc string) ticket {
	return ticket{
		ID: json.RawMessage(fmt.Sprint(id)), Status: status, Priority: priority,
		CreatedAt: created, ResolvedAt: resolved, Title: title, Description: desc,
	}
}

const day1 = "2024-03-01T09:00:00Z"

func TestAnalyze(t *testing.T) {
	tests := []struct {
		name    string
		tickets []ticket
		want    string
		wantErr string
	}{
		{
			name: "no tickets",
			want: `{"total":0,"by_status":{},"by_priority":{},"median_resolution_hours":null,"top_phrases":[]}`,
		},
		{
			name: "counts normalised",
			tickets: []ticket{
				tk(1, "Open", "HIGH", day1, "", "", ""),
				tk(2, " open ", "high", day1, "", "", ""),
				tk(3, "", "low", day1, "", "", ""),
			},
			want: `{"total":3,"by_status":{"open":2,"unknown":1},"by_priority":{"high":2,"low":1},` +
				`"median_resolution_hours":null,"top_phrases":[]}`,
		},
		{
			name: "median of odd count",
			tickets: []ticket{
				tk(1, "closed", "p1", day1, "2024-03-01T10:00:00Z", "", ""),
				tk(2, "closed", "p1", day1, "2024-03-01T12:30:00Z", "", ""),
				tk(3, "closed", "p1", day1, "2024-03-03T09:00:00Z", "", ""),
				tk(4, "open", "p1", day1, "", "", ""),
			},
			want: `"median_resolution_hours":3.5`,
		},
		{
			name: "median of even count, time zones, rounding",
			tickets: []ticket{
				tk(1, "closed", "p1", day1, "2024-03-01T10:20:00+01:00", "", ""),
				tk(2, "closed", "p1", day1, "2024-03-01T10:00:00Z", "", ""),
			},
			want: `"median_resolution_hours":0.67`,
		},
		{name: "bad created_at", tickets: []ticket{tk(7, "", "", "yesterday", "", "", "")}, wantErr: "invalid ticket 7: created_at"},
		{name: "bad resolved_at", tickets: []ticket{tk(8, "", "", day1, "2024-13-01", "", "")}, wantErr: "invalid ticket 8: resolved_at"},
		{
			name:    "resolved before created",
			tickets: []ticket{tk(9, "", "", day1, "2024-02-01T00:00:00Z", "", "")},
			wantErr: "invalid ticket 9: resolved_at is before created_at",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := analyze(analyzeInput{Tickets: tt.tickets})
			if tt.wantErr != "" {
				if !errors.Is(err, errInvalidTicket) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			b, _ := json.Marshal(out)
			if err != nil || !strings.Contains(string(b), tt.want) {
				t.Fatalf("analyze = %s, %v\nwant %s", b, err, tt.want)
			}
		})
	}
}

func TestTopPhrases(t *testing.T) {
	tests := []struct {
		name    string
		tickets []ticket
		n       int
		want    string
	}{
		{
			name: "stop words and punctuation break phrases",
			tickets: []ticket{
				tk(1, "", "", day1, "", "Password reset email never arrives", "The password reset email is late."),
				tk(2, "", "", day1, "", "Password reset email missing", ""),
				tk(3, "", "", day1, "", "Cannot login. Password reset", "login page, password reset"),
			},
			n:    3,
			want: `[{password reset 3} {password reset email 2} {email never arrives 1}]`,
		},
		{
			name: "counted once per ticket",
			tickets: []ticket{
				tk(1, "", "", day1, "", "app crash app crash app crash", ""),
				tk(2, "", "", day1, "", "slow dashboard", "slow dashboard"),
			},
			n:    10,
			want: `[{app crash app 1} {crash app crash 1} {slow dashboard 1}]`,
		},
		{
			name: "ties sorted alphabetically",
			tickets: []ticket{
				tk(1, "", "", day1, "", "zeta beta", ""),
				tk(2, "", "", day1, "", "alpha beta", ""),
			},
			n:    10,
			want: `[{alpha beta 1} {zeta beta 1}]`,
		},
		{
			name: "title and description do not join",
			tickets: []ticket{
				tk(1, "", "", day1, "", "billing", "error shown"),
			},
			n:    10,
			want: `[{error shown 1}]`,
		},
		{
			name: "apostrophes, hyphens, unicode, numbers",
			tickets: []ticket{
				tk(1, "", "", day1, "", "Can’t open e-mail attachments", "Erreur réseau 500"),
				tk(2, "", "", day1, "", "can't open e-mail attachments", "erreur réseau 500!"),
			},
			n:    10,
			want: `[{erreur réseau 500 2} {open e-mail attachments 2}]`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fmt.Sprint(topPhrases(tt.tickets, tt.n)); got != tt.want {
				t.Fatalf("topPhrases = %s\nwant          %s", got, tt.want)
			}
		})
	}
}

func TestTopPhrasesIsDeterministic(t *testing.T) {
	var tickets []ticket
	for i := range 200 {
		tickets = append(tickets, tk(i, "", "", day1, "", fmt.Sprintf("issue w%d w%d", i%7, i%5), "shared words here"))
	}
	first := fmt.Sprint(topPhrases(tickets, topN))
	for range 20 {
		if got := fmt.Sprint(topPhrases(tickets, topN)); got != first {
			t.Fatalf("run differs:\n%s\n%s", got, first)
		}
	}
}

func FuzzAnalyze(f *testing.F) {
	f.Add(`{"tickets":[{"id":1,"status":"open","priority":"high","created_at":"2024-01-01T00:00:00Z","title":"Login fails on mobile"}]}`)
	f.Add(`{"tickets":[{"id":"a","created_at":"2024-01-01T00:00:00Z","resolved_at":"2024-01-02T00:00:00Z","description":"x-y' '-- ’’"}]}`)
	f.Fuzz(func(t *testing.T, input string) {
		var in analyzeInput
		if json.Unmarshal([]byte(input), &in) != nil {
			return
		}
		out, err := analyze(in)
		if err != nil {
			return
		}
		if len(out.TopPhrases) > topN || out.Total != len(in.Tickets) {
			t.Fatalf("analyze = %+v", out)
		}
		for _, p := range out.TopPhrases {
			if n := strings.Count(p.Phrase, " "); n < 1 || n > 2 || p.Count < 1 || p.Count > out.Total {
				t.Fatalf("bad phrase %+v", p)
			}
		}
	})
}

var wasm = sync.OnceValues(func() ([]byte, error) { return pdktest.Build(context.Background(), ".") })

// TestCompiled runs the built plugin under the reference Extism host.
func TestCompiled(t *testing.T) {
	w, err := wasm()
	if err != nil {
		t.Fatal(err)
	}
	p, err := pdktest.Load(t.Context(), w, pdktest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(context.Background())
	input := `{"tickets":[
		{"id":1,"status":"closed","priority":"high","created_at":"2024-01-01T00:00:00Z","resolved_at":"2024-01-01T06:00:00Z","title":"Login fails on mobile"},
		{"id":2,"status":"open","priority":"low","created_at":"2024-01-02T00:00:00Z","title":"Login fails on desktop","description":"Login fails after update"}]}`
	out, err := p.Call(t.Context(), "analyze", []byte(input))
	want := `{"total":2,"by_status":{"closed":1,"open":1},"by_priority":{"high":1,"low":1},` +
		`"median_resolution_hours":6,"top_phrases":[{"phrase":"login fails","count":2}]}`
	if err != nil || string(out) != want {
		t.Fatalf("analyze = %s, %v\nwant      %s", out, err, want)
	}
	if _, err := p.Call(t.Context(), "analyze", []byte(`{"tickets":[{"id":3,"created_at":"soon"}]}`)); err == nil {
		t.Fatal("bad created_at accepted")
	}
}
