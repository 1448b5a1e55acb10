package rag_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/secure-agent/saa/host/rag"
)

func TestSplitJSONArrayPerElement(t *testing.T) {
	var items []map[string]any
	for i := range 40 {
		items = append(items, map[string]any{"id": i, "title": strings.Repeat("word ", 20)})
	}
	data, _ := json.Marshal(map[string]any{"tickets": items, "total": 40})
	chunks, err := rag.Chunker{}.Split(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(chunks) != 41 {
		t.Fatalf("got %d chunks, want 40 tickets + total", len(chunks))
	}
	if chunks[7].Pointer != "/tickets/7" || !strings.Contains(chunks[7].Text, `"id":7`) {
		t.Errorf("chunk 7 = %+v", chunks[7])
	}
	if chunks[40].Pointer != "/total" || chunks[40].Text != "40" {
		t.Errorf("last chunk = %+v", chunks[40])
	}
	for i, c := range chunks {
		if c.ID != i {
			t.Fatalf("chunk %d has id %d", i, c.ID)
		}
	}
}

func TestSplitSmallJSONIsOneChunk(t *testing.T) {
	chunks, err := rag.Chunker{}.Split([]byte(` {"a": [1, 2],  "b": "x"} `))
	if err != nil {
		t.Fatal(err)
	}
	if len(chunks) != 1 || chunks[0].Pointer != "" || chunks[0].Text != `{"a":[1,2],"b":"x"}` {
		t.Fatalf("chunks = %+v", chunks)
	}
}

func TestSplitPointerEscapesKeys(t *testing.T) {
	data, _ := json.Marshal(map[string]string{"a/b~c": strings.Repeat("x ", 200), "z": strings.Repeat("y ", 200)})
	chunks, err := rag.Chunker{Target: 300}.Split(data)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(chunks[0].Pointer, "/a~1b~0c#p0") {
		t.Errorf("pointer = %q", chunks[0].Pointer)
	}
}

func TestSplitLongStringAsText(t *testing.T) {
	page := "First paragraph about cats.\n\nSecond paragraph about dogs.\n\n" + strings.Repeat("A long sentence about the refund policy of the shop. ", 100)
	data, _ := json.Marshal(map[string]any{"status": 200, "text": page})
	chunks, err := rag.Chunker{Target: 500, Overlap: 100}.Split(data)
	if err != nil {
		t.Fatal(err)
	}
	byPointer := map[string]string{}
	for _, c := range chunks {
		byPointer[c.Pointer] = c.Text
		if len(c.Text) > 600 {
			t.Errorf("chunk %s is %d bytes", c.Pointer, len(c.Text))
		}
	}
	if byPointer["/text#p1"] != "Second paragraph about dogs." {
		t.Errorf("paragraph 1 = %q (chunks %v)", byPointer["/text#p1"], chunks)
	}
	p0, p1 := byPointer["/text#p2.0"], byPointer["/text#p2.1"]
	if p0 == "" || p1 == "" {
		t.Fatalf("long paragraph not split into pieces: %v", chunks)
	}
	// The second piece starts with the tail of the first: the overlap.
	if !strings.HasSuffix(p0, p1[:40]) && !strings.Contains(p0, p1[:40]) {
		t.Errorf("no overlap between %q and %q", p0[len(p0)-80:], p1[:80])
	}
}

func TestSplitPlainText(t *testing.T) {
	text := "Line one.\n\n\n  \nLine two is here.\n\nÜmlaut ünd ñ. " + strings.Repeat("ß", 2000)
	chunks, err := rag.Chunker{Target: 400}.Split([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if chunks[0].Pointer != "#p0" || chunks[1].Text != "Line two is here." {
		t.Fatalf("chunks = %+v", chunks[:2])
	}
	for _, c := range chunks {
		if !utf8.ValidString(c.Text) {
			t.Fatalf("chunk %s cut inside a rune", c.Pointer)
		}
	}
}

func TestSplitRefusesBadInput(t *testing.T) {
	deep := strings.Repeat("[", rag.MaxDepth+1) + strings.Repeat("]", rag.MaxDepth+1)
	okDeep := strings.Repeat("[", rag.MaxDepth) + strings.Repeat("]", rag.MaxDepth)
	cases := []struct {
		name, data, want string
	}{
		{"empty", "", "empty"},
		{"whitespace", " \n\t", "empty"},
		{"invalid UTF-8", "hello \xff\xfe world", "not valid UTF-8"},
		{"NUL byte", "abc\x00def", "binary"},
		{"control bytes", strings.Repeat("\x01\x02\x03abc", 100), "binary"},
		{"deeply nested JSON", deep, "nested deeper"},
		{"huge number", strings.Repeat("9", 2000), "scalar"},
		{"too large", strings.Repeat("a", rag.MaxDataBytes+1), "exceeds"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := rag.Chunker{}.Split([]byte(c.data))
			if !errors.Is(err, rag.ErrInvalidData) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want ErrInvalidData mentioning %q", err, c.want)
			}
		})
	}
	t.Run("nesting at the limit is fine", func(t *testing.T) {
		if _, err := (rag.Chunker{}).Split([]byte(okDeep)); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("brackets inside strings do not count", func(t *testing.T) {
		if _, err := (rag.Chunker{}).Split([]byte(`["` + strings.Repeat("[", 200) + `"]`)); err != nil {
			t.Fatal(err)
		}
	})
}

func TestSplitRefusesTooManyChunks(t *testing.T) {
	var b strings.Builder
	b.WriteString("[")
	for i := range rag.MaxChunks + 1 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`"ab"`)
	}
	b.WriteString("]")
	_, err := rag.Chunker{}.Split([]byte(b.String()))
	if !errors.Is(err, rag.ErrInvalidData) || !strings.Contains(err.Error(), "chunks") {
		t.Fatalf("err = %v", err)
	}
}

// FuzzSplit: any input either fails with ErrInvalidData or yields chunks
// that are valid UTF-8, numbered in order, bounded in size and non-empty.
func FuzzSplit(f *testing.F) {
	for _, s := range []string{`{"a":[1,2,3]}`, `[[[[]]]]`, "para one.\n\npara two! three?", `"\ud800"`, "\xff", `{"a/b":"x"}`, `[` + strings.Repeat(`"abc def. `, 30) + `"]`} {
		f.Add([]byte(s), 64)
	}
	f.Fuzz(func(t *testing.T, data []byte, target int) {
		target = 16 + abs(target)%2000
		chunks, err := rag.Chunker{Target: target, Overlap: target / 4}.Split(data)
		if err != nil {
			if !errors.Is(err, rag.ErrInvalidData) {
				t.Fatalf("error without ErrInvalidData: %v", err)
			}
			return
		}
		if len(chunks) == 0 {
			t.Fatal("no chunks and no error")
		}
		if sh := rag.Summarize(data); sh == nil || sh.Type == "" || sh.Bytes == 0 {
			t.Fatalf("summary = %+v", sh)
		}
		for i, c := range chunks {
			if c.ID != i || !utf8.ValidString(c.Text) || !utf8.ValidString(c.Pointer) {
				t.Fatalf("bad chunk %d: %+v", i, c)
			}
			if len(c.Text) > target {
				t.Fatalf("chunk %d is %d bytes for target %d", i, len(c.Text), target)
			}
		}
	})
}

func abs(n int) int {
	if n < 0 {
		if n == -n {
			return 0
		}
		return -n
	}
	return n
}
