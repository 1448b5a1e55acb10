package agents

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// The examples of RFC 6901 section 5.
const rfcDoc = `{"foo": ["bar", "baz"], "": 0, "a/b": 1, "c%d": 2, "e^f": 3, "g|h": 4, "i\\j": 5, "k\"l": 6, " ": 7, "m~n": 8}`

func TestPointerRFC6901(t *testing.T) {
	doc, err := decodeJSON([]byte(rfcDoc))
	if err != nil {
		t.Fatal(err)
	}
	for ptr, want := range map[string]string{
		"": rfcDoc, "/foo": `["bar","baz"]`, "/foo/0": `"bar"`, "/": "0", "/a~1b": "1", "/c%d": "2", "/e^f": "3",
		"/g|h": "4", "/i\\j": "5", "/k\"l": "6", "/ ": "7", "/m~0n": "8",
	} {
		tokens, err := parsePointer(ptr)
		if err != nil {
			t.Fatalf("%q: %v", ptr, err)
		}
		got, err := lookup(doc, tokens)
		if err != nil {
			t.Fatalf("%q: %v", ptr, err)
		}
		if !sameJSON(got, json.RawMessage(want)) {
			t.Errorf("%q = %v, want %s", ptr, got, want)
		}
	}
	for ptr, wantErr := range map[string]error{
		"/foo/2": ErrNoValue, "/foo/-": ErrNoValue, "/foo/01": ErrNoValue, "/foo/+1": ErrNoValue, "/nope": ErrNoValue,
		"/foo/0/x": ErrNoValue,
	} {
		tokens, _ := parsePointer(ptr)
		if _, err := lookup(doc, tokens); !errors.Is(err, wantErr) {
			t.Errorf("%q: err = %v, want %v", ptr, err, wantErr)
		}
	}
	for _, bad := range []string{"foo", "/a~", "/a~2", "/~x", "/" + strings.Repeat("a/", maxPointerTokens)} {
		if _, err := parsePointer(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

// FuzzPointer: a pointer from a definition never panics the parser or the
// lookup, and escaping the tokens gives the pointer back.
func FuzzPointer(f *testing.F) {
	for _, s := range []string{"", "/", "/foo/0", "/a~1b", "/m~0n", "/~", "/foo/-", "x"} {
		f.Add(s, rfcDoc)
	}
	f.Fuzz(func(t *testing.T, ptr, doc string) {
		tokens, err := parsePointer(ptr)
		if err != nil {
			return
		}
		if back := "/" + strings.Join(escapeAll(tokens), "/"); len(tokens) > 0 && back != ptr {
			t.Fatalf("%q round-trips to %q", ptr, back)
		}
		if v, err := decodeJSON([]byte(doc)); err == nil {
			lookup(v, tokens)
		}
	})
}

// FuzzParseWorkflow: any document either fails with a DefinitionError or
// gives a workflow whose every template pointer parses.
func FuzzParseWorkflow(f *testing.F) {
	f.Add([]byte("kind: workflow\nname: flow\nsteps: [{id: a, action: echo.echo, input: {message: {$from: /input/m}}}]\n"))
	f.Add([]byte("kind: workflow\nname: flow\nsteps: [{id: p, parallel: [{id: a, agent: bot, input: x}]}, {id: c, condition: {pointer: /steps/a, equals: 1}, then: [{id: d, action: echo.echo}]}]\n"))
	f.Add([]byte(`{"kind":"workflow","name":"flow","steps":[{"id":"a","action":"echo.echo","input":{"$from":"/steps/a~"}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Parse("f.yaml", data)
		if err != nil {
			var de *DefinitionError
			if !errors.As(err, &de) {
				t.Fatalf("err = %v, not a DefinitionError", err)
			}
			return
		}
		if d.Workflow == nil {
			return
		}
		var walk func([]WorkflowStep)
		walk = func(steps []WorkflowStep) {
			for _, s := range steps {
				if s.Input != nil {
					v, err := decodeJSON(s.Input)
					if err != nil {
						t.Fatalf("accepted input %s: %v", s.Input, err)
					}
					walkTemplate(v, func(p any, ok bool) {
						if ps, isStr := p.(string); !ok || !isStr {
							t.Fatalf("accepted a bad $from: %v", p)
						} else if _, err := parsePointer(ps); err != nil {
							t.Fatalf("accepted pointer %q: %v", ps, err)
						}
					})
				}
				walk(s.Parallel)
				walk(s.Then)
				walk(s.Else)
			}
		}
		walk(d.Workflow.Steps)
	})
}
