package semantic

import (
	"math"
	"slices"
	"strings"
)

// RankOptions switch the ranking's sources of evidence on and off; the zero
// value is not useful, DefaultRank is. They exist so a benchmark can show
// what each source adds.
type RankOptions struct {
	// Descriptions scores field and dataset descriptions and hints.
	Descriptions bool
	// Synonyms scores the layer's synonyms and the built-in abbreviations.
	Synonyms bool
	// Relationships pulls join keys in beside the fields of the datasets
	// that rank high.
	Relationships bool
	// Values scores sample values that appear in the question.
	Values bool
}

// DefaultRank uses every source.
var DefaultRank = RankOptions{Descriptions: true, Synonyms: true, Relationships: true, Values: true}

// Scored is a ranked field.
type Scored struct {
	Dataset *Dataset
	Field   *Field
	Score   float64
	// JoinKey is set when the field was pulled in as a join key.
	JoinKey bool
	// Evidence is set when the question itself points at the field (or it
	// joins two fields that it points at); the others only follow.
	Evidence bool
}

// Weights of each source of a field's text: its own name counts most.
const (
	wName        = 3.0
	wSynonym     = 2.5
	wDescription = 1.5
	wDataset     = 1.5
	wValue       = 2.0
	wPhrase      = 2.0
	wQualified   = 3.0
	wExact       = 2.0
	wTable       = 0.3
	wNoEvidence  = 0.01
	// A foreign key's name names another table: a question that says
	// "race" is about the races table first, not about every raceId.
	wForeign = 0.5
	// Within the first diversifyHead fields, a field that adds no word of
	// the question keeps wRedundant of its score.
	diversifyHead = 40
	wRedundant    = 0.5
	// A question's columns cluster in few tables: at most joinTables
	// tables, each at least minTableShare of the best table's score, count
	// as the question's tables when pulling in join keys.
	joinTables    = 3
	minTableShare = 0.35
)

// fieldDoc is the searchable text of one field, by source.
type fieldDoc struct {
	d                *Dataset
	f                *Field
	name, syn, desc  map[string]bool
	nameSeq, dsetSeq []string
	values           []string
	foreign          bool
	lowerName        string
}

// index is the layer prepared for ranking under one access and options.
type index struct {
	docs    []fieldDoc
	dset    map[*Dataset]map[string]bool
	matched map[*Field][]string
	idf     map[string]float64
}

func newIndex(ds []*Dataset, o RankOptions) *index {
	ix := &index{idf: map[string]float64{}, dset: map[*Dataset]map[string]bool{}, matched: map[*Field][]string{}}
	df := map[string]int{}
	for _, d := range ds {
		dset := set(tokens(d.Name))
		if o.Descriptions {
			addAll(dset, tokens(d.Description))
		}
		if o.Synonyms {
			for _, s := range d.Synonyms {
				addAll(dset, tokens(s))
			}
		}
		ix.dset[d] = dset
		for i := range d.Fields {
			doc := fieldText(d, &d.Fields[i], o)
			doc.foreign = isForeignKey(ds, d, &d.Fields[i])
			for t := range union(doc.name, doc.syn, doc.desc, dset) {
				df[t]++
			}
			ix.docs = append(ix.docs, doc)
		}
	}
	n := float64(len(ix.docs))
	for t, c := range df {
		ix.idf[t] = math.Log(1 + n/float64(c))
	}
	return ix
}

