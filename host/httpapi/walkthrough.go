package httpapi

import (
	"fmt"
	"io"
	"strings"

	"github.com/secure-agent/saa/host"
)

// PrintWelcome prints what `saa serve` shows on start: where it serves, the
// admin password when it was just generated (adminPassword; "" when it came
// from SAA_ADMIN_PASSWORD or the admin already existed), and a walkthrough to
// paste into a shell that creates a client, gets a token and calls an action.
// The walkthrough needs curl and sed only.
func PrintWelcome(w io.Writer, rt *host.Runtime, publicURL, adminPassword string) {
	publicURL = strings.TrimRight(publicURL, "/")
	fmt.Fprintf(w, "SAA is serving %s (API docs: %s/docs)\n\n", publicURL, publicURL)
	pw := `"$SAA_ADMIN_PASSWORD"`
	if adminPassword != "" {
		fmt.Fprintf(w, "Admin user: admin\nAdmin password: %s\n(shown only now; set SAA_ADMIN_PASSWORD to choose it)\n\n", adminPassword)
		pw = "'" + adminPassword + "'"
	}
	plugin, action := walkthroughAction(rt)
	if plugin == "" {
		fmt.Fprintln(w, "No plugin is loaded: put manifests in SAA_PLUGINS_DIR and restart.")
		return
	}
	scopes := rt.RequiredScopes(plugin, action)
	fmt.Fprintf(w, `Try it (paste into a shell):

  BASE=%s
  # 1. As the admin, create a client allowed to call %s.%s
  CLIENT=$(curl -sS -u admin:%s -H 'Content-Type: application/json' \
    -d '{"name":"demo","scopes":["%s"]}' "$BASE/admin/api/v1/clients")
  CLIENT_ID=$(printf '%%s' "$CLIENT" | sed -n 's/.*"client_id": *"\([^"]*\)".*/\1/p')
  CLIENT_SECRET=$(printf '%%s' "$CLIENT" | sed -n 's/.*"client_secret": *"\([^"]*\)".*/\1/p')
  # 2. As the client, get an access token
  TOKEN=$(curl -sS -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=client_credentials \
    -d 'scope=%s' "$BASE/oauth2/token" | sed -n 's/.*"access_token": *"\([^"]*\)".*/\1/p')
  # 3. Call the action, then list what the token may call
  curl -sS -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    -d '%s' "$BASE%s"
  curl -sS -H "Authorization: Bearer $TOKEN" "$BASE/v1/actions"

`, publicURL, plugin, action, pw, strings.Join(scopes, `","`), strings.Join(scopes, " "),
		exampleInput(plugin, action), actionPathOf(plugin, action))
}

// walkthroughAction picks echo.echo when it is loaded, else the first action.
func walkthroughAction(rt *host.Runtime) (plugin, action string) {
	if rt.RequiredScopes("echo", "echo") != nil {
		return "echo", "echo"
	}
	for _, m := range rt.Plugins() {
		for _, a := range m.Actions {
			return m.Name, a.Name
		}
	}
	return "", ""
}

// exampleInput is an input the walkthrough's action accepts.
func exampleInput(plugin, action string) string {
	if plugin == "echo" && action == "echo" {
		return `{"message":"hello"}`
	}
	return `{}`
}
