package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"
	"strconv"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/rag"
)

const ragUsage = `usage: saa rag ingest FILE
       saa rag search [--k N] [--contains TEXT] HANDLE "<query>"
       saa rag chunk [--neighbours N] HANDLE ID`

// runRAG makes a file a handle, searches one or expands a chunk, in-process
// as the local operator (the same principal for every command, so a handle
// made by ingest is found by search).
func runRAG(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, ragUsage)
		return 2
	}
	fs := flag.NewFlagSet("rag "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	k := fs.Int("k", rag.DefaultK, "how many chunks to return")
	contains := fs.String("contains", "", "keep only chunks holding this exact text")
	neighbours := fs.Int("neighbours", 0, "chunks on each side to include")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	want := map[string]int{"ingest": 1, "search": 2, "chunk": 2}[args[0]]
	if want == 0 || fs.NArg() != want {
		fmt.Fprintln(stderr, ragUsage)
		return 2
	}
	rt, err := openLocal(ctx)
	if err != nil {
		return fail(stderr, err)
	}
	defer rt.Close(context.WithoutCancel(ctx))
	p := operator()
	var out any
	switch args[0] {
	case "ingest":
		data, rerr := os.ReadFile(fs.Arg(0))
		if rerr != nil {
			return fail(stderr, rerr)
		}
		out, err = rt.Ingest(ctx, p, data, "file")
	case "search":
		var hits []rag.Hit
		hits, err = rt.Search(ctx, p, fs.Arg(0), rag.SearchOptions{Query: fs.Arg(1), K: *k, Contains: *contains})
		out = map[string]any{"handle": fs.Arg(0), "hits": hits}
	case "chunk":
		id, cerr := strconv.Atoi(fs.Arg(1))
		if cerr != nil {
			return fail(stderr, fmt.Errorf("chunk id %q is not a number", fs.Arg(1)))
		}
		var chunks []rag.Chunk
		chunks, err = rt.Chunks(ctx, p, fs.Arg(0), id, *neighbours)
		out = map[string]any{"handle": fs.Arg(0), "chunks": chunks}
	}
	if err != nil {
		return fail(stderr, err)
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	enc.Encode(out)
	return 0
}

func openLocal(ctx context.Context) (*host.Runtime, error) {
	cfg, err := host.DefaultConfig().FromEnv(os.Getenv)
	if err != nil {
		return nil, err
	}
	return host.New(ctx, cfg)
}

// operator is the local user at the terminal, as a principal with no scopes:
// handles need none, only ownership.
func operator() host.Principal {
	p := host.Principal{ClientID: "local", Subject: "local"}
	if u, err := user.Current(); err == nil {
		p.Subject = "local:" + u.Username
	}
	return p
}
