package adminui

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/secure-agent/saa/host/registry"
	"github.com/secure-agent/saa/manifests"
)

func parseManifest(t *testing.T, text string) *manifests.Manifest {
	t.Helper()
	m, err := manifests.Parse([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestScopesFor(t *testing.T) {
	running := []*manifests.Manifest{
		parseManifest(t, readRepoFile(t, "manifests/echo.yaml")),
		parseManifest(t, readRepoFile(t, "manifests/github.yaml")),
	}
	tests := []struct {
		name    string
		actions []string
		scopes  []string
		want    []string
		wantErr string
	}{
		{"one action", []string{"echo.echo"}, nil, []string{"echo:call"}, ""},
		{"two actions", []string{"github.create_issue", "echo.echo"}, nil, []string{"echo:call", "github:issues.write"}, ""},
		{"action and server scope", []string{"echo.echo"}, []string{"admin"}, []string{"admin", "echo:call"}, ""},
		{"duplicates", []string{"echo.echo", "echo.echo"}, []string{"echo:call"}, []string{"echo:call"}, ""},
		{"nothing", nil, nil, nil, ""},
		{"unknown action", []string{"echo.nope"}, nil, nil, "no action"},
		{"unknown plugin", []string{"nope.echo"}, nil, nil, "no action"},
		{"not a key", []string{"echo"}, nil, nil, "no action"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := scopesFor(running, tt.actions, tt.scopes)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Fatalf("got %v %v, want %v", got, err, tt.want)
			}
		})
	}
}

func TestGrantFormChecksWhatIsHeld(t *testing.T) {
	running := []*manifests.Manifest{parseManifest(t, readRepoFile(t, "manifests/github.yaml"))}
	f := buildGrantForm(running, []string{"github:issues.read", "introspect", "gone:scope"})
	checked := map[string]bool{}
	for _, g := range f.Groups {
		for _, a := range g.Actions {
			checked[a.Key] = a.Checked
		}
	}
	for _, s := range f.Server {
		checked[s.Scope] = s.Checked
	}
	want := map[string]bool{"github.list_issues": true, "github.create_issue": false, "introspect": true, "admin": false}
	for k, v := range want {
		if checked[k] != v {
			t.Errorf("%s checked = %v, want %v", k, checked[k], v)
		}
	}
	if len(f.Other) != 1 || f.Other[0].Scope != "gone:scope" || !f.Other[0].Checked {
		t.Errorf("other scopes = %+v", f.Other)
	}
	if got := grantedActions(running, []string{"github:issues.read", "admin"}); !slices.Equal(got, []string{"github.list_issues", "admin"}) {
		t.Errorf("granted = %v", got)
	}
}

func TestParseAuditQuery(t *testing.T) {
	tests := []struct {
		query   string
		check   func(t *testing.T, q auditQuery, since, until time.Time, before uint64)
		wantErr string
	}{
		{"", func(t *testing.T, q auditQuery, since, until time.Time, before uint64) {
			if !since.IsZero() || !until.IsZero() || before != 0 {
				t.Fatal("empty query filters")
			}
		}, ""},
		{"since=2025-01-31T13:45&until=2025-02-01T00:00:30&before=42&client=c1", func(t *testing.T, q auditQuery, since, until time.Time, before uint64) {
			if !since.Equal(time.Date(2025, 1, 31, 13, 45, 0, 0, time.UTC)) || !until.Equal(time.Date(2025, 2, 1, 0, 0, 30, 0, time.UTC)) || before != 42 || q.Client != "c1" {
				t.Fatalf("since %v until %v before %d", since, until, before)
			}
			if got := q.olderURL(7); !strings.Contains(got, "before=7") || !strings.Contains(got, "client=c1") || !strings.Contains(got, "since=2025-01-31T13%3A45") {
				t.Fatalf("older URL %q", got)
			}
		}, ""},
		{"since=yesterday", nil, "from:"},
		{"until=2025-13-01T00:00", nil, "until:"},
		{"kind=everything", nil, "kind"},
		{"before=-1", nil, "before"},
		{"plugin=" + strings.Repeat("p", 300), nil, "longer"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			v, _ := url.ParseQuery(tt.query)
			q, f, err := parseAuditQuery(v)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !f.Desc {
				t.Fatalf("err %v, desc %v", err, f.Desc)
			}
			tt.check(t, q, f.Since, f.Until, f.BeforeSeq)
		})
	}
}

func TestByteSize(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{{0, "0 B"}, {512, "512 B"}, {1024, "1 KiB"}, {1536, "1.5 KiB"}, {64 << 20, "64 MiB"}, {3 << 30, "3 GiB"}}
	for _, tt := range tests {
		if got := byteSize(tt.n); got != tt.want {
			t.Errorf("byteSize(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}

func TestSignatureOf(t *testing.T) {
	tests := []struct {
		sig       registry.Signature
		wantClass string
		wantLabel string
	}{
		{registry.Signature{}, badgeWarn, "Unsigned"},
		{registry.Signature{Signed: true}, badgeBad, "Invalid signature"},
		{registry.Signature{Signed: true, Valid: true}, badgeWarn, "Valid signature, key not trusted"},
		{registry.Signature{Signed: true, Valid: true, Trusted: true}, badgeOK, "Signed by a trusted key"},
	}
	for _, tt := range tests {
		t.Run(tt.wantLabel, func(t *testing.T) {
			if got := signatureOf(tt.sig); got.Class != tt.wantClass || got.Label != tt.wantLabel {
				t.Fatalf("got %+v", got)
			}
		})
	}
}

func TestDiffOf(t *testing.T) {
	tests := []struct {
		name string
		diff *registry.Diff
		want func(diffView) bool
	}{
		{"first version", nil, func(d diffView) bool { return d.First && d.AsksForMore }},
		{"nothing new", &registry.Diff{}, func(d diffView) bool { return d.Empty && !d.AsksForMore && len(d.Sections) == 0 }},
		{"a new host", &registry.Diff{AddedEgress: []string{"https://x.example"}}, func(d diffView) bool {
			return d.AsksForMore && len(d.Sections) == 1 && d.Sections[0].Title == "Egress hosts"
		}},
		{"a removed action", &registry.Diff{RemovedActions: []string{"old"}}, func(d diffView) bool {
			return !d.Empty && !d.AsksForMore && len(d.Sections) == 1
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := diffOf(tt.diff); !tt.want(got) {
				t.Fatalf("got %+v", got)
			}
		})
	}
}
