package rag

import (
	"context"
	"math"
	"runtime"
	"strconv"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Embedder turns texts into vectors. Its Name (with the dimension) is stored
// with every collection, and a collection is searched only with the same
// embedder, so that vectors of two models are never compared.
type Embedder interface {
	// Name identifies the model and its version, such as "hash-v1".
	Name() string
	// Embed returns one vector per text, all of the same dimension.
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}

// HashEmbedder is the offline default: feature hashing of lower-cased word
// unigrams (weight 1) and the character trigrams of each word (weight 0.5,
// with word borders), each added with a sign taken from its hash so that
// collisions cancel out on average, then L2-normalised. It needs nothing
// installed and no network.
//
// It is lexical, not semantic: "refund" matches "refunds" and "refunded"
// through shared trigrams, but not "money back".
type HashEmbedder struct {
	// Dim is the vector length; 512 if zero.
	Dim int
}

// DefaultHashDim is HashEmbedder's dimension when Dim is zero: large enough
// that word collisions are rare in one chunk, small enough that an exhaustive
// search over 10,000 chunks stays in milliseconds.
const DefaultHashDim = 512

func (h HashEmbedder) dim() int {
	if h.Dim <= 0 {
		return DefaultHashDim
	}
	return h.Dim
}

// Name is "hash-v1-<dim>".
func (h HashEmbedder) Name() string { return "hash-v1-" + strconv.Itoa(h.dim()) }

// Embed embeds texts on every core; it fails only when ctx is done.
func (h HashEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	workers := min(runtime.GOMAXPROCS(0), max(1, len(texts)/64))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf []byte
			for i := w; i < len(texts); i += workers {
				if i%256 == 0 && ctx.Err() != nil {
					return
				}
				out[i], buf = h.embed(texts[i], buf)
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// EmbedOne embeds one text.
func (h HashEmbedder) EmbedOne(text string) []float32 {
	v, _ := h.embed(text, nil)
	return v
}

// embed hashes text's features into a new vector; buf is scratch space for
// the lower-cased word, returned for reuse.
func (h HashEmbedder) embed(text string, buf []byte) ([]float32, []byte) {
	v := make([]float32, h.dim())
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		if !isWordRune(r) {
			i += n
			continue
		}
		buf = append(buf[:0], '^')
		for i < len(text) {
			r, n = utf8.DecodeRuneInString(text[i:])
			if !isWordRune(r) {
				break
			}
			buf = utf8.AppendRune(buf, unicode.ToLower(r))
			i += n
		}
		buf = append(buf, '$')
		h.add(v, buf)
	}
	normalize(v)
	return v, buf
}

// add adds the features of one bordered word ("^word$") to v.
func (h HashEmbedder) add(v []float32, word []byte) {
	addFeature(v, fnv1a(fnvOffset^'w', word[1:len(word)-1]), 1)
	// Trigrams by rune, so that accented and non-Latin words work too.
	var idx [3]int
	k := 0
	for i := 0; i < len(word); {
		_, n := utf8.DecodeRune(word[i:])
		idx[0], idx[1], idx[2] = idx[1], idx[2], i
		i += n
		if k++; k >= 3 {
			addFeature(v, fnv1a(fnvOffset^'t', word[idx[0]:i]), 0.5)
		}
	}
}

func addFeature(v []float32, h uint64, weight float32) {
	i := int(h % uint64(len(v)))
	if h>>63 == 1 {
		weight = -weight
	}
	v[i] += weight
}

// normalize scales v to unit length; a text without a single word gets a
// fixed unit vector, so that every stored vector is valid.
func normalize(v []float32) {
	var sum float64
	for _, x := range v {
		sum += float64(x) * float64(x)
	}
	if sum == 0 {
		v[0] = 1
		return
	}
	inv := float32(1 / math.Sqrt(sum))
	for i := range v {
		v[i] *= inv
	}
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func fnv1a(h uint64, b []byte) uint64 {
	for _, c := range b {
		h ^= uint64(c)
		h *= fnvPrime
	}
	// FNV's high bits mix poorly for short keys; finish with a murmur-style
	// avalanche so that the sign bit and the index are independent.
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	return h
}
