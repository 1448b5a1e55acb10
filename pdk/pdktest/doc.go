// Package pdktest builds SAA plugins and runs them under the reference Extism
// host (github.com/extism/go-sdk), so that plugin authors can test a real
// compiled plugin in `go test` without SAA.
//
// It stands in for SAA's host only as far as a test needs: saa_http_request
// sends requests with a plain HTTP client (or a function the test provides)
// and substitutes secret references from a map. It checks no egress rule,
// resolves no address safely and scrubs nothing. It is not a sandbox and must
// never be used to run a plugin you do not trust, nor imported outside tests.
package pdktest
