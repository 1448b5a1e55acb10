package semantic

import (
	"fmt"
	"slices"
	"strings"
)

// Budget bounds of Layer.Context, in estimated tokens.
const (
	DefaultBudget = 1500
	MinBudget     = 100
	MaxBudget     = 32000
)

// Context is what an agent needs to write SQL for a question: the ranked
// fields, the joins between their datasets, named filters, metrics and
// verified queries, and all of it as a ready prompt block, under a token
// budget.
type Context struct {
	Fields          []ContextField        `json:"fields"`
	Datasets        []ContextDataset      `json:"datasets"`
	Relationships   []ContextRelationship `json:"relationships"`
	Filters         []ContextNamed        `json:"filters"`
	Metrics         []ContextNamed        `json:"metrics"`
	VerifiedQueries []VerifiedQuery       `json:"verified_queries"`
	// Prompt is the same content as a block to paste into a prompt.
	Prompt string `json:"prompt"`
	// Tokens estimates Prompt's size; Budget is what the caller allowed.
	Tokens int `json:"tokens"`
	Budget int `json:"budget"`
	// Truncated is set when relevant content was left out for the budget.
	Truncated bool `json:"truncated"`
}

// ContextField is one ranked field.
type ContextField struct {
	Dataset      string      `json:"dataset"`
	Field        string      `json:"field"`
	Score        float64     `json:"score"`
	DataType     string      `json:"datatype,omitempty"`
	Expression   string      `json:"expression,omitempty"`
	Description  string      `json:"description,omitempty"`
	Synonyms     []string    `json:"synonyms,omitempty"`
	SampleValues []string    `json:"sample_values,omitempty"`
	IsEnum       bool        `json:"is_enum,omitempty"`
	Sensitivity  Sensitivity `json:"sensitivity"`
	Hint         string      `json:"hint,omitempty"`
	JoinKey      bool        `json:"join_key,omitempty"`
}

// ContextDataset describes a dataset some ranked field belongs to.
type ContextDataset struct {
	Name        string `json:"name"`
	Table       string `json:"table"`
	Description string `json:"description,omitempty"`
	Hint        string `json:"hint,omitempty"`
}

// ContextRelationship is a join between two datasets of the context.
type ContextRelationship struct {
	From string `json:"from"`
	To   string `json:"to"`
	On   string `json:"on"`
	Type string `json:"type,omitempty"`
}

// ContextNamed is a filter or metric of a dataset of the context.
type ContextNamed struct {
	Dataset     string `json:"dataset"`
	Name        string `json:"name"`
	Expression  string `json:"expression"`
	Description string `json:"description,omitempty"`
}

// estimateTokens is the usual four characters per token, rounded up.
func estimateTokens(s string) int { return (len(s) + 3) / 4 }

// ClampBudget is budget within [MinBudget, MaxBudget], DefaultBudget if 0.
func ClampBudget(budget int) int {
	switch {
	case budget == 0:
		return DefaultBudget
	case budget < MinBudget:
		return MinBudget
	case budget > MaxBudget:
		return MaxBudget
	}
	return budget
}

// Context ranks the fields a may see for question and packs the most
// relevant of them, with the joins, filters, metrics and verified queries
// of their datasets, into at most budget estimated tokens.
func (l *Layer) Context(question string, a Access, budget int) *Context {
	budget = ClampBudget(budget)
	ranked := l.Rank(question, a, DefaultRank)
	p := &packer{c: &Context{Budget: budget, Fields: []ContextField{}, Datasets: []ContextDataset{},
		Relationships: []ContextRelationship{}, Filters: []ContextNamed{}, Metrics: []ContextNamed{},
		VerifiedQueries: []VerifiedQuery{}}, left: budget - estimateTokens(promptHeader)}
	for _, s := range ranked {
		if !s.Evidence {
			continue
		}
		if !p.addField(s) {
			break
		}
	}
	p.addExtras(question)
	p.c.Prompt = render(p.c)
	p.c.Tokens = estimateTokens(p.c.Prompt)
	return p.c
}

// packer adds items while the budget lasts.
type packer struct {
	c    *Context
	ds   []*Dataset
	left int
}

