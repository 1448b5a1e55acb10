package manifests

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// printer renders the jsonschema messages this file does not rephrase.
var printer = message.NewPrinter(language.English)

// schemaFieldError turns a validation error of schema.json into the
// *FieldError of its first leaf, in field order, so that the message is
// deterministic and names one field.
func schemaFieldError(err error) *FieldError {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return fieldErr("", err.Error())
	}
	var all []*FieldError
	for _, leaf := range leaves(ve, nil) {
		all = append(all, describe(leaf))
	}
	slices.SortFunc(all, func(a, b *FieldError) int {
		return strings.Compare(a.Field+"\x00"+a.Reason, b.Field+"\x00"+b.Reason)
	})
	if len(all) == 0 {
		return fieldErr("", "does not match the manifest schema")
	}
	return all[0]
}

// leaves appends the errors of the tree rooted at e that have no causes.
func leaves(e *jsonschema.ValidationError, out []*jsonschema.ValidationError) []*jsonschema.ValidationError {
	if len(e.Causes) == 0 {
		return append(out, e)
	}
	for _, c := range e.Causes {
		out = leaves(c, out)
	}
	return out
}

// describe names the field of one leaf error and says what is wrong with it
// in words an author can act on.
func describe(e *jsonschema.ValidationError) *FieldError {
	loc := e.InstanceLocation
	switch k := e.ErrorKind.(type) {
	case *kind.Required:
		return fieldErr(fieldPath(append(slices.Clone(loc), slices.Min(k.Missing))), "is required")
	case *kind.AdditionalProperties:
		return fieldErr(fieldPath(append(slices.Clone(loc), slices.Min(k.Properties))), "unknown field")
	case *kind.MinItems:
		if k.Want == 1 {
			return fieldErr(fieldPath(loc), "must not be empty")
		}
	case *kind.MaxItems:
		return fieldErr(fieldPath(loc), fmt.Sprintf("must have at most %d items", k.Want))
	case *kind.MinLength:
		if k.Want == 1 {
			return fieldErr(fieldPath(loc), "must not be empty")
		}
	case *kind.UniqueItems:
		return fieldErr(fieldPath(loc), fmt.Sprintf("items %d and %d are duplicates", k.Duplicates[0], k.Duplicates[1]))
	case *kind.Pattern:
		return fieldErr(fieldPath(loc), "must match "+k.Want)
	case *kind.Enum:
		return fieldErr(fieldPath(loc), "must be one of "+enumList(k.Want))
	}
	return fieldErr(fieldPath(loc), e.ErrorKind.LocalizedString(printer))
}

// enumList renders the allowed values of an enum of schema.json.
func enumList(want []any) string {
	s := make([]string, len(want))
	for i, w := range want {
		s[i] = fmt.Sprint(w)
	}
	return strings.Join(s, ", ")
}

// fieldPath renders a JSON pointer's tokens as "actions[0].scopes". Tokens
// that are not plain keys are quoted, so a hostile key cannot forge a path
// or break a log line.
func fieldPath(tokens []string) string {
	var b strings.Builder
	for _, t := range tokens {
		switch {
		case isIndex(t):
			b.WriteString("[" + t + "]")
		case isPlainKey(t):
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(t)
		default:
			fmt.Fprintf(&b, "[%q]", oneLine(t, 64))
		}
	}
	return b.String()
}

// isIndex reports whether t is an array index.
func isIndex(t string) bool {
	if t == "" || len(t) > 10 {
		return false
	}
	for _, c := range t {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// isPlainKey reports whether t can be printed unquoted in a field path.
func isPlainKey(t string) bool {
	if t == "" || len(t) > 64 {
		return false
	}
	for _, c := range t {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
