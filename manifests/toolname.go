package manifests

import (
	"crypto/sha256"
	"encoding/hex"
)

// maxToolName is OpenAI's limit on a function name (^[a-zA-Z0-9_-]{1,64}$),
// which also fits MCP's tool names.
const maxToolName = 64

// ToolName is the name an action goes by as a tool — an OpenAI function
// (GET /v1/actions?format=openai), an MCP tool, or a tool an agent offers
// its model: "<plugin>-<action>". Plugin and action names never contain a
// hyphen, so the name is unambiguous. A name over the limit keeps its first
// characters and ends with a digest of the whole, so it stays unique.
func ToolName(plugin, action string) string {
	name := plugin + "-" + action
	if len(name) <= maxToolName {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	suffix := "-" + hex.EncodeToString(sum[:4])
	return name[:maxToolName-len(suffix)] + suffix
}
