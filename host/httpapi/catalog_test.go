package httpapi

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/manifests"
)

func loadManifest(t *testing.T, path string) *manifests.Manifest {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := manifests.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestCatalogShowsWhatThePrincipalMayCall(t *testing.T) {
	plugins := []*manifests.Manifest{
		loadManifest(t, "../../manifests/testdata/valid.yaml"),
		loadManifest(t, "openapi/testdata/tickets.yaml"),
	}
	tests := []struct {
		name   string
		scopes []string
		want   []string
	}{
		{"no scopes", nil, nil},
		{"one scope", []string{"github:issues.read"}, []string{"github.list_issues"}},
		{"shared scope", []string{"tickets:write"}, []string{"tickets.open", "tickets.close"}},
		{"other plugin's scope name", []string{"tickets:issues.read"}, nil},
		{"everything", []string{"github:issues.read", "github:issues.write", "tickets:write", "tickets:read"},
			[]string{"github.create_issue", "github.list_issues", "tickets.open", "tickets.close", "tickets.ping"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := catalog(plugins, host.Principal{ClientID: "c", Scopes: tt.scopes})
			var names []string
			for _, a := range got {
				names = append(names, a.Plugin+"."+a.Name)
			}
			if strings.Join(names, " ") != strings.Join(tt.want, " ") {
				t.Errorf("catalog = %v, want %v", names, tt.want)
			}
		})
	}
}

var openAIName = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

func TestFunctionName(t *testing.T) {
	long := strings.Repeat("a", 64)
	tests := []struct {
		name, plugin, action, want string
	}{
		{"short", "echo", "echo", "echo-echo"},
		{"underscores", "http_fetch", "get_json", "http_fetch-get_json"},
		{"exactly the limit", "p", strings.Repeat("b", 62), "p-" + strings.Repeat("b", 62)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := functionName(tt.plugin, tt.action); got != tt.want {
				t.Errorf("functionName = %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("over the limit stays valid and unique", func(t *testing.T) {
		a, b := functionName("plugin", long), functionName("plugin", long[1:]+"b")
		if !openAIName.MatchString(a) || !openAIName.MatchString(b) {
			t.Fatalf("invalid names %q %q", a, b)
		}
		if a == b {
			t.Fatalf("two actions share the name %q", a)
		}
	})
}

func TestOpenAITools(t *testing.T) {
	plugins := []*manifests.Manifest{loadManifest(t, "openapi/testdata/tickets.yaml")}
	tools := openAITools(catalog(plugins, host.Principal{Scopes: []string{"tickets:write"}}))
	if len(tools) != 2 {
		t.Fatalf("%d tools, want 2", len(tools))
	}
	open := tools[0]
	if open.Type != "function" || open.Function.Name != "tickets-open" {
		t.Errorf("tool = %+v", open)
	}
	if !strings.Contains(open.Function.Description, "POST /v1/actions/tickets/open") {
		t.Errorf("description %q does not say where to call", open.Function.Description)
	}
	if !strings.Contains(string(open.Function.Parameters), `"required":["title"]`) {
		t.Errorf("parameters = %s, want the input schema", open.Function.Parameters)
	}
}