func fieldText(d *Dataset, f *Field, o RankOptions) fieldDoc {
	nameToks := tokens(f.Name)
	doc := fieldDoc{d: d, f: f, lowerName: strings.ToLower(f.Name), name: set(nameToks), nameSeq: nameToks, dsetSeq: tokens(d.Name), syn: map[string]bool{}, desc: map[string]bool{}}
	if o.Synonyms {
		addAll(doc.syn, expand(nameToks))
		for _, s := range f.Synonyms {
			addAll(doc.syn, tokens(s))
		}
		if f.AIContext != nil {
			for _, s := range f.AIContext.Synonyms {
				addAll(doc.syn, tokens(s))
			}
		}
	}
	if o.Descriptions {
		addAll(doc.desc, tokens(f.Description))
		if f.AIContext != nil {
			addAll(doc.desc, tokens(f.AIContext.Instructions))
		}
		if o.Synonyms {
			addAll(doc.desc, expand(tokens(f.Description)))
		}
	}
	if o.Values {
		for _, v := range f.SampleValues {
			if len(v) >= 2 {
				doc.values = append(doc.values, strings.ToLower(v))
			}
		}
	}
	return doc
}

// Rank orders the fields a may see by relevance to text, most relevant
// first; fields with no evidence at all follow, those of the question's
// tables first, then in schema order.
func (l *Layer) Rank(text string, a Access, o RankOptions) []Scored {
	return rankDatasets(a.Visible(l), text, o)
}

// rankDatasets scores each field by its own evidence, each table by the
// mention of its name and its best field, and adds a share of the table's
// score to its fields: a question's columns cluster in the tables it is
// about. Then it pulls in the keys that join the question's tables.
func rankDatasets(ds []*Dataset, text string, o RankOptions) []Scored {
	ix := newIndex(ds, o)
	qSeq := tokens(text)
	q := set(qSeq)
	lower := " " + strings.ToLower(text) + " "
	out := make([]Scored, len(ix.docs))
	own := make([]float64, len(ix.docs))
	table, named := map[*Dataset]float64{}, map[*Dataset]float64{}
	for d, words := range ix.dset {
		for t := range words {
			if q[t] {
				named[d] += wDataset * ix.idf[t]
			}
		}
		table[d] = named[d]
	}
	best := map[*Dataset]float64{}
	matched := make([][]string, len(ix.docs))
	for i, doc := range ix.docs {
		own[i], matched[i] = ix.score(doc, q, qSeq, lower)
		if doc.foreign {
			own[i] *= wForeign
		}
		best[doc.d] = math.Max(best[doc.d], own[i])
	}
	for d := range table {
		table[d] += best[d]
	}
	for d, b := range best {
		table[d] = math.Max(table[d], b)
	}
	for i, doc := range ix.docs {
		s := own[i] + wTable*table[doc.d]
		if own[i] == 0 {
			s = wNoEvidence * table[doc.d]
		}
		out[i] = Scored{Dataset: doc.d, Field: doc.f, Score: s, Evidence: own[i] > 0}
		ix.matched[doc.f] = matched[i]
	}
	sortScored(out)
	diversify(out, ix.matched)
	if o.Relationships {
		out = pullJoinKeys(out, ds, table, named)
	}
	return out
}

// score is the weighted IDF sum over the question's words of the best
// source each word matches, plus bonuses for the field's whole name as a
// phrase, for its name qualified by its table's ("race name",
// races.name), and for a sample value quoted in the question.
func (ix *index) score(doc fieldDoc, q map[string]bool, qSeq []string, lower string) (float64, []string) {
	s := 0.0
	var matched []string
	for t := range q {
		w := 0.0
		switch {
		case doc.name[t]:
			w = wName
		case doc.syn[t]:
			w = wSynonym
		case doc.desc[t]:
			w = wDescription
		}
		if w > 0 {
			s += w * ix.idf[t]
			matched = append(matched, t)
		}
	}
	for _, v := range doc.values {
		if containsWord(lower, v) {
			s += wValue * math.Log(1+float64(len(ix.docs)))
			matched = append(matched, "="+v)
			break
		}
	}
	if s == 0 {
		return 0, nil
	}
	if containsWord(lower, doc.lowerName) {
		// The question names the column as written: the strongest hint.
		for _, t := range doc.nameSeq {
			s += wExact * ix.idf[t]
		}
	}
	if len(doc.nameSeq) > 1 && containsSeq(qSeq, doc.nameSeq) {
		for _, t := range doc.nameSeq {
			s += wPhrase * ix.idf[t]
		}
	}
	if qualified := append(slices.Clone(doc.dsetSeq), doc.nameSeq...); len(doc.dsetSeq) > 0 && containsSeq(qSeq, qualified) {
		for _, t := range qualified {
			s += wQualified * ix.idf[t]
		}
	}
	return s, matched
}

