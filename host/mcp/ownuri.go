package mcp

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/secure-agent/saa/host/rag"
	"github.com/secure-agent/saa/semantic"
)

// SAA's own resources, served by the host rather than by a plugin:
//
//	saa://semantic/datasets/{name}               a dataset as GET /v1/semantic/datasets/{name}
//	saa://semantic/context{?q,budget}            ranked prompt context, as GET /v1/semantic/context
//	saa://rag/{handle}                           one of the caller's handles
//	saa://rag/{handle}/search{?q,k,contains}     as GET /v1/rag/{handle}/search
//	saa://rag/{handle}/chunks/{id}{?neighbours}  as GET /v1/rag/{handle}/chunks/{id}
const ownScheme = "saa"

// Kinds of own resource.
const (
	refDataset = "dataset"
	refContext = "context"
	refHandle  = "handle"
	refSearch  = "search"
	refChunks  = "chunks"
)

// maxOwnURI bounds an own resource's URI, in bytes.
const maxOwnURI = 8192

// maxQuestion bounds a q parameter, in bytes, as on REST.
const maxQuestion = 4096

// ErrResourceURI means a saa:// URI names no resource SAA serves.
var ErrResourceURI = errors.New("invalid saa resource uri")

// ownRef is a parsed saa:// URI.
type ownRef struct {
	kind   string
	name   string // dataset
	handle string
	query  string // q
	// contains filters search hits by a substring.
	contains   string
	k, budget  int
	id, nbours int
}

// isOwnURI reports whether uri is in SAA's own scheme, whatever its case:
// such URIs are answered by the host and never by a plugin.
func isOwnURI(uri string) bool {
	return len(uri) >= len(ownScheme)+1 && strings.EqualFold(uri[:len(ownScheme)+1], ownScheme+":")
}

// parseOwnURI parses one of SAA's own resource URIs. It accepts exactly
// the forms above: no user, port, fragment or unknown parameter, each
// parameter at most once, and the same bounds as the REST routes.
func parseOwnURI(raw string) (ownRef, error) {
	if len(raw) > maxOwnURI || !utf8.ValidString(raw) {
		return ownRef{}, fmt.Errorf("%w: longer than %d bytes or not UTF-8", ErrResourceURI, maxOwnURI)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return ownRef{}, fmt.Errorf("%w: %v", ErrResourceURI, err)
	}
	if u.Scheme != ownScheme || u.Opaque != "" || u.User != nil || u.Port() != "" || u.Fragment != "" || u.RawFragment != "" {
		return ownRef{}, fmt.Errorf("%w: want saa://semantic/... or saa://rag/...", ErrResourceURI)
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return ownRef{}, fmt.Errorf("%w: query: %v", ErrResourceURI, err)
	}
	seg := strings.Split(strings.TrimPrefix(u.Path, "/"), "/")
	switch u.Host {
	case "semantic":
		return parseSemantic(seg, q)
	case "rag":
		return parseRAG(seg, q)
	}
	return ownRef{}, fmt.Errorf("%w: unknown kind %q", ErrResourceURI, u.Host)
}

func parseSemantic(seg []string, q url.Values) (ownRef, error) {
	switch {
	case len(seg) == 2 && seg[0] == "datasets" && seg[1] != "":
		return ownRef{kind: refDataset, name: seg[1]}, onlyParams(q)
	case len(seg) == 1 && seg[0] == "context":
		if err := onlyParams(q, "q", "budget"); err != nil {
			return ownRef{}, err
		}
		r := ownRef{kind: refContext, query: q.Get("q")}
		if r.query == "" || len(r.query) > maxQuestion {
			return ownRef{}, fmt.Errorf("%w: q must be a question of 1 to %d bytes", ErrResourceURI, maxQuestion)
		}
		if b := q.Get("budget"); b != "" {
			n, err := strconv.Atoi(b)
			if err != nil || n < semantic.MinBudget || n > semantic.MaxBudget {
				return ownRef{}, fmt.Errorf("%w: budget must be a number of tokens from %d to %d", ErrResourceURI, semantic.MinBudget, semantic.MaxBudget)
			}
			r.budget = n
		}
		return r, nil
	}
	return ownRef{}, fmt.Errorf("%w: want saa://semantic/datasets/{name} or saa://semantic/context?q=", ErrResourceURI)
}

func parseRAG(seg []string, q url.Values) (ownRef, error) {
	if !rag.ValidHandle(seg[0]) {
		return ownRef{}, fmt.Errorf("%w: not a handle", ErrResourceURI)
	}
	r := ownRef{handle: seg[0]}
	var err error
	switch {
	case len(seg) == 1:
		r.kind = refHandle
		err = onlyParams(q)
	case len(seg) == 2 && seg[1] == "search":
		r.kind = refSearch
		if err = onlyParams(q, "q", "k", "contains"); err == nil {
			r.query, r.contains = q.Get("q"), q.Get("contains")
			r.k, err = count(q.Get("k"), "k")
		}
		if err == nil && len(r.query) > maxQuestion {
			err = fmt.Errorf("%w: q is longer than %d bytes", ErrResourceURI, maxQuestion)
		}
	case len(seg) == 3 && seg[1] == "chunks":
		r.kind = refChunks
		if err = onlyParams(q, "neighbours"); err == nil {
			r.id, err = count(seg[2], "id")
		}
		if err == nil {
			r.nbours, err = count(q.Get("neighbours"), "neighbours")
		}
	default:
		err = fmt.Errorf("%w: want saa://rag/{handle}, .../search?q= or .../chunks/{id}", ErrResourceURI)
	}
	return r, err
}

// onlyParams refuses a parameter not in allowed, or given twice.
func onlyParams(q url.Values, allowed ...string) error {
	for name, vs := range q {
		if !slices.Contains(allowed, name) {
			return fmt.Errorf("%w: unknown parameter %q", ErrResourceURI, name)
		}
		if len(vs) > 1 {
			return fmt.Errorf("%w: parameter %q given %d times", ErrResourceURI, name, len(vs))
		}
	}
	return nil
}

// count parses an optional non-negative integer; "" is 0.
func count(v, name string) (int, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%w: %s must be a non-negative integer", ErrResourceURI, name)
	}
	return n, nil
}
