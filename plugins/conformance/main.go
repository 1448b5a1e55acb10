//go:build wasip1

// Command conformance implements the tools of the official MCP conformance
// suite (@modelcontextprotocol/conformance) as an SAA plugin, so that the
// suite exercises the sandbox path: content blocks, client logging,
// progress, sampling and elicitation all go through the PDK's client
// functions. It is loaded only when SAA_PLUGINS_DIR points at its folder.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/secure-agent/saa/pdk"
)

func main() {} // never called: a plugin is a reactor

// Minimal media: a 1x1 red PNG and a silent 16-bit WAV.
const (
	redPixelPNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC"
	silentWAV   = "UklGRjQAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YRAAAAAAAAAAAAAAAAAAAAAAAAAA"
)

type none struct{}

// text adds a text block.
func text(s string) error { return pdk.AddContent(map[string]any{"type": "text", "text": s}) }

func image() error {
	return pdk.AddContent(map[string]any{"type": "image", "data": redPixelPNG, "mimeType": "image/png"})
}

//go:wasmexport test_simple_text
func testSimpleText() int32 {
	return pdk.Run(func(none) (none, error) { return none{}, text("This is a simple text response for testing.") })
}

//go:wasmexport test_image_content
func testImageContent() int32 {
	return pdk.Run(func(none) (none, error) { return none{}, image() })
}

//go:wasmexport test_audio_content
func testAudioContent() int32 {
	return pdk.Run(func(none) (none, error) {
		return none{}, pdk.AddContent(map[string]any{"type": "audio", "data": silentWAV, "mimeType": "audio/wav"})
	})
}

//go:wasmexport test_embedded_resource
func testEmbeddedResource() int32 {
	return pdk.Run(func(none) (none, error) {
		return none{}, pdk.AddContent(map[string]any{"type": "resource", "resource": map[string]any{
			"uri": "test://embedded-resource", "mimeType": "text/plain", "text": "This is an embedded resource content.",
		}})
	})
}

//go:wasmexport test_multiple_content_types
func testMultipleContentTypes() int32 {
	return pdk.Run(func(none) (none, error) {
		err := errors.Join(text("Multiple content types test:"), image(),
			pdk.AddContent(map[string]any{"type": "resource", "resource": map[string]any{
				"uri": "test://mixed-content-resource", "mimeType": "application/json", "text": `{"test":"data","value":123}`,
			}}))
		return none{}, err
	})
}

//go:wasmexport test_tool_with_logging
func testToolWithLogging() int32 {
	return pdk.Run(func(none) (none, error) {
		for i, msg := range []string{"Tool execution started", "Tool processing data", "Tool execution completed"} {
			if i > 0 {
				time.Sleep(50 * time.Millisecond)
			}
			if err := pdk.ClientLog("info", msg); err != nil {
				return none{}, err
			}
		}
		return none{}, text("Tool with logging executed successfully")
	})
}

//go:wasmexport test_error_handling
func testErrorHandling() int32 {
	return pdk.Run(func(none) (none, error) {
		return none{}, errors.New("This tool intentionally returns an error for testing")
	})
}

//go:wasmexport test_tool_with_progress
func testToolWithProgress() int32 {
	return pdk.Run(func(none) (none, error) {
		for i, p := range []float64{0, 50, 100} {
			if i > 0 {
				time.Sleep(50 * time.Millisecond)
			}
			if err := pdk.Progress(p, 100, ""); err != nil {
				return none{}, err
			}
		}
		return none{}, text("Tool with progress executed successfully")
	})
}

type promptIn struct {
	Prompt string `json:"prompt"`
}

//go:wasmexport test_sampling
func testSampling() int32 {
	return pdk.Run(func(in promptIn) (none, error) {
		raw, err := pdk.Sample(map[string]any{
			"messages":  []any{map[string]any{"role": "user", "content": map[string]any{"type": "text", "text": in.Prompt}}},
			"maxTokens": 100,
		})
		if err != nil {
			return none{}, err
		}
		var res struct {
			Content struct {
				Text string `json:"text"`
			} `json:"content"`
		}
		if err := json.Unmarshal(raw, &res); err != nil {
			return none{}, fmt.Errorf("decode sampling result: %w", err)
		}
		return none{}, text("LLM response: " + res.Content.Text)
	})
}

type messageIn struct {
	Message string `json:"message"`
}

//go:wasmexport test_elicitation
func testElicitation() int32 {
	return pdk.Run(func(in messageIn) (none, error) {
		raw, err := pdk.Elicit(map[string]any{
			"message": in.Message,
			"requestedSchema": map[string]any{
				"type": "object",
				"properties": map[string]any{
					"username": map[string]any{"type": "string", "description": "User's response"},
					"email":    map[string]any{"type": "string", "description": "User's email address"},
				},
				"required": []string{"username", "email"},
			},
		})
		if err != nil {
			return none{}, err
		}
		return none{}, text("User response: " + string(raw))
	})
}

//go:wasmexport test_elicitation_sep1034_defaults
func testElicitationDefaults() int32 {
	return pdk.Run(func(none) (none, error) {
		return none{}, elicitCompleted(map[string]any{
			"name":     map[string]any{"type": "string", "default": "John Doe"},
			"age":      map[string]any{"type": "integer", "default": 30},
			"score":    map[string]any{"type": "number", "default": 95.5},
			"status":   map[string]any{"type": "string", "enum": []string{"active", "inactive", "pending"}, "default": "active"},
			"verified": map[string]any{"type": "boolean", "default": true},
		})
	})
}

