package rag_test

import (
	"context"
	"encoding/json"
	"runtime"
	"strconv"
	"testing"

	chromem "github.com/philippgille/chromem-go"

	"github.com/secure-agent/saa/host/rag"
	"github.com/secure-agent/saa/host/rag/internal/ticketgen"
)

// BenchmarkIngest ingests a ~2.5 MiB export of 5,000 tickets through the
// Store; BenchmarkIngestChromemFloor adds the same chunks with their vectors
// given straight to chromem: the ratio is what chunking, embedding, the
// summary and the encrypted write cost. make bench-rag prints the 10 MiB
// figures.
func BenchmarkIngest(b *testing.B) {
	data := ticketsExport(b, 5000)
	s := openStore(b, b.TempDir(), func(o *rag.Options) { o.QuotaHandles = 1 << 20; o.QuotaBytes = 1 << 40 })
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		env, err := s.Ingest(context.Background(), alice, data, "")
		if err != nil {
			b.Fatal(err)
		}
		s.Delete(alice, env.Handle)
	}
}

func BenchmarkIngestChromemFloor(b *testing.B) {
	data := ticketsExport(b, 5000)
	chunks, vecs := chunked(b, data)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		col, _ := chromem.NewDB().CreateCollection("raw", nil, nil)
		if err := col.AddDocuments(context.Background(), rawDocs(chunks, vecs), runtime.GOMAXPROCS(0)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSearch10k searches a 10,000-chunk handle; BenchmarkSearch10kChromem
// queries chromem directly with the same vectors.
func BenchmarkSearch10k(b *testing.B) {
	data := ticketsExport(b, 10000)
	s := openStore(b, b.TempDir(), nil)
	env, err := s.Ingest(context.Background(), alice, data, "")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := s.Search(context.Background(), alice, env.Handle, rag.SearchOptions{Query: "router overheats after a power outage", K: 5}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSearch10kChromem(b *testing.B) {
	chunks, vecs := chunked(b, ticketsExport(b, 10000))
	col, _ := chromem.NewDB().CreateCollection("raw", nil, nil)
	if err := col.AddDocuments(context.Background(), rawDocs(chunks, vecs), runtime.GOMAXPROCS(0)); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		q := rag.HashEmbedder{}.EmbedOne("router overheats after a power outage")
		if _, err := col.QueryEmbedding(context.Background(), q, 5, nil, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func ticketsExport(b *testing.B, n int) []byte {
	data, err := json.Marshal(ticketgen.Generate(n, 1))
	if err != nil {
		b.Fatal(err)
	}
	return data
}

func chunked(b *testing.B, data []byte) ([]rag.Chunk, [][]float32) {
	chunks, err := rag.Chunker{}.Split(data)
	if err != nil {
		b.Fatal(err)
	}
	texts := make([]string, len(chunks))
	for i, c := range chunks {
		texts[i] = c.Text
	}
	vecs, err := rag.HashEmbedder{}.Embed(context.Background(), texts)
	if err != nil {
		b.Fatal(err)
	}
	return chunks, vecs
}

func rawDocs(chunks []rag.Chunk, vecs [][]float32) []chromem.Document {
	out := make([]chromem.Document, len(chunks))
	for i, c := range chunks {
		out[i] = chromem.Document{ID: strconv.Itoa(i), Metadata: map[string]string{"pointer": c.Pointer}, Embedding: vecs[i], Content: c.Text}
	}
	return out
}
