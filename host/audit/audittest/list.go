package audittest

import (
	"slices"
	"testing"

	"github.com/secure-agent/saa/host/audit"
)

// listFixture appends six entries (seq 1 to 6) that differ in one field
// each from Sample.
func listFixture(t *testing.T, s audit.Store) {
	t.Helper()
	mods := []func(*audit.Entry){
		func(*audit.Entry) {},
		func(e *audit.Entry) { e.ClientID = "client-b" },
		func(e *audit.Entry) { e.Plugin, e.Action = "github", "create_issue" },
		func(e *audit.Entry) { e.Outcome = "plugin-timeout" },
		func(e *audit.Entry) {
			e.Kind, e.Plugin, e.Action, e.Subject = audit.KindAdmin, "", "client.create", "root"
		},
		func(e *audit.Entry) { e.Plugin, e.Action = "github", "list_issues" },
	}
	for i, mod := range mods {
		e := Sample(i)
		mod(&e)
		mustAppend(t, s, e)
	}
}

func testListFilters(t *testing.T, s audit.Store) {
	listFixture(t, s)
	cases := []struct {
		name string
		f    audit.Filter
		want []uint64
	}{
		{"everything", audit.Filter{}, []uint64{1, 2, 3, 4, 5, 6}},
		{"by client", audit.Filter{Client: "client-b"}, []uint64{2}},
		{"by plugin", audit.Filter{Plugin: "github"}, []uint64{3, 6}},
		{"by plugin and action", audit.Filter{Plugin: "github", Action: "list_issues"}, []uint64{6}},
		{"by outcome", audit.Filter{Outcome: "plugin-timeout"}, []uint64{4}},
		{"by kind", audit.Filter{Kind: audit.KindAdmin}, []uint64{5}},
		{"by subject", audit.Filter{Subject: "root"}, []uint64{5}},
		{"by run id", audit.Filter{RunID: "run-2"}, []uint64{3}},
		{"since is inclusive", audit.Filter{Since: Sample(4).Time}, []uint64{5, 6}},
		{"until is exclusive", audit.Filter{Until: Sample(2).Time}, []uint64{1, 2}},
		{"after seq", audit.Filter{AfterSeq: 4}, []uint64{5, 6}},
		{"before seq", audit.Filter{BeforeSeq: 3}, []uint64{1, 2}},
		{"descending", audit.Filter{Desc: true}, []uint64{6, 5, 4, 3, 2, 1}},
		{"descending before seq", audit.Filter{Desc: true, BeforeSeq: 3}, []uint64{2, 1}},
		{"descending after seq", audit.Filter{Desc: true, AfterSeq: 4}, []uint64{6, 5}},
		{"descending before past the end", audit.Filter{Desc: true, BeforeSeq: 100}, []uint64{6, 5, 4, 3, 2, 1}},
		{"no match", audit.Filter{Client: "nobody"}, []uint64{}},
		{"after the end", audit.Filter{AfterSeq: 6}, []uint64{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := seqs(listAll(t, s, c.f)); !slices.Equal(got, c.want) {
				t.Errorf("seqs = %v, want %v", got, c.want)
			}
		})
	}
}

func testListPages(t *testing.T, s audit.Store) {
	listFixture(t, s)
	cases := []struct {
		name  string
		f     audit.Filter
		pages [][]uint64
	}{
		{"ascending by two", audit.Filter{Limit: 2}, [][]uint64{{1, 2}, {3, 4}, {5, 6}}},
		{"descending by four", audit.Filter{Limit: 4, Desc: true}, [][]uint64{{6, 5, 4, 3}, {2, 1}}},
		{"filtered by one", audit.Filter{Limit: 1, Plugin: "github"}, [][]uint64{{3}, {6}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := c.f
			var got [][]uint64
			for {
				page, err := s.List(t.Context(), f)
				if err != nil {
					t.Fatalf("list: %v", err)
				}
				if len(page.Entries) > 0 {
					got = append(got, seqs(page.Entries))
				}
				if page.Next == 0 {
					break
				}
				if len(got) > len(c.pages) {
					t.Fatalf("more pages than expected: %v", got)
				}
				f.AfterSeq, f.BeforeSeq = next(f, page.Next)
			}
			if !slices.EqualFunc(got, c.pages, slices.Equal) {
				t.Errorf("pages = %v, want %v", got, c.pages)
			}
		})
	}
}

// next returns f's Seq bounds for the page after cursor.
func next(f audit.Filter, cursor uint64) (after, before uint64) {
	if f.Desc {
		return f.AfterSeq, cursor
	}
	return cursor, f.BeforeSeq
}
