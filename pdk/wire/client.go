package wire

import "encoding/json"

// ClientFunc is the host function through which a plugin reaches the client
// that called it — log to it, report progress, ask it to sample a model or
// to ask the user, add content to the result: saa_client(req i64) -> i64,
// JSON ClientRequest in, JSON ClientResponse out (never 0). A surface without
// a client (REST, in-process) answers ops that need one with an error.
const ClientFunc = "saa_client"

// Operations of ClientRequest.
const (
	// OpLog sends a log message (Params: ClientLog).
	OpLog = "log"
	// OpProgress reports progress (Params: ClientProgress).
	OpProgress = "progress"
	// OpSample asks the client's model for a message (Params and Result:
	// MCP's sampling/createMessage params and result).
	OpSample = "sample"
	// OpElicit asks the user for input (Params and Result: MCP's
	// elicitation/create params and result).
	OpElicit = "elicit"
	// OpContent adds a content block to the call's result (Params: one MCP
	// content block: text, image, audio, resource_link or resource).
	OpContent = "content"
)

// ClientRequest is one operation a plugin asks of its client.
type ClientRequest struct {
	Op     string          `json:"op"`
	Params json.RawMessage `json:"params,omitempty"`
}

// ClientResponse is the host's answer: Result, or Error when the operation
// failed or the client does not support it.
type ClientResponse struct {
	Result json.RawMessage `json:"result,omitempty"`
	Error  string          `json:"error,omitempty"`
}

// ClientLog is a log message for the client; Level is one of MCP's (debug,
// info, notice, warning, error, critical, alert, emergency).
type ClientLog struct {
	Level  string `json:"level"`
	Logger string `json:"logger,omitempty"`
	Data   any    `json:"data"`
}

// ClientProgress is a progress report: Progress out of Total (0 if unknown).
type ClientProgress struct {
	Progress float64 `json:"progress"`
	Total    float64 `json:"total,omitempty"`
	Message  string  `json:"message,omitempty"`
}
