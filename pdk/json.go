package pdk

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// decodeJSON decodes input into v. Empty input counts as null.
func decodeJSON(input []byte, v any) error {
	if len(bytes.TrimSpace(input)) == 0 {
		return nil
	}
	if err := json.Unmarshal(input, v); err != nil {
		return fmt.Errorf("decode input: %w", err)
	}
	return nil
}

// encodeJSON encodes v without HTML escaping and without a trailing newline,
// so that strings come back as they were written.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encode output: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
