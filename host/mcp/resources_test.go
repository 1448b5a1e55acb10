package mcp_test

import (
	"context"
	"strings"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestResourcesAndPromptsGoThroughInvoke: the conformance plugin's
// resources and prompts are read by its actions, with their scopes — a
// token without conformance:call can neither read nor render.
func TestResourcesAndPromptsGoThroughInvoke(t *testing.T) {
	f := newFixture(t, conformancePlugin())
	ctx := context.Background()
	s := f.connect(f.token(f.url, "conformance:call"), nil)

	res, err := s.ReadResource(ctx, &sdk.ReadResourceParams{URI: "test://template/42/data"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Contents) != 1 || !strings.Contains(res.Contents[0].Text, `"id":"42"`) {
		t.Fatalf("template read = %+v", res.Contents)
	}
	bin, err := s.ReadResource(ctx, &sdk.ReadResourceParams{URI: "test://static-binary"})
	if err != nil || len(bin.Contents) != 1 || len(bin.Contents[0].Blob) == 0 {
		t.Fatalf("binary read = %+v, %v", bin, err)
	}
	if _, err := s.ReadResource(ctx, &sdk.ReadResourceParams{URI: "test://nope"}); err == nil {
		t.Fatal("unknown resource read, want an error")
	}
	p, err := s.GetPrompt(ctx, &sdk.GetPromptParams{Name: "conformance-test_prompt_with_arguments", Arguments: map[string]string{"arg1": "v1", "arg2": "v2"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Messages) != 1 || !strings.Contains(p.Messages[0].Content.(*sdk.TextContent).Text, "arg2='v2'") {
		t.Fatalf("prompt = %+v", p.Messages)
	}
	if err := s.Subscribe(ctx, &sdk.SubscribeParams{URI: "test://watched-resource"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Subscribe(ctx, &sdk.SubscribeParams{URI: "test://static-text"}); err == nil {
		t.Fatal("subscribed to a resource not marked subscribe")
	}

	other := f.connect(f.token(f.url, "introspect"), nil)
	if _, err := other.ReadResource(ctx, &sdk.ReadResourceParams{URI: "test://static-text"}); err == nil || !strings.Contains(err.Error(), "scope") {
		t.Fatalf("read without conformance:call: %v, want a scope error", err)
	}
	if _, err := other.GetPrompt(ctx, &sdk.GetPromptParams{Name: "conformance-test_simple_prompt"}); err == nil {
		t.Fatal("prompt rendered without conformance:call")
	}
}

// TestListsShowOnlyWhatTheTokenMayUse: resources, templates and prompts are
// listed only to a token holding the serving action's scopes.
func TestListsShowOnlyWhatTheTokenMayUse(t *testing.T) {
	f := newFixture(t, conformancePlugin())
	ctx := context.Background()
	for _, c := range []struct {
		scope string
		want  bool
	}{{"conformance:call", true}, {"introspect", false}} {
		s := f.connect(f.token(f.url, c.scope), nil)
		res, err := s.ListResources(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		tmpl, err := s.ListResourceTemplates(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		pr, err := s.ListPrompts(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		for name, n := range map[string]int{"resources": len(res.Resources), "templates": len(tmpl.ResourceTemplates), "prompts": len(pr.Prompts)} {
			if (n > 0) != c.want {
				t.Errorf("%s: %d %s listed, want listed=%v", c.scope, n, name, c.want)
			}
		}
		// Completion must not tell that a prompt or template exists either.
		_, err = s.Complete(ctx, &sdk.CompleteParams{Ref: &sdk.CompleteReference{Type: "ref/resource", URI: "test://template/{id}/data"}, Argument: sdk.CompleteParamsArgument{Name: "id"}})
		if (err == nil) != c.want {
			t.Errorf("%s: completion of the template: %v, want known=%v", c.scope, err, c.want)
		}
	}
}
