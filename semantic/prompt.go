package semantic

import (
	"fmt"
	"strings"
)

const promptHeader = "Warehouse context (semantic layer). Use only these tables and columns; prefer the verified queries' patterns.\n"

// render writes the context as a prompt block: datasets with their fields,
// then joins, verified queries, filters and metrics.
func render(c *Context) string {
	var b strings.Builder
	b.WriteString(promptHeader)
	for _, d := range c.Datasets {
		b.WriteString(renderDataset(d))
		for _, f := range c.Fields {
			if f.Dataset == d.Name {
				b.WriteString(renderField(f))
			}
		}
	}
	for _, r := range c.Relationships {
		b.WriteString(renderRelationship(r))
	}
	for _, q := range c.VerifiedQueries {
		b.WriteString(renderQuery(q))
	}
	for _, f := range c.Filters {
		b.WriteString(renderNamed("Filter", f))
	}
	for _, m := range c.Metrics {
		b.WriteString(renderNamed("Metric", m))
	}
	return b.String()
}

func renderDataset(d ContextDataset) string {
	s := "\nTable " + d.Table
	if d.Name != d.Table {
		s += " (dataset " + d.Name + ")"
	}
	if d.Description != "" {
		s += ": " + oneLine(d.Description)
	}
	if d.Hint != "" {
		s += " Hint: " + oneLine(d.Hint)
	}
	return s + "\n"
}

func renderField(f ContextField) string {
	var b strings.Builder
	fmt.Fprintf(&b, "- %s", f.Field)
	if f.DataType != "" {
		fmt.Fprintf(&b, " %s", f.DataType)
	}
	if f.Expression != "" {
		fmt.Fprintf(&b, " = %s", oneLine(f.Expression))
	}
	if f.Description != "" {
		fmt.Fprintf(&b, ": %s", oneLine(f.Description))
	}
	if len(f.Synonyms) > 0 {
		fmt.Fprintf(&b, " Also called: %s.", strings.Join(f.Synonyms, ", "))
	}
	if len(f.SampleValues) > 0 {
		kind := "Examples"
		if f.IsEnum {
			kind = "Values"
		}
		fmt.Fprintf(&b, " %s: %s.", kind, strings.Join(f.SampleValues, ", "))
	}
	if f.Hint != "" {
		fmt.Fprintf(&b, " Hint: %s", oneLine(f.Hint))
	}
	if f.Sensitivity == PII || f.Sensitivity == Secret {
		fmt.Fprintf(&b, " (%s)", f.Sensitivity)
	}
	return b.String() + "\n"
}

func renderRelationship(r ContextRelationship) string {
	return "Join: " + r.On + "\n"
}

func renderQuery(q VerifiedQuery) string {
	return "Verified query: " + oneLine(q.Question) + "\n  " + oneLine(q.SQL) + "\n"
}

func renderNamed(kind string, n ContextNamed) string {
	s := fmt.Sprintf("%s %s.%s: %s", kind, n.Dataset, n.Name, oneLine(n.Expression))
	if n.Description != "" {
		s += " (" + oneLine(n.Description) + ")"
	}
	return s + "\n"
}

// oneLine folds whitespace so that layer text cannot break the block's
// line structure.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
