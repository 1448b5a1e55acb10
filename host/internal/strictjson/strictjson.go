// Package strictjson decodes action inputs and outputs under one rule: one
// JSON value (RFC 8259) in valid UTF-8, with no duplicate object member
// names and nothing after it (I-JSON, RFC 7493).
//
// The host validates a parsed copy of a value but passes on the raw bytes,
// so the parser must never be more lenient than the plugin or caller that
// reads those bytes: a duplicate name would let the schema check one member
// while the reader sees another, and invalid UTF-8 is read differently by
// every decoder. This package must never accept what another conforming
// parser could read as a different value.
package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/go-json-experiment/json/jsontext"
)

// ErrInvalid means the bytes are not one strict JSON value.
var ErrInvalid = errors.New("not strict JSON")

// Decode parses data into the value a JSON Schema validator checks:
// map[string]any, []any, string, json.Number (numbers keep their exact
// text), bool or nil. It is the only decode of an input or output.
func Decode(data []byte) (any, error) {
	dec := jsontext.NewDecoder(bytes.NewBuffer(data))
	v, err := decodeValue(dec)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if err := atEOF(dec); err != nil {
		return nil, err
	}
	return v, nil
}

// Check reports whether data is one strict JSON value without building it,
// for a layer that answers malformed bodies before the validator runs.
func Check(data []byte) error {
	dec := jsontext.NewDecoder(bytes.NewBuffer(data))
	if _, err := dec.ReadValue(); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	return atEOF(dec)
}

// atEOF refuses anything but white space after the value.
func atEOF(dec *jsontext.Decoder) error {
	if _, err := dec.ReadToken(); err != io.EOF {
		return fmt.Errorf("%w: data after the value", ErrInvalid)
	}
	return nil
}

// decodeValue reads one value from dec. The decoder refuses duplicate names
// and invalid UTF-8 (its defaults) and bounds nesting at 10,000 levels.
func decodeValue(dec *jsontext.Decoder) (any, error) {
	tok, err := dec.ReadToken()
	if err != nil {
		return nil, err
	}
	switch tok.Kind() {
	case '{':
		return decodeObject(dec)
	case '[':
		return decodeArray(dec)
	case '"':
		return tok.String(), nil
	case '0':
		return json.Number(tok.String()), nil
	case 't':
		return true, nil
	case 'f':
		return false, nil
	case 'n':
		return nil, nil
	}
	return nil, fmt.Errorf("unexpected %v", tok.Kind())
}

// decodeObject reads the members of an object whose '{' was read.
func decodeObject(dec *jsontext.Decoder) (any, error) {
	obj := map[string]any{}
	for dec.PeekKind() != '}' {
		name, err := dec.ReadToken()
		if err != nil {
			return nil, err
		}
		key := name.String()
		v, err := decodeValue(dec)
		if err != nil {
			return nil, err
		}
		obj[key] = v
	}
	_, err := dec.ReadToken()
	return obj, err
}

// decodeArray reads the elements of an array whose '[' was read.
func decodeArray(dec *jsontext.Decoder) (any, error) {
	arr := []any{}
	for dec.PeekKind() != ']' {
		v, err := decodeValue(dec)
		if err != nil {
			return nil, err
		}
		arr = append(arr, v)
	}
	_, err := dec.ReadToken()
	return arr, err
}
