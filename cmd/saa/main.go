// Command saa is SAA's single binary: the server, the in-process action
// runner for local agents, and the tools for plugin authors and admins.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `usage: saa <command> [arguments]

commands:
  serve                          run the server (OAuth, REST, admin)
  call <plugin>.<action> --input JSON|@file
                                 run an action in-process and print its output
  plugin build <dir>             build a plugin's wasm and print its sha256
  plugin inspect <manifest>      show what a plugin declares it may do
  plugin pack|keygen|sign|publish
                                 make, sign and upload a plugin bundle
  client create --name N --scopes a,b [--redirect-uris U [--public]]
                                 create an OAuth client on a running server
  user create --name N [--role user|viewer|admin]
                                 create a user on a running server (password: SAA_USER_PASSWORD)
  token --client-id ID --client-secret S --scopes a,b
                                 get an access token from a running server
  keys rotate                    rotate the token signing key of a running server
  audit verify                   check the audit log's hash chain
  compact [--data-dir DIR]       give deleted records' space back to the disk (server stopped)
  rag ingest FILE | rag search HANDLE "<query>" | rag chunk HANDLE ID
                                 make a large output a searchable handle, search it, expand a chunk
  semantic import|context|sql    build, query and search the semantic layer
  agent run <name> --input TEXT|@file [--server URL]
                                 run an agent; its tools run in-process or on a remote SAA
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run dispatches a sub-command and returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	commands := map[string]func(context.Context, []string, io.Writer, io.Writer) int{
		"serve":  runServe,
		"call":   runCall,
		"plugin": runPlugin,
		"client": runClient,
		"user":   runUser,
		"token":  runToken,
		"keys":   runKeys,
		"audit":  runAudit,
		// compact rewrites an idle database without its free pages.
		"compact": runCompact,
		"rag":     runRAG,
		// semantic is the warehouse semantic layer (package semantic).
		"semantic": runSemantic,
		"agent":    runAgentCmd,
		// healthcheck is for a container's HEALTHCHECK: GET /readyz.
		"healthcheck": runHealthcheck,
	}
	cmd, ok := commands[args[0]]
	if !ok {
		if args[0] != "help" && args[0] != "-h" && args[0] != "--help" {
			fmt.Fprintf(stderr, "saa: unknown command %q\n\n", args[0])
		}
		fmt.Fprint(stderr, usage)
		return 2
	}
	return cmd(ctx, args[1:], stdout, stderr)
}

// fail prints err as the command's error and returns exit code 1.
func fail(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "saa: %v\n", err)
	return 1
}
