// Command ragbench measures host/rag beside chromem-go on the same machine
// and prints a table: ingesting a 10 MiB JSON output, search latency at 1k,
// 10k and 100k chunks, and the top-5 hit rate of the offline embedder on a
// generated support-ticket export. `make bench-rag` runs it.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	chromem "github.com/philippgille/chromem-go"

	"github.com/secure-agent/saa/host/rag"
	"github.com/secure-agent/saa/host/rag/internal/ticketgen"
)

const owner = "bench\x00bench"

func main() {
	sizes := flag.String("sizes", "1000,10000,100000", "collection sizes for the search latency")
	queries := flag.Int("queries", 50, "searches per size")
	flag.Parse()
	dir, err := os.MkdirTemp("", "ragbench-")
	check(err)
	defer os.RemoveAll(dir)
	store, err := rag.Open(rag.Options{Dir: dir, MasterKey: []byte(strings.Repeat("k", 32)), QuotaBytes: 1 << 40, QuotaHandles: 1 << 20})
	check(err)
	defer store.Close()

	fmt.Printf("host/rag beside chromem-go v0.7.0 — %d CPUs, %s/%s, offline embedder %s, load average at start %s\n\n",
		runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, rag.HashEmbedder{}.Name(), loadavg())
	ingest(store)
	fmt.Println()
	latency(store, parseSizes(*sizes), *queries)
	fmt.Println()
	hitRate(store)
}

// ingest times Store.Ingest of a 10 MiB ticket export, and chromem's own
// AddDocuments of the same chunks and vectors (the floor: no chunking,
// embedding, summary or encrypted write).
func ingest(store *rag.Store) {
	data := tenMiB()
	rssBefore := status("VmRSS")
	start, cpu0 := time.Now(), cpuTime()
	env, err := store.Ingest(context.Background(), owner, data, "bench")
	check(err)
	took, cpu := time.Since(start), cpuTime()-cpu0
	peak := status("VmHWM")

	chunks, err := rag.Chunker{}.Split(data)
	check(err)
	texts := make([]string, len(chunks))
	for i, c := range chunks {
		texts[i] = c.Text
	}
	t0, c0 := time.Now(), cpuTime()
	vecs, err := rag.HashEmbedder{}.Embed(context.Background(), texts)
	check(err)
	embedTook, embedCPU := time.Since(t0), cpuTime()-c0
	t0, c0 = time.Now(), cpuTime()
	col, err := chromem.NewDB().CreateCollection("raw", nil, refuse)
	check(err)
	check(col.AddDocuments(context.Background(), docs(chunks, vecs), runtime.GOMAXPROCS(0)))
	rawTook, rawCPU := time.Since(t0), cpuTime()-c0

	mib := float64(len(data)) / (1 << 20)
	fmt.Printf("Ingest of a %.1f MiB JSON output (%d chunks) — target ≤ 5 s\n\n", mib, len(chunks))
	fmt.Println("| step | wall time | CPU time | chunks/s | MiB/s |")
	fmt.Println("|---|---|---|---|---|")
	row := func(name string, d, c time.Duration) {
		fmt.Printf("| %s | %s | %s | %.0f | %.1f |\n", name, d.Round(time.Millisecond), c.Round(time.Millisecond), float64(env.Chunks)/d.Seconds(), mib/d.Seconds())
	}
	row("host/rag Store.Ingest (chunk, embed, add, summary, encrypted write)", took, cpu)
	row("the offline embedder alone", embedTook, embedCPU)
	row("chromem-go AddDocuments, vectors given (floor)", rawTook, rawCPU)
	fmt.Printf("\nRSS before %d MiB, peak %d MiB (the process also holds the generated 10 MiB and its copy)\n", rssBefore>>10, peak>>10)
}

// latency times Store.Search (query embedding, ownership check, chromem
// query) beside chromem's own QueryEmbedding on a collection of the same
// vectors.
func latency(store *rag.Store, sizes []int, n int) {
	fmt.Printf("Search latency, k = 5, %d queries per size, median and p95 — target ≤ 50 ms at 10k\n\n", n)
	fmt.Println("| chunks | host/rag Search p50 | p95 | CPU/query | chromem QueryEmbedding p50 | p95 | CPU/query | ratio p50 |")
	fmt.Println("|---|---|---|---|---|---|---|---|")
	for _, size := range sizes {
		tickets := ticketgen.Generate(size, 7)
		data, err := json.Marshal(tickets)
		check(err)
		env, err := store.Ingest(context.Background(), owner, data, "bench")
		check(err)
		qs := ticketgen.Questions(tickets[:min(len(tickets), 9000)], n, 7)
		ours, oursCPU := timeEach(qs, func(q string) {
			_, err := store.Search(context.Background(), owner, env.Handle, rag.SearchOptions{Query: q, K: 5})
			check(err)
		})
		col := rawCollection(data)
		raw, rawCPU := timeEach(qs, func(q string) {
			v := rag.HashEmbedder{}.EmbedOne(q)
			_, err := col.QueryEmbedding(context.Background(), v, 5, nil, nil)
			check(err)
		})
		fmt.Printf("| %d | %s | %s | %s | %s | %s | %s | %.2f |\n", env.Chunks, ms(ours[len(ours)/2]), ms(ours[len(ours)*95/100]), ms(oursCPU),
			ms(raw[len(raw)/2]), ms(raw[len(raw)*95/100]), ms(rawCPU), float64(ours[len(ours)/2])/float64(raw[len(raw)/2]))
		check(store.Delete(owner, env.Handle))
		runtime.GC()
	}
}

