package strictjson_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/secure-agent/saa/host/internal/strictjson"
	"github.com/secure-agent/saa/host/internal/strictjson/strictjsontest"
)

func TestDecodeRefuses(t *testing.T) {
	for name, in := range map[string]string{
		"duplicate name":              `{"message":{"not":"a string"},"message":"b"}`,
		"duplicate name, nested":      `{"a":[{"x":1,"y":2,"x":3}]}`,
		"duplicate name after escape": `{"message":"a","\u006dessage":"b"}`,
		"invalid UTF-8 in a value":    "{\"message\":\"\xff\"}",
		"invalid UTF-8 in a name":     "{\"\xc3\x28\":1}",
		"lone surrogate escape":       `{"message":"\ud800"}`,
		"two values":                  `{"message":"a"}{"message":"b"}`,
		"trailing garbage":            `{} x`,
		"truncated":                   `{"message":`,
		"empty":                       ``,
		"only white space":            "  \n",
		"trailing comma":              `{"a":1,}`,
		"single quotes":               `{'a':1}`,
		"NaN":                         `NaN`,
		"leading zero":                `01`,
		"too deep":                    strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
	} {
		t.Run(name, func(t *testing.T) {
			if v, err := strictjson.Decode([]byte(in)); !errors.Is(err, strictjson.ErrInvalid) {
				t.Fatalf("Decode(%q) = %v, %v; want ErrInvalid", in, v, err)
			}
			if err := strictjson.Check([]byte(in)); !errors.Is(err, strictjson.ErrInvalid) {
				t.Fatalf("Check(%q) = %v; want ErrInvalid", in, err)
			}
		})
	}
}

func TestDecodeKeepsValues(t *testing.T) {
	for in, want := range map[string]any{
		`{"message":"hi"}`:                                  map[string]any{"message": "hi"},
		` [1, 2.50, -3e2] `:                                 []any{json.Number("1"), json.Number("2.50"), json.Number("-3e2")},
		`12345678901234567890123456789`:                     json.Number("12345678901234567890123456789"),
		`1e999`:                                             json.Number("1e999"),
		`{"a":null,"b":true,"c":false}`:                     map[string]any{"a": nil, "b": true, "c": false},
		`"\u00e9\ud83d\ude00\n"`:                            "é😀\n",
		`{"message":"x","Message":"y"}`:                     map[string]any{"message": "x", "Message": "y"},
		`{"a":{},"b":[],"c":[{}]}`:                          map[string]any{"a": map[string]any{}, "b": []any{}, "c": []any{map[string]any{}}},
		`{"a":{"x":1},"b":{"x":2}}`:                         map[string]any{"a": map[string]any{"x": json.Number("1")}, "b": map[string]any{"x": json.Number("2")}},
		strings.Repeat("[", 100) + strings.Repeat("]", 100): nest(100),
	} {
		got, err := strictjson.Decode([]byte(in))
		if err != nil {
			t.Fatalf("Decode(%.40q): %v", in, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("Decode(%.40q) = %#v, want %#v", in, got, want)
		}
		if err := strictjson.Check([]byte(in)); err != nil {
			t.Fatalf("Check(%.40q): %v", in, err)
		}
	}
}

func nest(n int) any {
	v := any([]any{})
	for range n - 1 {
		v = []any{v}
	}
	return v
}

// FuzzDecode: whatever Decode accepts is valid UTF-8, one JSON value without
// duplicate names, decoded as encoding/json reads it; Check agrees.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"message":"hi"}`, `{"a":1,"a":2}`, "\"\xff\"", `[1,{"b":[true,null]}]`,
		`{"a":"\ud800"}`, `1e999`, `{} {}`, `{"a":{"a":{"a":1}}}`, `{"\u0061":1,"a":2}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		v, err := strictjson.Decode(in)
		if cerr := strictjson.Check(in); (cerr == nil) != (err == nil) {
			t.Fatalf("%q: Decode says %v, Check says %v", in, err, cerr)
		}
		if err != nil {
			if !errors.Is(err, strictjson.ErrInvalid) {
				t.Fatalf("%q: error %v is not ErrInvalid", in, err)
			}
			return
		}
		if err := strictjsontest.Verify(in); err != nil {
			t.Fatalf("accepted %q: %v", in, err)
		}
		dec := json.NewDecoder(bytes.NewReader(in))
		dec.UseNumber()
		var want any
		if err := dec.Decode(&want); err != nil {
			t.Fatalf("accepted %q, which encoding/json refuses: %v", in, err)
		}
		if !reflect.DeepEqual(v, want) {
			t.Fatalf("%q decoded as %#v, encoding/json reads %#v", in, v, want)
		}
	})
}
