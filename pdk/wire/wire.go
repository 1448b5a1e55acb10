// Package wire holds the JSON messages that cross the sandbox boundary through
// SAA's own host functions. It is the one contract shared by the PDK (compiled
// to wasm) and the host; it has no dependencies so that both sides can import
// it. It must never grow behaviour: only types and constants.
package wire

// Namespace is the wasm import module of SAA's host functions.
const Namespace = "extism:host/user"

// HTTPRequestFunc is the host function through which a plugin makes outbound
// HTTP requests: saa_http_request(req i64) -> i64. The argument is the offset of
// an Extism memory block holding a JSON HTTPRequest; the result is the offset of
// a block holding a JSON HTTPResponse (never 0).
const HTTPRequestFunc = "saa_http_request"

// SecretPrefix and SecretSuffix delimit a secret reference in a header value:
// "{{secret:token}}". The host replaces a header whose whole value is a
// reference with the secret's declared format, and only toward hosts the
// secret is bound to. A reference anywhere else (URL, body, another header
// name) fails the request.
const (
	SecretPrefix = "{{secret:"
	SecretSuffix = "}}"
)

// HTTPRequest is what a plugin asks the host to send.
type HTTPRequest struct {
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    []byte            `json:"body,omitempty"`
}

// HTTPResponse is what the host returns. Error is set, and the other fields are
// empty, when the host refused or failed the request.
type HTTPResponse struct {
	Status  int               `json:"status,omitempty"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    []byte            `json:"body,omitempty"`
	Error   string            `json:"error,omitempty"`
}

// WarehouseFunc is the host function through which a plugin reads a
// warehouse its manifest declares: saa_warehouse(req i64) -> i64, with a JSON
// WarehouseRequest in and a JSON WarehouseResponse out, like HTTPRequestFunc.
const WarehouseFunc = "saa_warehouse"

// Warehouse operations.
const (
	// WarehouseQuery runs one read-only, parameterised SQL statement.
	WarehouseQuery = "query"
	// WarehouseDescribe lists the datasets and fields the caller may see.
	WarehouseDescribe = "describe"
	// WarehouseContext ranks the layer for a question (semantic context).
	WarehouseContext = "context"
)

// WarehouseRequest is what a plugin asks of a warehouse.
type WarehouseRequest struct {
	Warehouse string `json:"warehouse"`
	Op        string `json:"op"`
	// SQL and Args are the statement and its positional parameters (query).
	SQL  string `json:"sql,omitempty"`
	Args []any  `json:"args,omitempty"`
	// Question and Budget are for context.
	Question string `json:"question,omitempty"`
	Budget   int    `json:"budget,omitempty"`
}

// WarehouseResponse carries the operation's result as JSON, or Error when
// the host refused or failed it. ReadSet lists "table.column" the query read.
type WarehouseResponse struct {
	Result  []byte   `json:"result,omitempty"`
	ReadSet []string `json:"read_set,omitempty"`
	Error   string   `json:"error,omitempty"`
}
