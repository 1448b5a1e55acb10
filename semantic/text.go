package semantic

import (
	"strings"
	"unicode"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// printer renders jsonschema's messages.
var printer = message.NewPrinter(language.English)

// isIdent reports whether s is a plain SQL identifier.
func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if r == '_' || unicode.IsLetter(r) || (i > 0 && unicode.IsDigit(r)) {
			continue
		}
		return false
	}
	return true
}

// identSet is the set of lowercased identifier-like words of text (SQL or
// prose), quoted identifiers included.
func identSet(text string) map[string]bool {
	out := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !(r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r))
	}) {
		out[w] = true
	}
	// Quoted identifiers may hold spaces: add each quoted span whole.
	for _, q := range []string{`"`, "`"} {
		parts := strings.Split(strings.ToLower(text), q)
		for i := 1; i < len(parts); i += 2 {
			out[parts[i]] = true
		}
	}
	return out
}
