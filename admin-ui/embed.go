package adminui

import "embed"

// files holds the page templates and the static assets (the stylesheet and
// the icon), compiled into the binary: the UI needs nothing on disk.
//
//go:embed templates static
var files embed.FS
