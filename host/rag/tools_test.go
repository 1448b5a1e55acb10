package rag_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/secure-agent/saa/host/rag"
)

func TestTools(t *testing.T) {
	for _, tool := range rag.Tools() {
		if !json.Valid(tool.Parameters) {
			t.Errorf("%s: parameters are not JSON", tool.Name)
		}
	}
	c, err := rag.ParseToolCall(rag.ToolSearch, []byte(`{"handle":"rag_aaaaaaaaaaaaaaaaaaaaaaaaaa","query":"refund","k":3}`))
	if err != nil || c.Search == nil || c.Search.Query != "refund" || c.Search.K != 3 {
		t.Fatalf("search call = %+v, %v", c, err)
	}
	c, err = rag.ParseToolCall(rag.ToolExpand, []byte(`{"handle":"rag_aaaaaaaaaaaaaaaaaaaaaaaaaa","id":0,"neighbours":2}`))
	if err != nil || c.Search != nil || c.ID != 0 || c.Neighbours != 2 {
		t.Fatalf("expand call = %+v, %v", c, err)
	}
	for name, args := range map[string]string{
		"unknown member":    `{"handle":"h","query":"x","sql":"drop"}`,
		"wrong type":        `{"handle":1}`,
		"trailing data":     `{"handle":"h"} {}`,
		"expand without id": `{"handle":"h"}`,
		"not JSON":          `handle=h`,
	} {
		tool := rag.ToolSearch
		if name == "expand without id" {
			tool = rag.ToolExpand
		}
		if _, err := rag.ParseToolCall(tool, []byte(args)); !errors.Is(err, rag.ErrInvalidQuery) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	if _, err := rag.ParseToolCall("rag_delete", []byte(`{}`)); !errors.Is(err, rag.ErrInvalidQuery) {
		t.Errorf("unknown tool: %v", err)
	}
}

func TestHandleOf(t *testing.T) {
	s := openStore(t, t.TempDir(), nil)
	env, err := s.Ingest(ctx, alice, ticketsJSON(20), "")
	if err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(env)
	if h, ok := rag.HandleOf(out); !ok || h != env.Handle {
		t.Fatalf("HandleOf(envelope) = %q, %v", h, ok)
	}
	for _, notOne := range []string{`{"handle":"rag_aaaaaaaaaaaaaaaaaaaaaaaaaa"}`, `{"handle":"x","query":{}}`, `[]`, `nope`} {
		if _, ok := rag.HandleOf([]byte(notOne)); ok {
			t.Errorf("HandleOf(%s) = true", notOne)
		}
	}
}

// FuzzParseToolCall: a model's arguments either decode or fail with
// ErrInvalidQuery; a decoded search always carries options.
func FuzzParseToolCall(f *testing.F) {
	f.Add(rag.ToolSearch, []byte(`{"handle":"rag_aaaaaaaaaaaaaaaaaaaaaaaaaa","query":"x"}`))
	f.Add(rag.ToolExpand, []byte(`{"handle":"h","id":-3,"neighbours":99}`))
	f.Fuzz(func(t *testing.T, name string, args []byte) {
		c, err := rag.ParseToolCall(name, args)
		if err != nil {
			if !errors.Is(err, rag.ErrInvalidQuery) {
				t.Fatalf("err without ErrInvalidQuery: %v", err)
			}
			return
		}
		if (name == rag.ToolSearch) != (c.Search != nil) {
			t.Fatalf("%s decoded as %+v", name, c)
		}
	})
}
