// Package strictjsontest holds an independent oracle for tests of strict
// JSON: it never uses the parser under test.
package strictjsontest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// ErrNotStrict means data breaks a rule strictjson enforces.
var ErrNotStrict = errors.New("not strict JSON")

// Verify reports whether data is valid UTF-8 and one JSON value without a
// repeated member name in any object, using encoding/json's tokenizer.
func Verify(data []byte) error {
	if !utf8.Valid(data) {
		return fmt.Errorf("%w: invalid UTF-8", ErrNotStrict)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := walk(dec); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("%w: data after the value", ErrNotStrict)
	}
	return nil
}

// walk consumes one value from dec, checking its objects' names.
func walk(dec *json.Decoder) error {
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrNotStrict, err)
	}
	switch tok {
	case json.Delim('{'):
		seen := map[string]bool{}
		for dec.More() {
			name, err := dec.Token()
			if err != nil {
				return fmt.Errorf("%w: %v", ErrNotStrict, err)
			}
			key := name.(string)
			if seen[key] {
				return fmt.Errorf("%w: duplicate name %q", ErrNotStrict, key)
			}
			seen[key] = true
			if err := walk(dec); err != nil {
				return err
			}
		}
		_, err = dec.Token()
	case json.Delim('['):
		for dec.More() {
			if err := walk(dec); err != nil {
				return err
			}
		}
		_, err = dec.Token()
	}
	if err != nil {
		return fmt.Errorf("%w: %v", ErrNotStrict, err)
	}
	return nil
}
