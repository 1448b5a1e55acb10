package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// topN is how many phrases analyze returns.
const topN = 10

// errInvalidTicket is wrapped by the error for a ticket analyze cannot read.
var errInvalidTicket = errors.New("invalid ticket")

type ticket struct {
	ID          json.RawMessage `json:"id"`
	Status      string          `json:"status"`
	Priority    string          `json:"priority"`
	CreatedAt   string          `json:"created_at"`
	ResolvedAt  string          `json:"resolved_at"`
	Title       string          `json:"title"`
	Description string          `json:"description"`
}

type analyzeInput struct {
	Tickets []ticket `json:"tickets"`
}

type phraseCount struct {
	Phrase string `json:"phrase"`
	Count  int    `json:"count"`
}

type analyzeOutput struct {
	Total      int            `json:"total"`
	ByStatus   map[string]int `json:"by_status"`
	ByPriority map[string]int `json:"by_priority"`
	// MedianResolutionHours is null when no ticket is resolved.
	MedianResolutionHours *float64      `json:"median_resolution_hours"`
	TopPhrases            []phraseCount `json:"top_phrases"`
}

// analyze summarises the tickets. It fails on a ticket whose timestamps are
// not RFC 3339 or that was resolved before it was created.
func analyze(in analyzeInput) (analyzeOutput, error) {
	out := analyzeOutput{
		Total:      len(in.Tickets),
		ByStatus:   map[string]int{},
		ByPriority: map[string]int{},
	}
	var hours []float64
	for _, t := range in.Tickets {
		out.ByStatus[label(t.Status)]++
		out.ByPriority[label(t.Priority)]++
		h, resolved, err := resolutionHours(t)
		if err != nil {
			return analyzeOutput{}, err
		}
		if resolved {
			hours = append(hours, h)
		}
	}
	out.MedianResolutionHours = median(hours)
	out.TopPhrases = topPhrases(in.Tickets, topN)
	return out, nil
}

// label normalises a status or priority: trimmed, lowercase, "unknown" when
// empty.
func label(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return "unknown"
	}
	return s
}

// resolutionHours returns how long t took to resolve, and whether it is
// resolved at all.
func resolutionHours(t ticket) (float64, bool, error) {
	created, err := time.Parse(time.RFC3339, t.CreatedAt)
	if err != nil {
		return 0, false, fmt.Errorf("%w %s: created_at: %v", errInvalidTicket, t.ID, err)
	}
	if t.ResolvedAt == "" {
		return 0, false, nil
	}
	resolved, err := time.Parse(time.RFC3339, t.ResolvedAt)
	if err != nil {
		return 0, false, fmt.Errorf("%w %s: resolved_at: %v", errInvalidTicket, t.ID, err)
	}
	if resolved.Before(created) {
		return 0, false, fmt.Errorf("%w %s: resolved_at is before created_at", errInvalidTicket, t.ID)
	}
	return resolved.Sub(created).Hours(), true, nil
}

// median returns the median of xs rounded to two decimals, or nil if xs is
// empty. It sorts xs.
func median(xs []float64) *float64 {
	if len(xs) == 0 {
		return nil
	}
	slices.Sort(xs)
	m := xs[len(xs)/2]
	if len(xs)%2 == 0 {
		m = (xs[len(xs)/2-1] + m) / 2
	}
	m = math.Round(m*100) / 100
	return &m
}

func main() {} // never called: a plugin is a reactor
