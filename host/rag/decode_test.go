package rag

import (
	"errors"
	"strings"
	"testing"
)

func TestDecodeEmbeddingsRefusesBadAnswers(t *testing.T) {
	cases := []struct{ name, body, want string }{
		{"not JSON", `nope`, "decode"},
		{"too few", `{"data":[{"index":0,"embedding":[1]}]}`, "1 vectors for 2"},
		{"repeated index", `{"data":[{"index":0,"embedding":[1]},{"index":0,"embedding":[1]}]}`, "repeated index"},
		{"index out of range", `{"data":[{"index":0,"embedding":[1]},{"index":5,"embedding":[1]}]}`, "index 5"},
		{"empty vector", `{"data":[{"index":0,"embedding":[]},{"index":1,"embedding":[]}]}`, "dimension 0"},
		{"mixed dimensions", `{"data":[{"index":0,"embedding":[1,2]},{"index":1,"embedding":[1]}]}`, "different dimensions"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := decodeEmbeddings([]byte(c.body), 2)
			if !errors.Is(err, ErrEmbedding) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
}

// FuzzDecodeEmbeddings: an endpoint's answer is untrusted; whatever it
// says, the result is an error or n finite unit vectors of one dimension.
func FuzzDecodeEmbeddings(f *testing.F) {
	f.Add([]byte(`{"data":[{"index":1,"embedding":[0,1]},{"index":0,"embedding":[3,4]}]}`), 2)
	f.Add([]byte(`{"data":[{"index":0,"embedding":[1e400]}]}`), 1)
	f.Fuzz(func(t *testing.T, body []byte, n int) {
		n = 1 + abs(n)%4
		vecs, err := decodeEmbeddings(body, n)
		if err != nil {
			return
		}
		if len(vecs) != n {
			t.Fatalf("%d vectors for %d", len(vecs), n)
		}
		for _, v := range vecs {
			if len(v) != len(vecs[0]) || len(v) == 0 {
				t.Fatal("bad dimension")
			}
			var s float64
			for _, x := range v {
				s += float64(x) * float64(x)
			}
			if s < 0.999 || s > 1.001 {
				t.Fatalf("norm² %f", s)
			}
		}
	})
}

func abs(n int) int {
	if n < 0 {
		return -(n + 1)
	}
	return n
}