//go:wasmexport test_elicitation_sep1330_enums
func testElicitationEnums() int32 {
	titled := func(prefix string, names ...string) []any {
		out := []any{}
		for i, n := range names {
			out = append(out, map[string]any{"const": fmt.Sprintf("value%d", i+1), "title": prefix + n})
		}
		return out
	}
	return pdk.Run(func(none) (none, error) {
		return none{}, elicitCompleted(map[string]any{
			"untitledSingle": map[string]any{"type": "string", "enum": []string{"option1", "option2", "option3"}},
			"titledSingle":   map[string]any{"type": "string", "oneOf": titled("", "First Option", "Second Option", "Third Option")},
			"legacyEnum": map[string]any{"type": "string", "enum": []string{"opt1", "opt2", "opt3"},
				"enumNames": []string{"Option One", "Option Two", "Option Three"}},
			"untitledMulti": map[string]any{"type": "array", "items": map[string]any{"type": "string", "enum": []string{"option1", "option2", "option3"}}},
			"titledMulti":   map[string]any{"type": "array", "items": map[string]any{"anyOf": titled("", "First Choice", "Second Choice", "Third Choice")}},
		})
	})
}

// elicitCompleted asks for a form with properties and reports the answer.
func elicitCompleted(properties map[string]any) error {
	raw, err := pdk.Elicit(map[string]any{
		"message":         "Please review and update the form fields",
		"requestedSchema": map[string]any{"type": "object", "properties": properties},
	})
	if err != nil {
		return err
	}
	var res struct {
		Action  string          `json:"action"`
		Content json.RawMessage `json:"content"`
	}
	if err := json.Unmarshal(raw, &res); err != nil {
		return fmt.Errorf("decode elicitation result: %w", err)
	}
	return text(fmt.Sprintf("Elicitation completed: action=%s, content=%s", res.Action, res.Content))
}

//go:wasmexport json_schema_2020_12_tool
func jsonSchemaTool() int32 {
	return pdk.Run(func(in map[string]any) (none, error) {
		b, _ := json.Marshal(in)
		return none{}, text("Received: " + string(b))
	})
}

// Resources and prompts: each action returns the MCP result itself.

type uriInput struct {
	URI string `json:"uri"`
	ID  string `json:"id,omitempty"`
}

type contents struct {
	Contents []map[string]any `json:"contents"`
}

func textResource(uri, s string) contents {
	return contents{Contents: []map[string]any{{"uri": uri, "mimeType": "text/plain", "text": s}}}
}

//go:wasmexport read_static_text
func readStaticText() int32 {
	return pdk.Run(func(in uriInput) (contents, error) {
		return textResource(in.URI, "This is the content of the static text resource."), nil
	})
}

//go:wasmexport read_static_binary
func readStaticBinary() int32 {
	return pdk.Run(func(in uriInput) (contents, error) {
		return contents{Contents: []map[string]any{{"uri": in.URI, "mimeType": "image/png", "blob": redPixelPNG}}}, nil
	})
}

//go:wasmexport read_template
func readTemplate() int32 {
	return pdk.Run(func(in uriInput) (contents, error) {
		return contents{Contents: []map[string]any{{
			"uri": in.URI, "mimeType": "application/json",
			"text": fmt.Sprintf(`{"id":%q,"templateTest":true,"data":"Data for ID: %s"}`, in.ID, in.ID),
		}}}, nil
	})
}

//go:wasmexport read_watched
func readWatched() int32 {
	return pdk.Run(func(in uriInput) (contents, error) {
		return textResource(in.URI, "Watched resource content"), nil
	})
}

type messages struct {
	Messages []map[string]any `json:"messages"`
}

func user(content map[string]any) map[string]any {
	return map[string]any{"role": "user", "content": content}
}

func userText(s string) map[string]any { return user(map[string]any{"type": "text", "text": s}) }

//go:wasmexport prompt_simple
func promptSimple() int32 {
	return pdk.Run(func(none) (messages, error) {
		return messages{Messages: []map[string]any{userText("This is a simple prompt for testing.")}}, nil
	})
}

//go:wasmexport prompt_with_arguments
func promptWithArguments() int32 {
	return pdk.Run(func(in struct{ Arg1, Arg2 string }) (messages, error) {
		return messages{Messages: []map[string]any{userText(fmt.Sprintf("Prompt with arguments: arg1='%s', arg2='%s'", in.Arg1, in.Arg2))}}, nil
	})
}

//go:wasmexport prompt_with_embedded_resource
func promptWithEmbeddedResource() int32 {
	return pdk.Run(func(in struct {
		ResourceURI string `json:"resourceUri"`
	}) (messages, error) {
		return messages{Messages: []map[string]any{
			user(map[string]any{"type": "resource", "resource": map[string]any{
				"uri": in.ResourceURI, "mimeType": "text/plain", "text": "Embedded resource content for testing.",
			}}),
			userText("Please process the embedded resource above."),
		}}, nil
	})
}

//go:wasmexport prompt_with_image
func promptWithImage() int32 {
	return pdk.Run(func(none) (messages, error) {
		return messages{Messages: []map[string]any{
			user(map[string]any{"type": "image", "data": redPixelPNG, "mimeType": "image/png"}),
			userText("Please analyze the image above."),
		}}, nil
	})
}
