package manifests

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Bounds of an action's RAG threshold.
const (
	MinRAGThreshold = 1 * KiB
	MaxRAGThreshold = 64 * MiB
)

// RAG is an action's choice to hand large outputs back as a handle: an
// output over Threshold bytes is chunked, embedded and stored, and the caller
// gets an envelope naming the handle.
type RAG struct {
	Threshold int64 `json:"threshold"`
}

// UnmarshalJSON reads the threshold as a size ("32KiB" or bytes); check
// applies the bounds, so that the error names the field.
func (r *RAG) UnmarshalJSON(b []byte) error {
	var raw struct {
		Threshold json.RawMessage `json:"threshold"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return err
	}
	n, reason := parseSizeJSON(raw.Threshold)
	if reason != "" {
		return fmt.Errorf("rag.threshold %s", reason)
	}
	r.Threshold = n
	return nil
}

// checkRAG refuses thresholds out of bounds.
func checkRAG(actions []Action) *FieldError {
	for i, a := range actions {
		if a.RAG != nil && (a.RAG.Threshold < MinRAGThreshold || a.RAG.Threshold > MaxRAGThreshold) {
			return fieldErr(fmt.Sprintf("actions[%d].rag.threshold", i),
				fmt.Sprintf("must be between %s and %s", formatSize(MinRAGThreshold), formatSize(MaxRAGThreshold)))
		}
	}
	return nil
}
