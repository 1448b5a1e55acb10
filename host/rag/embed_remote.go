package rag

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/secure-agent/saa/pdk/wire"
)

// Doer sends one HTTP request. The host gives RemoteEmbedder an egress
// session's Do, so that embedding calls pass the same guard as plugins' and
// the API key is injected there, never held here.
type Doer func(ctx context.Context, req wire.HTTPRequest) (wire.HTTPResponse, error)

// RemoteEmbedder calls an OpenAI-compatible POST {BaseURL}/embeddings
// (OpenAI, Ollama's /v1, vLLM, LiteLLM...).
type RemoteEmbedder struct {
	// BaseURL is the API root, such as https://api.openai.com/v1.
	BaseURL string
	// Model is sent as "model" and names the embedder: "openai:<model>".
	Model string
	// Authorization is the header value to send, normally a secret
	// reference such as "{{secret:embeddings_key}}" that egress replaces;
	// empty sends none (a local Ollama).
	Authorization string
	// Do sends the requests; required.
	Do Doer
	// Batch is how many texts go in one request; 128 if zero.
	Batch int
}

// maxRemoteDim bounds the vectors an endpoint may return.
const maxRemoteDim = 8192

// Name is "openai:<model>".
func (e RemoteEmbedder) Name() string { return "openai:" + e.Model }

// Embed sends texts in batches and checks every answer: one vector per
// text, all of one dimension, finite. Vectors are L2-normalised here.
func (e RemoteEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	batch := e.Batch
	if batch <= 0 {
		batch = 128
	}
	out := make([][]float32, 0, len(texts))
	for start := 0; start < len(texts); start += batch {
		vecs, err := e.embedBatch(ctx, texts[start:min(start+batch, len(texts))])
		if err != nil {
			return nil, err
		}
		if len(out) > 0 && len(vecs[0]) != len(out[0]) {
			return nil, fmt.Errorf("%w: dimension changed from %d to %d", ErrEmbedding, len(out[0]), len(vecs[0]))
		}
		out = append(out, vecs...)
	}
	return out, nil
}

type embeddingsRequest struct {
	Model string   `json:"model"`
	Input []string `json:"input"`
}

type embeddingsResponse struct {
	Data []struct {
		Index     int       `json:"index"`
		Embedding []float64 `json:"embedding"`
	} `json:"data"`
}

func (e RemoteEmbedder) embedBatch(ctx context.Context, texts []string) ([][]float32, error) {
	body, err := json.Marshal(embeddingsRequest{Model: e.Model, Input: texts})
	if err != nil {
		return nil, fmt.Errorf("%w: encode request: %v", ErrEmbedding, err)
	}
	req := wire.HTTPRequest{
		Method:  "POST",
		URL:     strings.TrimSuffix(e.BaseURL, "/") + "/embeddings",
		Headers: map[string]string{"Content-Type": "application/json"},
		Body:    body,
	}
	if e.Authorization != "" {
		req.Headers["Authorization"] = e.Authorization
	}
	resp, err := e.Do(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrEmbedding, err)
	}
	if resp.Status != 200 {
		return nil, fmt.Errorf("%w: the endpoint answered %d", ErrEmbedding, resp.Status)
	}
	return decodeEmbeddings(resp.Body, len(texts))
}

// decodeEmbeddings parses and checks an /embeddings answer for n texts.
func decodeEmbeddings(body []byte, n int) ([][]float32, error) {
	var r embeddingsResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("%w: decode answer: %v", ErrEmbedding, err)
	}
	if len(r.Data) != n {
		return nil, fmt.Errorf("%w: %d vectors for %d texts", ErrEmbedding, len(r.Data), n)
	}
	out := make([][]float32, n)
	for _, d := range r.Data {
		switch {
		case d.Index < 0 || d.Index >= n || out[d.Index] != nil:
			return nil, fmt.Errorf("%w: bad or repeated index %d", ErrEmbedding, d.Index)
		case len(d.Embedding) == 0 || len(d.Embedding) > maxRemoteDim:
			return nil, fmt.Errorf("%w: dimension %d", ErrEmbedding, len(d.Embedding))
		case len(d.Embedding) != len(r.Data[0].Embedding):
			return nil, fmt.Errorf("%w: vectors of different dimensions", ErrEmbedding)
		}
		v, err := unitVector(d.Embedding)
		if err != nil {
			return nil, err
		}
		out[d.Index] = v
	}
	return out, nil
}

// unitVector checks x is finite and not zero and scales it to unit length,
// in float64 so that huge or tiny components neither overflow nor vanish.
func unitVector(x []float64) ([]float32, error) {
	var peak float64
	for _, c := range x {
		if math.IsNaN(c) || math.IsInf(c, 0) {
			return nil, fmt.Errorf("%w: non-finite value", ErrEmbedding)
		}
		peak = max(peak, math.Abs(c))
	}
	if peak == 0 {
		return nil, fmt.Errorf("%w: zero vector", ErrEmbedding)
	}
	var sum float64
	for _, c := range x {
		sum += (c / peak) * (c / peak)
	}
	scale := 1 / (peak * math.Sqrt(sum))
	v := make([]float32, len(x))
	for i, c := range x {
		v[i] = float32(c * scale)
	}
	return v, nil
}
