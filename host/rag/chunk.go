package rag

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Bounds of what Split accepts. Outputs are already capped by the runtime
// (16 MiB by default); these keep a file given to the CLI, or a pathological
// output, from costing more than a bounded amount of memory and time.
const (
	MaxDataBytes = 64 << 20
	MaxDepth     = 64
	MaxChunks    = 250_000
)

// Chunk is one piece of an output, with where it came from.
type Chunk struct {
	// ID numbers chunks from 0 in document order; neighbours are ID±1.
	ID int `json:"id"`
	// Pointer locates the chunk in the output: a JSON pointer (RFC 6901) for
	// JSON, followed by "#p<n>" (paragraph) or "#p<n>.<m>" (piece of a
	// long paragraph) when a long string was split as text; "#p<n>..." alone
	// for a text output.
	Pointer string `json:"pointer"`
	// Text is the chunk: compact JSON of the value, or the text piece.
	Text string `json:"text"`
}

// Chunker splits outputs. The zero value uses the defaults.
type Chunker struct {
	// Target is the size a chunk should stay under, in bytes; a JSON value
	// larger than this is split into its elements or members. 1,500 if zero.
	Target int
	// Overlap is how much of the previous piece a split paragraph repeats,
	// in bytes, so that a sentence cut at a border is whole in one piece. 150
	// if zero.
	Overlap int
}

func (c Chunker) target() int {
	if c.Target <= 0 {
		return 1500
	}
	return c.Target
}

func (c Chunker) overlap() int {
	if c.Overlap <= 0 {
		return 150
	}
	return min(c.Overlap, c.target()/2)
}

// Split checks data and splits it into chunks: as JSON when it is one JSON
// value, as text otherwise.
func (c Chunker) Split(data []byte) ([]Chunk, error) {
	if err := checkData(data); err != nil {
		return nil, err
	}
	s := &splitter{c: c}
	trimmed := bytes.TrimSpace(data)
	if json.Valid(trimmed) {
		if err := checkDepth(trimmed); err != nil {
			return nil, err
		}
		if err := s.value(json.RawMessage(trimmed), ""); err != nil {
			return nil, err
		}
	} else if err := s.text(string(data), ""); err != nil {
		return nil, err
	}
	return s.out, nil
}

// checkData refuses what is not text worth chunking.
func checkData(data []byte) error {
	switch {
	case len(bytes.TrimSpace(data)) == 0:
		return fmt.Errorf("%w: empty", ErrInvalidData)
	case len(data) > MaxDataBytes:
		return fmt.Errorf("%w: %d bytes exceeds the %d-byte limit", ErrInvalidData, len(data), MaxDataBytes)
	case !utf8.Valid(data):
		return fmt.Errorf("%w: not valid UTF-8", ErrInvalidData)
	case looksBinary(data):
		return fmt.Errorf("%w: binary data (NUL or control bytes)", ErrInvalidData)
	}
	return nil
}

// looksBinary reports NUL bytes, or more than 1 % control characters other
// than tab, newline and carriage return.
func looksBinary(data []byte) bool {
	if bytes.IndexByte(data, 0) >= 0 {
		return true
	}
	ctrl := 0
	for _, b := range data {
		if b < 0x20 && b != '\t' && b != '\n' && b != '\r' || b == 0x7f {
			ctrl++
		}
	}
	return ctrl > len(data)/100
}

// checkDepth refuses JSON nested deeper than MaxDepth before anything
// recursive touches it. data is valid JSON.
func checkDepth(data []byte) error {
	depth, inString, escaped := 0, false, false
	for _, b := range data {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case b == '\\':
				escaped = true
			case b == '"':
				inString = false
			}
		case b == '"':
			inString = true
		case b == '[' || b == '{':
			if depth++; depth > MaxDepth {
				return fmt.Errorf("%w: JSON nested deeper than %d levels", ErrInvalidData, MaxDepth)
			}
		case b == ']' || b == '}':
			depth--
		}
	}
	return nil
}

// splitter accumulates the chunks of one output.
type splitter struct {
	c   Chunker
	out []Chunk
}

func (s *splitter) emit(pointer, text string) error {
	if len(s.out) >= MaxChunks {
		return fmt.Errorf("%w: more than %d chunks", ErrInvalidData, MaxChunks)
	}
	s.out = append(s.out, Chunk{ID: len(s.out), Pointer: pointer, Text: text})
	return nil
}

// value emits raw as one chunk if it is small enough, else splits it: an
// array per element, an object per member, a string as text.
func (s *splitter) value(raw json.RawMessage, pointer string) error {
	if len(raw) <= s.c.target() {
		var b bytes.Buffer
		if err := json.Compact(&b, raw); err != nil {
			return fmt.Errorf("%w: %v", ErrInvalidData, err)
		}
		return s.emit(pointer, b.String())
	}
	switch raw[0] {
	case '[':
		var elems []json.RawMessage
		if err := json.Unmarshal(raw, &elems); err != nil {
			return fmt.Errorf("%w: %v", ErrInvalidData, err)
		}
		for i, e := range elems {
			if err := s.value(e, pointer+"/"+strconv.Itoa(i)); err != nil {
				return err
			}
		}
		return nil
	case '{':
		var members map[string]json.RawMessage
		if err := json.Unmarshal(raw, &members); err != nil {
			return fmt.Errorf("%w: %v", ErrInvalidData, err)
		}
		keys := make([]string, 0, len(members))
		for k := range members {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if err := s.value(members[k], pointer+"/"+escapePointer(k)); err != nil {
				return err
			}
		}
		return nil
	case '"':
		var str string
		if err := json.Unmarshal(raw, &str); err != nil {
			return fmt.Errorf("%w: %v", ErrInvalidData, err)
		}
		return s.text(str, pointer)
	}
	// A number too long to be one chunk is not data anyone will search.
	return fmt.Errorf("%w: a %d-byte scalar at %q", ErrInvalidData, len(raw), pointer)
}

// escapePointer escapes a key as a JSON pointer token (RFC 6901).
func escapePointer(k string) string {
	return strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1")
}
