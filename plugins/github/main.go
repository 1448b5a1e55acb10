//go:build wasip1

// Command github is an SAA plugin that lists and opens GitHub issues. It
// authenticates with the secret "token", which it never sees: the host puts it
// into the Authorization header on the way to api.github.com.
package main

import "github.com/secure-agent/saa/pdk"

// newClient reads the API base URL from the config key base_url.
func newClient() client {
	base, _ := pdk.GetConfig("base_url")
	return client{base: baseURL(base), send: pdk.HTTP, auth: pdk.Secret("token")}
}

//go:wasmexport list_issues
func listIssuesAction() int32 { return pdk.Run(newClient().listIssues) }

//go:wasmexport create_issue
func createIssueAction() int32 { return pdk.Run(newClient().createIssue) }