// pullJoinKeys ranks the keys that join the question's tables just below
// the best field of the weaker table of each join: a query over two tables
// reads the columns that join them. Joins are the layer's relationships,
// and also go through one bridge table when two of the question's tables
// are not joined directly.
func pullJoinKeys(out []Scored, ds []*Dataset, table, named map[*Dataset]float64) []Scored {
	top := questionTables(out, table, named)
	if len(top) < 2 {
		return out
	}
	best := map[*Dataset]float64{}
	for _, s := range out {
		best[s.Dataset] = math.Max(best[s.Dataset], s.Score)
	}
	boost := map[*Field]float64{}
	add := func(d, to *Dataset, r Relationship, score float64) {
		for i := range r.FromColumns {
			if f := d.Field(r.FromColumns[i]); f != nil {
				boost[f] = math.Max(boost[f], score)
			}
			if f := to.Field(r.ToColumns[i]); f != nil {
				boost[f] = math.Max(boost[f], score)
			}
		}
	}
	for i, a := range top {
		for _, b := range top[i+1:] {
			score := 0.95 * math.Min(best[a], best[b])
			if direct := joins(a, b, ds); len(direct) > 0 {
				for _, j := range direct {
					add(j.from, j.to, j.r, score)
				}
				continue
			}
			for _, bridge := range ds {
				ja, jb := joins(a, bridge, ds), joins(b, bridge, ds)
				if bridge == a || bridge == b || len(ja) == 0 || len(jb) == 0 {
					continue
				}
				for _, j := range append(ja, jb...) {
					add(j.from, j.to, j.r, 0.9*score)
				}
				break
			}
		}
	}
	for i := range out {
		if b, ok := boost[out[i].Field]; ok && b > out[i].Score {
			out[i].Score, out[i].JoinKey, out[i].Evidence = b, true, true
		}
	}
	sortScored(out)
	return out
}

// questionTables are the tables the question is about: those it names,
// and the best few by table score within minTableShare of the best.
func questionTables(out []Scored, table, named map[*Dataset]float64) []*Dataset {
	var top []*Dataset
	max := 0.0
	for _, s := range out {
		if len(top) == joinTables || s.Score <= 0 {
			break
		}
		if slices.Contains(top, s.Dataset) {
			continue
		}
		t := table[s.Dataset]
		if max == 0 {
			max = t
		}
		if t >= minTableShare*max || named[s.Dataset] > 0 {
			top = append(top, s.Dataset)
		}
	}
	return top
}

// join is one relationship between two datasets, oriented from -> to.
type join struct {
	from, to *Dataset
	r        Relationship
}

// joins lists the relationships between a and b, declared on either side.
func joins(a, b *Dataset, _ []*Dataset) []join {
	var out []join
	for _, r := range a.Relationships {
		if strings.EqualFold(r.ToDataset, b.Name) {
			out = append(out, join{a, b, r})
		}
	}
	for _, r := range b.Relationships {
		if strings.EqualFold(r.ToDataset, a.Name) {
			out = append(out, join{b, a, r})
		}
	}
	if len(out) == 0 {
		out = inferredJoins(a, b)
	}
	return out
}

