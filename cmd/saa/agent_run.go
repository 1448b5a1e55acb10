package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/agents"
	"github.com/secure-agent/saa/host/client"
)

const agentUsage = "usage: saa agent run <name> --input TEXT|@file [--server URL (--token T | --client-id ID --client-secret S --scopes a,b)] [--approve prompt|none]"

// runAgentCmd dispatches `saa agent ...`.
func runAgentCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "run" {
		fmt.Fprintln(stderr, agentUsage)
		return 2
	}
	return runAgent(ctx, args[1:], stdout, stderr)
}

// runAgent runs an agent to its end with the model of SAA_LLM_BASE_URL.
// Its tools run in-process on the local data dir, or, with --server, on a
// remote SAA through its REST API: the same definitions and loop either
// way. Calls that need approval are asked on the terminal (--approve
// prompt) or refused (--approve none). It prints the final answer.
func runAgent(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("agent run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	input := fs.String("input", "", "the agent's input: text, or @file")
	server := fs.String("server", "", "run the tools on this remote SAA over REST")
	token := fs.String("token", os.Getenv("SAA_TOKEN"), "access token for --server (SAA_TOKEN)")
	id := fs.String("client-id", os.Getenv("SAA_CLIENT_ID"), "client ID for --server (SAA_CLIENT_ID)")
	secret := fs.String("client-secret", os.Getenv("SAA_CLIENT_SECRET"), "client secret for --server (SAA_CLIENT_SECRET)")
	scopes := fs.String("scopes", os.Getenv("SAA_SCOPES"), "comma-separated scopes to ask the token for with --client-id (SAA_SCOPES)")
	approve := fs.String("approve", "prompt", "prompt: ask on the terminal; none: refuse calls that need approval")
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprintln(stderr, agentUsage)
		return 2
	}
	name := args[0]
	if code, done := parseFlags(fs, args[1:]); done {
		return code
	}
	in, err := readInput(*input)
	if err != nil {
		return fail(stderr, err)
	}
	set, err := loadAgentSet(os.Getenv)
	if err != nil {
		return fail(stderr, err)
	}
	if set[name] == nil {
		return fail(stderr, fmt.Errorf("no agent %q in SAA_AGENTS_DIR", name))
	}
	cfg, err := host.DefaultConfig().FromEnv(os.Getenv)
	if err != nil {
		return fail(stderr, err)
	}
	runner := &agents.Runner{Agents: set}
	if *approve == "prompt" {
		runner.Approver = &promptApprover{in: bufio.NewReader(os.Stdin), out: stderr}
	}
	var p host.Principal
	if *server != "" {
		var want []string
		if *scopes != "" {
			want = strings.Split(*scopes, ",")
		}
		cl, err := client.New(ctx, client.Config{BaseURL: *server, Token: *token, ClientID: *id, ClientSecret: *secret, Scopes: want})
		if err != nil {
			return fail(stderr, err)
		}
		if p, err = remotePrincipal(ctx, cl, *id, set); err != nil {
			return fail(stderr, err)
		}
		runner.Invoker = cl
		runner.Models, err = agentModels(ctx, os.Getenv, nil, cfg.EgressAllowCIDRs, nil)
	} else {
		rt, err := host.New(ctx, cfg)
		if err != nil {
			return fail(stderr, err)
		}
		defer rt.Close(context.WithoutCancel(ctx))
		p = localAgentPrincipal(rt, set)
		runner.Invoker = rt
		runner.Models, err = agentModels(ctx, os.Getenv, rt.Secrets(), cfg.EgressAllowCIDRs, nil)
	}
	if err != nil {
		return fail(stderr, err)
	}
	res := runner.Run(ctx, agents.Request{Agent: name, Input: string(in), Principal: p})
	if res.Status != agents.StatusSucceeded {
		return fail(stderr, fmt.Errorf("run %s: %s: %s", res.Status, res.ErrorKind, res.ErrorMessage))
	}
	fmt.Fprintln(stdout, res.Output)
	return 0
}

// localAgentPrincipal is the operator at the terminal: every agent and
// every loaded action (in-process code is already trusted with the data dir).
func localAgentPrincipal(rt *host.Runtime, set agents.Set) host.Principal {
	p := localPrincipal(rt, "", "")
	p.Scopes = agentScopes(set)
	for _, m := range rt.Plugins() {
		for _, a := range m.Actions {
			p.Scopes = append(p.Scopes, m.NamespacedScopes(a)...)
		}
	}
	return p
}

// remotePrincipal is the remote client: the scopes of the actions its token
// may call, and every agent (the server checks the token on each call).
func remotePrincipal(ctx context.Context, cl *client.Client, id string, set agents.Set) (host.Principal, error) {
	p := host.Principal{ClientID: id, Subject: id, Scopes: agentScopes(set)}
	all, err := cl.Catalog(ctx)
	if err != nil {
		return p, err
	}
	for _, a := range all {
		for _, s := range a.Scopes {
			if !slices.Contains(p.Scopes, s) {
				p.Scopes = append(p.Scopes, s)
			}
		}
	}
	return p, nil
}

func agentScopes(set agents.Set) []string {
	var out []string
	for _, n := range set.Names() {
		out = append(out, agents.ScopeRunPrefix+n)
	}
	return out
}

// promptApprover asks the terminal about each paused call.
type promptApprover struct {
	mu  sync.Mutex
	in  *bufio.Reader
	out io.Writer
}

func (a *promptApprover) Await(ctx context.Context, runID string, p agents.Pending) (agents.Decision, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	args, _ := json.Marshal(p.Arguments)
	fmt.Fprintf(a.out, "\n%s wants to call %s (%s, effect %s, scopes %s)\n  arguments: %s\napprove? [y/N or a reason to reject] ",
		p.Agent, p.Tool, p.Description, p.Effect, strings.Join(p.Scopes, " "), args)
	line, err := a.in.ReadString('\n')
	if err != nil && line == "" {
		return agents.Decision{Approve: false, Reason: "no answer on the terminal", Hash: p.Hash, Nonce: fmt.Sprint(time.Now().UnixNano())}, nil
	}
	line = strings.TrimSpace(line)
	ok := strings.EqualFold(line, "y") || strings.EqualFold(line, "yes")
	return agents.Decision{Approve: ok, Reason: line, Hash: p.Hash, Nonce: fmt.Sprint(time.Now().UnixNano()), By: "terminal"}, nil
}
