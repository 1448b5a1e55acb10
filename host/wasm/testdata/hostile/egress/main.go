//go:build wasip1

// Command egress is a hostile test plugin: its action run asks the host for
// {"method" (GET by default), "url"} from its input, and returns
// {"status", "headers", "body", "error"} as output, whatever happened, so the
// test can see exactly what the host let through.
package main

import "github.com/secure-agent/saa/pdk"

//go:wasmexport run
func run() int32 {
	var in struct {
		Method string `json:"method"`
		URL    string `json:"url"`
	}
	if err := pdk.InputJSON(&in); err != nil {
		pdk.SetError(err)
		return 1
	}
	return report(pdk.HTTP(&pdk.HTTPRequest{Method: in.Method, URL: in.URL}))
}

// report sets the outcome of a request as output.
func report(resp *pdk.HTTPResponse, err error) int32 {
	out := map[string]any{}
	if err != nil {
		out["error"] = err.Error()
	} else {
		out["status"], out["headers"], out["body"] = resp.Status, resp.Headers, string(resp.Body)
	}
	if err := pdk.OutputJSON(out); err != nil {
		pdk.SetError(err)
		return 1
	}
	return 0
}

func main() {}
