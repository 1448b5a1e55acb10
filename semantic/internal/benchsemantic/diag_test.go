package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secure-agent/saa/semantic"
)

func TestDiag(t *testing.T) {
	if os.Getenv("DIAG") == "" {
		t.Skip()
	}
	ctx := context.Background()
	data := "testdata/bird-mini-dev"
	var schemas []schema
	var qs []question
	readJSON(filepath.Join(data, "dev_tables.json"), &schemas)
	readJSON(filepath.Join(data, "mini_dev_sqlite.json"), &qs)
	tmp := t.TempDir()
	layers := map[string]*semantic.Layer{}
	dbs := map[string]*sql.DB{}
	for i := range schemas {
		s := &schemas[i]
		path, ds, _ := build(ctx, tmp, s)
		l, _ := semantic.NewLayer(withDescriptions(ds, s.descriptions()))
		layers[s.DBID] = l
		dbs[s.DBID], _ = sql.Open("sqlite", path)
	}
	missRank := map[int]int{}
	ntab := map[int]int{}
	idMiss, otherMiss := 0, 0
	n := 0
	for _, q := range qs {
		g, _ := goldReadSet(ctx, dbs[q.DBID], q.SQL)
		ranked := layers[q.DBID].Rank(q.Question+" "+q.Evidence, semantic.Everything(), semantic.DefaultRank)
		pos := map[[2]string]int{}
		for i, s := range ranked {
			pos[[2]string{strings.ToLower(s.Dataset.Name), strings.ToLower(s.Field.Name)}] = i
		}
		var miss []string
		gt := map[string]bool{}
		for c := range g {
			gt[c[0]] = true
		}
		ntab[len(gt)]++
		for c := range g {
			if p := pos[c]; p >= 10 {
				if strings.HasSuffix(c[1], "id") {
					idMiss++
				} else {
					otherMiss++
				}
			}
		}
		for c := range g {
			p := pos[c]
			if p >= 10 {
				b := p / 10
				if b > 5 {
					b = 5
				}
				missRank[b]++
				miss = append(miss, fmt.Sprintf("%s.%s@%d", c[0], c[1], p))
			}
		}
		if len(miss) > 0 && n < 25 && q.ID%5 == 1 {
			n++
			var top []string
			for _, s := range ranked[:10] {
				top = append(top, fmt.Sprintf("%s.%s(%.1f)", s.Dataset.Name, s.Field.Name, s.Score))
			}
			t.Logf("\nQ%d %s | %s\n  SQL: %s\n  MISS %v\n  TOP %v", q.ID, q.Question, q.Evidence, q.SQL, miss, top)
		}
	}
	t.Logf("miss rank buckets (x10): %v; tables per question %v; missed id-like %d other %d", missRank, ntab, idMiss, otherMiss)
}
