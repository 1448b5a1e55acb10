// Package plugindev is the plugin author's tooling behind `saa plugin build`
// and `make build`: it compiles a plugin's Go source to a reproducible wasip1
// reactor module and pins the module's SHA-256 in the plugin's manifest.
//
// It runs the Go toolchain found on PATH on source the caller chose to
// build; it is a developer tool, not a security boundary, and must never be
// reachable from the server's HTTP surface or run on uploaded source.
package plugindev
