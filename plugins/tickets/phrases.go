package main

import (
	"cmp"
	"slices"
	"strings"
	"unicode"
)

// topPhrases returns the n most common phrases of two or three words in the
// tickets' titles and descriptions. A phrase is counted once per ticket; it
// never spans a stop word, punctuation, or the title/description boundary. A
// two-word phrase is left out when a three-word phrase containing it has the
// same count. Ties go to the alphabetically first phrase.
func topPhrases(tickets []ticket, n int) []phraseCount {
	counts := map[string]int{}
	for _, t := range tickets {
		seen := map[string]bool{}
		for _, text := range []string{t.Title, t.Description} {
			for _, run := range runs(text) {
				addNGrams(seen, run)
			}
		}
		for p := range seen {
			counts[p]++
		}
	}
	subsumed := subsumedBigrams(counts)
	out := make([]phraseCount, 0, len(counts))
	for p, c := range counts {
		if !subsumed[p] {
			out = append(out, phraseCount{Phrase: p, Count: c})
		}
	}
	slices.SortFunc(out, func(a, b phraseCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Phrase, b.Phrase))
	})
	return out[:min(n, len(out))]
}

// addNGrams marks every two- and three-word phrase of run as seen.
func addNGrams(seen map[string]bool, run []string) {
	for size := 2; size <= 3; size++ {
		for i := 0; i+size <= len(run); i++ {
			seen[strings.Join(run[i:i+size], " ")] = true
		}
	}
}

// subsumedBigrams returns the two-word phrases that are the start or the end
// of a three-word phrase with the same count.
func subsumedBigrams(counts map[string]int) map[string]bool {
	out := map[string]bool{}
	for q, c := range counts {
		words := strings.Split(q, " ")
		if len(words) != 3 {
			continue
		}
		for _, p := range []string{words[0] + " " + words[1], words[1] + " " + words[2]} {
			if counts[p] == c {
				out[p] = true
			}
		}
	}
	return out
}

// runs splits text into runs of consecutive lowercase content words: stop
// words, one-letter words and punctuation end a run.
func runs(text string) [][]string {
	var out [][]string
	var run []string
	flush := func() {
		if len(run) >= 2 {
			out = append(out, run)
		}
		run = nil
	}
	text = strings.ReplaceAll(strings.ToLower(text), "\u2019", "'") // typographic apostrophe
	for _, tok := range tokens(text) {
		if tok == "" || stopWords[tok] || len([]rune(tok)) < 2 {
			flush()
			continue
		}
		run = append(run, tok)
	}
	flush()
	return out
}

// tokens splits text into words of letters, digits and inner ' or -, with ""
// standing for punctuation that breaks a phrase. Spaces separate words
// without breaking.
func tokens(text string) []string {
	var out []string
	start := -1
	end := func(i int) {
		if start >= 0 {
			if w := strings.Trim(text[start:i], "'-"); w != "" {
				out = append(out, w)
			}
			start = -1
		}
	}
	for i, r := range text {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'' || r == '-':
			if start < 0 {
				start = i
			}
		case unicode.IsSpace(r):
			end(i)
		default:
			end(i)
			out = append(out, "")
		}
	}
	end(len(text))
	return out
}
