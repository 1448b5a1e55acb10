package semantic

import (
	"strings"
	"unicode"
)

// tokens splits text into lowercased, stemmed words: on anything that is
// not a letter or digit, on snake_case and camelCase boundaries (CustomerID
// is customer, id), with English stop words removed.
func tokens(text string) []string {
	var out []string
	for _, w := range words(text) {
		w = strings.ToLower(w)
		if stopWords[w] {
			continue
		}
		out = append(out, stem(w))
	}
	return out
}

// words splits text into its words, camelCase and digit runs apart.
func words(text string) []string {
	var out []string
	rs := []rune(text)
	start := -1
	flush := func(end int) {
		if start >= 0 && end > start {
			out = append(out, string(rs[start:end]))
		}
		start = -1
	}
	for i, r := range rs {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			flush(i)
			continue
		}
		if start < 0 {
			start = i
			continue
		}
		prev := rs[i-1]
		switch {
		case unicode.IsLower(prev) && unicode.IsUpper(r): // camelCase
			flush(i)
			start = i
		case unicode.IsUpper(prev) && unicode.IsUpper(r) && i+1 < len(rs) && unicode.IsLower(rs[i+1]): // HTTPServer
			flush(i)
			start = i
		case unicode.IsDigit(prev) != unicode.IsDigit(r) && unicode.IsLetter(prev) != unicode.IsLetter(r) && i-start > 1:
			// Letters then digits (rate1996) split; short codes (A2, K12) stay.
			flush(i)
			start = i
		}
	}
	flush(len(rs))
	return out
}

// stem removes common English inflections so that "customers" matches
// "customer" and "rated" matches "rate". It is deliberately light: a wrong
// merge costs more than a missed one.
func stem(w string) string {
	n := len(w)
	switch {
	case n > 4 && strings.HasSuffix(w, "ies"):
		return w[:n-3] + "y"
	case n > 4 && strings.HasSuffix(w, "sses"):
		return w[:n-2]
	case n > 5 && strings.HasSuffix(w, "ing"):
		return trimDouble(w[:n-3])
	case n > 4 && strings.HasSuffix(w, "ed") && !strings.HasSuffix(w, "eed"):
		return trimDouble(w[:n-2])
	case n > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is"):
		return w[:n-1]
	}
	return w
}

// trimDouble undoes the doubled consonant of "shipped" -> "shipp".
func trimDouble(w string) string {
	n := len(w)
	if n > 3 && w[n-1] == w[n-2] && !strings.ContainsRune("aeiouls", rune(w[n-1])) {
		return w[:n-1]
	}
	return w
}

// abbreviations expand the shorthand common in column names, so that a
// question's "number" meets a column's "num". General naming conventions,
// not any one schema's.
var abbreviations = map[string][]string{
	"num": {"number"}, "no": {"number"}, "nr": {"number"}, "cnt": {"count"},
	"qty": {"quantity"}, "amt": {"amount"}, "avg": {"average"}, "pct": {"percent"},
	"desc": {"description"}, "dob": {"birth", "date"}, "dt": {"date"}, "ts": {"time"},
	"addr": {"address"}, "tel": {"phone"}, "org": {"organization"}, "dept": {"department"},
	"emp": {"employee"}, "cust": {"customer"}, "acct": {"account"}, "txn": {"transaction"},
	"trans": {"transaction"}, "msg": {"message"}, "min": {"minimum"}, "max": {"maximum"},
	"yr": {"year"}, "mth": {"month"}, "lang": {"language"}, "cat": {"category"},
	"stat": {"statistic"}, "info": {"information"}, "pos": {"position"}, "ht": {"height"},
	"wt": {"weight"}, "dur": {"duration"}, "seq": {"sequence"}, "ref": {"reference"},
	"sex": {"gender"}, "gender": {"sex"}, "pts": {"point"}, "abbr": {"abbreviation"},
}

// expand returns ws with the expansions of any abbreviation appended.
func expand(ws []string) []string {
	out := ws
	for _, w := range ws {
		for _, e := range abbreviations[w] {
			out = append(out, stem(e))
		}
	}
	return out
}

var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a an the of in on at to for from by with and or not no
		is are was were be been being has have had do does did this that these those it its
		as than then there their they them which who whom whose what when where why how
		all any each every some many much more most other such only own same so very can will
		just should would could may might must shall i me my we our you your he him his she her
		please list give show find tell refer refers mean means among between
		into over under about against during before after above below up down out off again
		further once here both few nor too s t don if else per`) {
		m[w] = true
	}
	delete(m, "no") // "no" is also an abbreviation of number; handled by expand
	return m
}()
