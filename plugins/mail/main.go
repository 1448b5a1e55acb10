//go:build wasip1

// Command mail is an SAA plugin that lists and sends the calling user's mail
// through the Gmail API. It authenticates with the per-user secret "gmail":
// the token of the Google account the user connected in SAA, which neither
// the plugin nor the agent ever sees.
package main

import "github.com/secure-agent/saa/pdk"

// newClient reads the API base URL from the config key base_url.
func newClient() client {
	base, _ := pdk.GetConfig("base_url")
	return client{base: baseURL(base), send: pdk.HTTP, auth: pdk.Secret("gmail")}
}

//go:wasmexport list
func listAction() int32 { return pdk.Run(newClient().list) }

//go:wasmexport send
func sendAction() int32 { return pdk.Run(newClient().sendMessage) }