func (p *packer) take(text string) bool {
	n := estimateTokens(text)
	if n > p.left {
		p.c.Truncated = true
		return false
	}
	p.left -= n
	return true
}

func (p *packer) addField(s Scored) bool {
	d, f := s.Dataset, s.Field
	if !slices.Contains(p.ds, d) {
		cd := ContextDataset{Name: d.Name, Table: d.Table(), Description: d.Description, Hint: hint(d.AIContext)}
		if !p.take(renderDataset(cd)) {
			return false
		}
		p.ds = append(p.ds, d)
		p.c.Datasets = append(p.c.Datasets, cd)
	}
	cf := ContextField{Dataset: d.Name, Field: f.Name, Score: round2(s.Score), DataType: f.DataType, Description: f.Description,
		Synonyms: f.Synonyms, SampleValues: f.SampleValues, IsEnum: f.IsEnum, Sensitivity: f.Level(),
		Hint: hint(f.AIContext), JoinKey: s.JoinKey}
	if f.Expression != "" && f.Expression != f.Name {
		cf.Expression = f.Expression
	}
	if !p.take(renderField(cf)) {
		return false
	}
	p.c.Fields = append(p.c.Fields, cf)
	return true
}

// addExtras adds the joins among the context's datasets, then their
// verified queries most like the question, then filters and metrics.
func (p *packer) addExtras(question string) {
	for _, d := range p.ds {
		for _, r := range d.Relationships {
			if findDataset(p.ds, r.ToDataset) == nil {
				continue
			}
			cr := ContextRelationship{From: d.Name, To: r.ToDataset, On: joinCondition(d, r), Type: r.Type}
			if p.take(renderRelationship(cr)) {
				p.c.Relationships = append(p.c.Relationships, cr)
			}
		}
	}
	for _, q := range p.verifiedQueries(question) {
		if p.take(renderQuery(q)) {
			p.c.VerifiedQueries = append(p.c.VerifiedQueries, q)
		}
	}
	for _, d := range p.ds {
		for _, f := range d.Filters {
			n := ContextNamed{Dataset: d.Name, Name: f.Name, Expression: f.Expression, Description: f.Description}
			if p.take(renderNamed("Filter", n)) {
				p.c.Filters = append(p.c.Filters, n)
			}
		}
		for _, m := range d.Metrics {
			n := ContextNamed{Dataset: d.Name, Name: m.Name, Expression: m.Expression, Description: m.Description}
			if p.take(renderNamed("Metric", n)) {
				p.c.Metrics = append(p.c.Metrics, n)
			}
		}
	}
}

// verifiedQueries of the context's datasets, those sharing more words with
// the question first; those sharing none are left out.
func (p *packer) verifiedQueries(question string) []VerifiedQuery {
	q := set(tokens(question))
	type scored struct {
		vq VerifiedQuery
		n  int
	}
	var all []scored
	for _, d := range p.ds {
		for _, vq := range d.VerifiedQueries {
			n := 0
			for t := range set(tokens(vq.Question)) {
				if q[t] {
					n++
				}
			}
			if n > 0 {
				all = append(all, scored{vq, n})
			}
		}
	}
	slices.SortStableFunc(all, func(a, b scored) int { return b.n - a.n })
	out := make([]VerifiedQuery, len(all))
	for i, s := range all {
		out[i] = s.vq
	}
	return out
}

func joinCondition(d *Dataset, r Relationship) string {
	var on []string
	for i := range r.FromColumns {
		on = append(on, fmt.Sprintf("%s.%s = %s.%s", d.Name, r.FromColumns[i], r.ToDataset, r.ToColumns[i]))
	}
	return strings.Join(on, " AND ")
}

func findDataset(ds []*Dataset, name string) *Dataset {
	for _, d := range ds {
		if strings.EqualFold(d.Name, name) {
			return d
		}
	}
	return nil
}

func hint(c *AIContext) string {
	if c == nil {
		return ""
	}
	return c.Instructions
}

func round2(f float64) float64 { return float64(int(f*100+0.5)) / 100 }
