package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode"

	"github.com/secure-agent/saa/semantic"
)

// ranker orders the fields of one database for a question.
type ranker struct {
	name  string
	descr bool
	rank  func(l *semantic.Layer, text string) []field
}

type field struct{ table, column string }

// rankers are the rows of the table: baselines, then the layer's ranking
// with sources added one by one, then the default.
func rankers() []ranker {
	layerRank := func(o semantic.RankOptions) func(*semantic.Layer, string) []field {
		return func(l *semantic.Layer, text string) []field {
			var out []field
			for _, s := range l.Rank(text, semantic.Everything(), o) {
				out = append(out, field{strings.ToLower(s.Dataset.Name), strings.ToLower(s.Field.Name)})
			}
			return out
		}
	}
	return []ranker{
		{name: "baseline: fields in schema order", rank: schemaOrder},
		{name: "baseline: word overlap with table/column names", rank: wordOverlap},
		{name: "layer: names only (tokens, stems, IDF)", rank: layerRank(semantic.RankOptions{})},
		{name: "  + sample values (none in an empty schema)", rank: layerRank(semantic.RankOptions{Values: true})},
		{name: "  + descriptions", descr: true, rank: layerRank(semantic.RankOptions{Values: true, Descriptions: true})},
		{name: "  + synonyms and abbreviations", descr: true, rank: layerRank(semantic.RankOptions{Values: true, Descriptions: true, Synonyms: true})},
		{name: "  + relationships (join keys) = default", descr: true, rank: layerRank(semantic.DefaultRank)},
		{name: "default without descriptions", rank: layerRank(semantic.DefaultRank)},
		{name: "default without synonyms and abbreviations", descr: true, rank: layerRank(semantic.RankOptions{Values: true, Descriptions: true, Relationships: true})},
		{name: "default without relationships", descr: true, rank: layerRank(semantic.RankOptions{Values: true, Descriptions: true, Synonyms: true})},
	}
}

type result struct {
	name            string
	r10, r20        float64
	questions, gold int
}

func evaluate(ctx context.Context, data string) ([]result, error) {
	var schemas []schema
	var qs []question
	if err := readJSON(filepath.Join(data, "dev_tables.json"), &schemas); err != nil {
		return nil, err
	}
	if err := readJSON(filepath.Join(data, "mini_dev_sqlite.json"), &qs); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "benchsemantic")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)

	type dbase struct {
		plain, described *semantic.Layer
		db               *sql.DB
	}
	dbs := map[string]*dbase{}
	for i := range schemas {
		s := &schemas[i]
		path, ds, err := build(ctx, tmp, s)
		if err != nil {
			return nil, err
		}
		plain, err := semantic.NewLayer(ds)
		if err != nil {
			return nil, err
		}
		described, err := semantic.NewLayer(withDescriptions(ds, s.descriptions()))
		if err != nil {
			return nil, err
		}
		db, err := sql.Open("sqlite", path)
		if err != nil {
			return nil, err
		}
		defer db.Close()
		dbs[s.DBID] = &dbase{plain: plain, described: described, db: db}
	}
	golds := make([]map[[2]string]bool, len(qs))
	for i, q := range qs {
		g, err := goldReadSet(ctx, dbs[q.DBID].db, q.SQL)
		if err != nil {
			return nil, fmt.Errorf("question %d: prepare gold SQL: %w", q.ID, err)
		}
		golds[i] = g
	}
	var out []result
	for _, rk := range rankers() {
		res := result{name: rk.name}
		for i, q := range qs {
			if len(golds[i]) == 0 {
				continue
			}
			l := dbs[q.DBID].plain
			if rk.descr {
				l = dbs[q.DBID].described
			}
			ranked := rk.rank(l, q.Question+" "+q.Evidence)
			res.r10 += recall(ranked, golds[i], 10)
			res.r20 += recall(ranked, golds[i], 20)
			res.questions++
			res.gold += len(golds[i])
		}
		res.r10 /= float64(res.questions)
		res.r20 /= float64(res.questions)
		out = append(out, res)
	}
	return out, nil
}

func recall(ranked []field, gold map[[2]string]bool, k int) float64 {
	hit := 0
	for i := 0; i < k && i < len(ranked); i++ {
		if gold[[2]string{ranked[i].table, ranked[i].column}] {
			hit++
		}
	}
	return float64(hit) / float64(len(gold))
}

func printTable(w io.Writer, res []result) {
	fmt.Fprintf(w, "BIRD mini-dev schema linking: %d questions with a non-empty gold read-set, %.2f gold columns each\n\n", res[0].questions, float64(res[0].gold)/float64(res[0].questions))
	fmt.Fprintln(w, "| ranking | recall@10 | recall@20 |")
	fmt.Fprintln(w, "|---|---|---|")
	for _, r := range res {
		fmt.Fprintf(w, "| %s | %.3f | %.3f |\n", strings.TrimSpace(r.name), r.r10, r.r20)
	}
}

func allFields(l *semantic.Layer) []field {
	var out []field
	for _, d := range l.Datasets {
		for _, f := range d.Fields {
			out = append(out, field{strings.ToLower(d.Name), strings.ToLower(f.Name)})
		}
	}
	return out
}

// schemaOrder ignores the question: fields in the order of the schema.
func schemaOrder(l *semantic.Layer, _ string) []field { return allFields(l) }

// wordOverlap counts the question's plain words (lowercased, split on
// anything but letters and digits) found in each column's and its table's
// name; ties keep schema order.
func wordOverlap(l *semantic.Layer, text string) []field {
	q := plainWords(text)
	type scored struct {
		f field
		s int
	}
	var all []scored
	for _, d := range l.Datasets {
		tw := plainWords(d.Name)
		for _, f := range d.Fields {
			s := overlap(q, plainWords(f.Name)) + overlap(q, tw)
			all = append(all, scored{field{strings.ToLower(d.Name), strings.ToLower(f.Name)}, s})
		}
	}
	slices.SortStableFunc(all, func(a, b scored) int { return b.s - a.s })
	out := make([]field, len(all))
	for i, s := range all {
		out[i] = s.f
	}
	return out
}

func plainWords(s string) map[string]bool {
	out := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		out[w] = true
	}
	return out
}

func overlap(a, b map[string]bool) int {
	n := 0
	for w := range b {
		if a[w] {
			n++
		}
	}
	return n
}