// hitRate asks the fixed questions of a 5,000-ticket export and counts how
// often the ticket that answers comes back in the top 5.
func hitRate(store *rag.Store) {
	tickets := ticketgen.Generate(5000, 42)
	data, err := json.Marshal(tickets)
	check(err)
	env, err := store.Ingest(context.Background(), owner, data, "bench")
	check(err)
	qs := ticketgen.Questions(tickets, 100, 42)
	var hits, top1 [2]int
	var total [2]int
	for _, q := range qs {
		res, err := store.Search(context.Background(), owner, env.Handle, rag.SearchOptions{Query: q.Text, K: 5})
		check(err)
		kind := 0
		if q.Paraphrased {
			kind = 1
		}
		total[kind]++
		want := "/" + strconv.Itoa(q.Index)
		for i, h := range res {
			if h.Pointer == want {
				hits[kind]++
				if i == 0 {
					top1[kind]++
				}
				break
			}
		}
	}
	fmt.Printf("Retrieval quality, offline lexical embedder: %d tickets, %d fixed questions, each answered by one ticket\n\n", len(tickets), len(qs))
	fmt.Println("| questions | top-5 hit rate | top-1 |")
	fmt.Println("|---|---|---|")
	fmt.Printf("| worded like the tickets (%d) | %d %% | %d %% |\n", total[0], 100*hits[0]/total[0], 100*top1[0]/total[0])
	fmt.Printf("| paraphrased: other words for symptom and trigger (%d) | %d %% | %d %% |\n", total[1], 100*hits[1]/total[1], 100*top1[1]/total[1])
	fmt.Printf("| all (%d) | %d %% | %d %% |\n", len(qs), 100*(hits[0]+hits[1])/len(qs), 100*(top1[0]+top1[1])/len(qs))
	fmt.Println("\nExample questions:")
	fmt.Printf("  worded like the data: %q\n  paraphrased:          %q\n", qs[0].Text, qs[1].Text)
}

// tenMiB is a ticket export of about 10 MiB, each ticket with a comment thread.
func tenMiB() []byte {
	tickets := ticketgen.Generate(18000, 1)
	type withThread struct {
		ticketgen.Ticket
		Comments []string `json:"comments"`
	}
	out := make([]withThread, len(tickets))
	for i, t := range tickets {
		out[i] = withThread{t, []string{"Agent: thanks, we are looking into it.", "Customer: any update? " + t.Subject}}
	}
	b, err := json.Marshal(map[string]any{"export": "helpdesk", "tickets": out})
	check(err)
	return b
}

func rawCollection(data []byte) *chromem.Collection {
	chunks, err := rag.Chunker{}.Split(data)
	check(err)
	texts := make([]string, len(chunks))
	for i, c := range chunks {
		texts[i] = c.Text
	}
	vecs, err := rag.HashEmbedder{}.Embed(context.Background(), texts)
	check(err)
	col, err := chromem.NewDB().CreateCollection("raw", nil, refuse)
	check(err)
	check(col.AddDocuments(context.Background(), docs(chunks, vecs), runtime.GOMAXPROCS(0)))
	return col
}

func docs(chunks []rag.Chunk, vecs [][]float32) []chromem.Document {
	out := make([]chromem.Document, len(chunks))
	for i, c := range chunks {
		out[i] = chromem.Document{ID: strconv.Itoa(i), Metadata: map[string]string{"pointer": c.Pointer}, Embedding: vecs[i], Content: c.Text}
	}
	return out
}

func refuse(context.Context, string) ([]float32, error) { panic("chromem must not embed") }

// timeEach runs f per question and returns the sorted wall times and the
// mean CPU time per call (both cores count: chromem searches in parallel).
func timeEach(qs []ticketgen.Question, f func(string)) ([]time.Duration, time.Duration) {
	out := make([]time.Duration, len(qs))
	cpu0 := cpuTime()
	for i, q := range qs {
		start := time.Now()
		f(q.Text)
		out[i] = time.Since(start)
	}
	cpu := (cpuTime() - cpu0) / time.Duration(len(qs))
	slices.Sort(out)
	return out, cpu
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

// status reads a kB figure of /proc/self/status.
func status(key string) int {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), key+":"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return n
		}
	}
	return 0
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}

func parseSizes(s string) []int {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		check(err)
		out = append(out, n)
	}
	return out
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "ragbench:", err)
		os.Exit(1)
	}
}
