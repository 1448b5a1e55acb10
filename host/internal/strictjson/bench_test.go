package strictjson_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/secure-agent/saa/host/internal/strictjson"
)

// benchSchema is an action schema of the usual shape: an object of strings,
// numbers and nested items.
const benchSchema = `{
  "type": "object",
  "properties": {
    "message": {"type": "string"},
    "items": {"type": "array", "items": {"type": "object",
      "properties": {"id": {"type": "integer"}, "title": {"type": "string"}, "score": {"type": "number"}},
      "required": ["id", "title"]}}
  },
  "required": ["message"]
}`

// objectsInput returns a valid input of size bytes: a message and as many
// items as fit, the message padded to the exact size.
func objectsInput(size int) []byte {
	var items strings.Builder
	for i := 0; items.Len() < size-100; i++ {
		if i > 0 {
			items.WriteByte(',')
		}
		fmt.Fprintf(&items, `{"id":%d,"title":"ticket number %d","score":%d.25}`, i, i, i%100)
	}
	head, tail := `{"items":[`+items.String()+`],"message":"`, `"}`
	return []byte(head + strings.Repeat("x", max(0, size-len(head)-len(tail))) + tail)
}

// stringInput returns echo's input of size bytes: one long message.
func stringInput(size int) []byte {
	head, tail := `{"message":"`, `"}`
	return []byte(head + strings.Repeat("x", size-len(head)-len(tail)) + tail)
}

// encodingJSON is the baseline: the decode the host used before, with
// encoding/json (which accepts duplicate names and invalid UTF-8).
func encodingJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("trailing data")
	}
	return v, nil
}

// BenchmarkValidate times decode plus schema validation of an action input
// with strictjson beside encoding/json, alternately in the same run, and
// reports both medians and the ratio strict/encoding-json.
func BenchmarkValidate(b *testing.B) {
	c := jsonschema.NewCompiler()
	doc, _ := jsonschema.UnmarshalJSON(strings.NewReader(benchSchema))
	if err := c.AddResource("bench.json", doc); err != nil {
		b.Fatal(err)
	}
	sch := c.MustCompile("bench.json")
	for _, shape := range []struct {
		name  string
		input func(int) []byte
	}{{"string", stringInput}, {"objects", objectsInput}} {
		for _, size := range []int{100, 1 << 20} {
			in := shape.input(size)
			b.Run(fmt.Sprintf("%s/%dB", shape.name, len(in)), func(b *testing.B) {
				b.SetBytes(int64(len(in)))
				validate := func(decode func([]byte) (any, error)) func() error {
					return func() error {
						v, err := decode(in)
						if err != nil {
							return err
						}
						return sch.Validate(v)
					}
				}
				pair(b, validate(strictjson.Decode), validate(encodingJSON))
			})
		}
	}
}

// pair times strict and base alternately b.N times and reports their
// medians and the ratio strict/base.
func pair(b *testing.B, strict, base func() error) {
	var ts, tb []time.Duration
	for b.Loop() {
		t0 := time.Now()
		if err := base(); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if err := strict(); err != nil {
			b.Fatal(err)
		}
		tb, ts = append(tb, t1.Sub(t0)), append(ts, time.Since(t1))
	}
	ms, mb := median(ts), median(tb)
	b.ReportMetric(float64(ms.Nanoseconds())/1e3, "strict-µs/op")
	b.ReportMetric(float64(mb.Nanoseconds())/1e3, "encoding-json-µs/op")
	b.ReportMetric(float64(ms)/float64(mb), "ratio")
}

func median(d []time.Duration) time.Duration {
	slices.Sort(d)
	return d[len(d)/2]
}
