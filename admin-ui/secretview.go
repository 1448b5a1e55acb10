package adminui

import "github.com/secure-agent/saa/host/registry"

// secretRow is one secret: the plugin that uses it and that plugin's state,
// where it is sent, whether a value is stored. Never the value.
type secretRow struct {
	registry.DeclaredSecret
	// PluginState says whether the plugin using it serves calls.
	PluginState, PluginStateClass string
}

// buildSecrets adds to each secret the state of the plugin that uses it.
func buildSecrets(declared []registry.DeclaredSecret, plugins pluginsData) []secretRow {
	states := map[string]pluginRow{}
	for _, p := range plugins.Plugins {
		states[p.Name] = p
	}
	rows := make([]secretRow, 0, len(declared))
	for _, d := range declared {
		row := secretRow{DeclaredSecret: d}
		if p, ok := states[d.Plugin]; ok {
			row.PluginState, row.PluginStateClass = p.State, p.StateClass
		}
		rows = append(rows, row)
	}
	return rows
}
