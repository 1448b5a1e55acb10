package semantic

import (
	"slices"
	"strings"
	"testing"
)

func TestTokens(t *testing.T) {
	cases := map[string][]string{
		"CustomerID":              {"customer", "id"},
		"buildUpPlaySpeedClass":   {"build", "play", "speed", "class"}, // "up" is a stop word
		"HTTPServer":              {"http", "server"},
		"unemployment_rate1996":   {"unemployment", "rate", "1996"},
		"Enrollment (K-12)":       {"enrollment", "k", "12"},
		"the shipped releases":    {"ship", "release"},
		"What are the categories": {"category"},
	}
	for in, want := range cases {
		if got := tokens(in); !slices.Equal(got, want) {
			t.Errorf("tokens(%q) = %v, want %v", in, got, want)
		}
	}
}

// testLayer is tickets and releases, with a pii field and a scoped dataset.
func testLayer(t *testing.T) *Layer {
	t.Helper()
	tk, err := Parse("tickets.yaml", []byte(ticketsYAML))
	if err != nil {
		t.Fatal(err)
	}
	rel, err := Parse("releases.yaml", []byte(releasesYAML+"  - name: shipped_at\n    description: When the release reached customers.\n"))
	if err != nil {
		t.Fatal(err)
	}
	hr, err := Parse("salaries.yaml", []byte("name: salaries\nscope: semantic:hr\nfields: [{name: amount}, {name: employee}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	l, err := NewLayer([]*Dataset{tk, rel, hr})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func names(ss []Scored, n int) []string {
	var out []string
	for i := 0; i < n && i < len(ss); i++ {
		out = append(out, ss[i].Dataset.Name+"."+ss[i].Field.Name)
	}
	return out
}

func TestRankUsesEverySource(t *testing.T) {
	l := testLayer(t)
	cases := []struct {
		question, want string
		o              RankOptions
	}{
		{"which version was it", "releases.version", RankOptions{}},
		{"what state is it in", "tickets.status", RankOptions{Synonyms: true}},
		{"when did it reach customers", "releases.shipped_at", RankOptions{Descriptions: true}},
		{"how many are closed", "tickets.status", RankOptions{Values: true}},
	}
	for _, c := range cases {
		t.Run(c.question, func(t *testing.T) {
			got := l.Rank(c.question, Everything(), c.o)
			if top := names(got, 1); len(top) == 0 || top[0] != c.want || got[0].Score <= 0 {
				t.Fatalf("top = %v, want %s", names(got, 3), c.want)
			}
			if c.o != (RankOptions{}) {
				if top := names(l.Rank(c.question, Everything(), RankOptions{}), 1); top[0] == c.want && l.Rank(c.question, Everything(), RankOptions{})[0].Score > 0 {
					t.Fatalf("%s ranked first without the source under test", c.want)
				}
			}
		})
	}
}

func TestRankPullsJoinKeys(t *testing.T) {
	l := testLayer(t)
	q := "status of tickets for each release version"
	pos := func(o RankOptions) int {
		return slices.Index(names(l.Rank(q, Everything(), o), 100), "releases.id")
	}
	with, without := pos(DefaultRank), pos(RankOptions{Descriptions: true, Synonyms: true, Values: true})
	if with < 0 || with >= without {
		t.Fatalf("releases.id ranks %d with relationships, %d without", with, without)
	}
	top := l.Rank(q, Everything(), DefaultRank)
	if !top[with].JoinKey {
		t.Fatal("releases.id is not marked as a join key")
	}
}

func TestRankHidesWhatAccessCannotSee(t *testing.T) {
	l := testLayer(t)
	all := func(ss []Scored) string { return strings.Join(names(ss, len(ss)), " ") }
	got := all(l.Rank("customer email salaries amount", WithScopes(nil), DefaultRank))
	if strings.Contains(got, "customer_email") || strings.Contains(got, "salaries.") {
		t.Fatalf("no scopes sees %s", got)
	}
	got = all(l.Rank("customer email", WithScopes([]string{ScopePII}), DefaultRank))
	if !strings.Contains(got, "tickets.customer_email") || strings.Contains(got, "salaries.") {
		t.Fatalf("pii scope sees %s", got)
	}
	got = all(l.Rank("salaries", WithScopes([]string{"semantic:hr"}), DefaultRank))
	if !strings.Contains(got, "salaries.amount") || strings.Contains(got, "customer_email") {
		t.Fatalf("hr scope sees %s", got)
	}
}

func TestVisibleDropsWhatRevealsHiddenFields(t *testing.T) {
	l := testLayer(t)
	tk := l.Dataset("tickets")
	tk.VerifiedQueries = append(tk.VerifiedQueries, VerifiedQuery{Name: "by_email", Question: "tickets of a customer", SQL: "SELECT id FROM tickets WHERE customer_email = ?"})
	tk.Filters = append(tk.Filters, Filter{Name: "example_com", Expression: "customer_email LIKE '%@example.com'"})
	for _, d := range WithScopes(nil).Visible(l) {
		if d.Name != "tickets" {
			continue
		}
		for _, q := range d.VerifiedQueries {
			if q.Name == "by_email" {
				t.Fatal("a verified query reading a hidden field is visible")
			}
		}
		if len(d.Filters) != 1 || d.Field("customer_email") != nil {
			t.Fatalf("filters %v fields %v", d.Filters, d.Fields)
		}
		if len(d.VerifiedQueries) != 1 {
			t.Fatalf("the other verified query is gone: %v", d.VerifiedQueries)
		}
	}
	if l.Dataset("tickets").Field("customer_email") == nil {
		t.Fatal("Visible changed the layer")
	}
}