// inferredJoins are the joins a schema without declared foreign keys
// implies: a column of the same name in both datasets that is the primary
// key of exactly one of them (two surrogate "id" keys do not join).
func inferredJoins(a, b *Dataset) []join {
	var out []join
	for i := range a.Fields {
		fa := &a.Fields[i]
		fb := b.Field(fa.Name)
		if fb == nil || isPrimaryKey(a, fa) == isPrimaryKey(b, fb) {
			continue
		}
		out = append(out, join{a, b, Relationship{Name: "inferred", FromColumns: []string{fa.Name}, ToDataset: b.Name, ToColumns: []string{fb.Name}}})
	}
	return out
}

func isPrimaryKey(d *Dataset, f *Field) bool {
	return slices.ContainsFunc(d.PrimaryKey, func(k string) bool { return strings.EqualFold(k, f.Name) })
}

// sortScored orders by score, ties in schema order (stable).
func sortScored(out []Scored) {
	slices.SortStableFunc(out, func(a, b Scored) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		}
		return 0
	})
}

func set(ws []string) map[string]bool {
	m := make(map[string]bool, len(ws))
	addAll(m, ws)
	return m
}

func addAll(m map[string]bool, ws []string) {
	for _, w := range ws {
		m[w] = true
	}
}

func union(ms ...map[string]bool) map[string]bool {
	out := map[string]bool{}
	for _, m := range ms {
		for k := range m {
			out[k] = true
		}
	}
	return out
}

// containsSeq reports whether seq occurs in q as consecutive words.
func containsSeq(q, seq []string) bool {
	for i := 0; i+len(seq) <= len(q); i++ {
		if slices.Equal(q[i:i+len(seq)], seq) {
			return true
		}
	}
	return false
}

// containsWord reports whether v occurs in padded text not inside a word.
func containsWord(padded, v string) bool {
	for i := 0; ; {
		j := strings.Index(padded[i:], v)
		if j < 0 {
			return false
		}
		j += i
		before, after := byte(' '), byte(' ')
		if j > 0 {
			before = padded[j-1]
		}
		if j+len(v) < len(padded) {
			after = padded[j+len(v)]
		}
		if !isWordByte(before) && !isWordByte(after) {
			return true
		}
		i = j + 1
	}
}

func isWordByte(b byte) bool {
	return b == '_' || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') || b >= 0x80
}

// isForeignKey reports whether f refers to another dataset's key: it is the
// source of a relationship, or shares its name with another dataset's
// single-column primary key, and is not d's own primary key.
func isForeignKey(ds []*Dataset, d *Dataset, f *Field) bool {
	if len(d.PrimaryKey) == 1 && strings.EqualFold(d.PrimaryKey[0], f.Name) {
		return false
	}
	for _, r := range d.Relationships {
		if slices.ContainsFunc(r.FromColumns, func(c string) bool { return strings.EqualFold(c, f.Name) }) {
			return true
		}
	}
	for _, o := range ds {
		if o != d && len(o.PrimaryKey) == 1 && strings.EqualFold(o.PrimaryKey[0], f.Name) {
			return true
		}
	}
	return false
}

// diversify reorders the head of a ranking for coverage of the question: a
// field that matches no word of the question the fields above it did not
// already match loses half its score, so ten near-identical siblings
// (buildUpPlaySpeed, buildUpPlaySpeedClass, ...) do not crowd out the other
// things the question asks for.
func diversify(out []Scored, matched map[*Field][]string) {
	n := min(len(out), diversifyHead)
	covered := map[string]bool{}
	for i := 0; i < n; i++ {
		best, bestScore := i, math.Inf(-1)
		for j := i; j < n; j++ {
			s := out[j].Score
			if !addsWord(matched[out[j].Field], covered) {
				s *= wRedundant
			}
			if s > bestScore {
				best, bestScore = j, s
			}
		}
		picked := out[best]
		copy(out[i+1:best+1], out[i:best])
		picked.Score = bestScore
		out[i] = picked
		addAll(covered, matched[picked.Field])
	}
}

func addsWord(ws []string, covered map[string]bool) bool {
	for _, w := range ws {
		if !covered[w] {
			return true
		}
	}
	return false
}
