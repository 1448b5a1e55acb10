// Command benchsemantic measures schema-linking recall of the semantic
// layer's ranking on BIRD mini-dev (testdata/bird-mini-dev, CC BY-SA 4.0):
// for each question with its evidence, the share of the columns its gold
// SQL reads that appear among the first k ranked fields, beside two naive
// baselines and ablations. `make bench-semantic` runs it.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	data := flag.String("data", "semantic/internal/benchsemantic/testdata/bird-mini-dev", "the BIRD mini-dev directory")
	flag.Parse()
	if err := run(context.Background(), *data, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchsemantic:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, data string, w io.Writer) error {
	res, err := evaluate(ctx, data)
	if err != nil {
		return err
	}
	printTable(w, res)
	return nil
}
