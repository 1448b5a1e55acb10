package pdk_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/secure-agent/saa/pdk"
	"github.com/secure-agent/saa/pdk/pdktest"
	"github.com/secure-agent/saa/pdk/wire"
)

// pluginMainGo is a whole plugin: the main.go of a module of its own that
// requires github.com/secure-agent/saa. Build it with
//
//	GOOS=wasip1 GOARCH=wasm go build -trimpath -buildmode=c-shared -o greet.wasm .
const pluginMainGo = `package main

import (
	"errors"

	"github.com/secure-agent/saa/pdk"
)

// Input is the JSON input {"name": "Ada"} (encoding/json matches field names
// case-insensitively).
type Input struct{ Name string }

// greet is the action's logic: plain Go, testable without wasm.
func greet(in Input) (map[string]string, error) {
	if in.Name == "" {
		return nil, errors.New("name is required")
	}
	return map[string]string{"greeting": "Hello, " + in.Name + "!"}, nil
}

// The host calls the action by its export name.
//
//go:wasmexport greet
func greetAction() int32 { return pdk.Run(greet) }

// whoami asks the host for GET /user with the secret "token" in a header: the
// plugin only ever holds the reference, the host puts the value in.
func whoami(struct{}) (string, error) {
	resp, err := pdk.HTTP(&pdk.HTTPRequest{
		URL:     "https://api.example.com/user",
		Headers: map[string]string{"Authorization": pdk.Secret("token")},
	})
	if err != nil {
		return "", err
	}
	return string(resp.Body), nil
}

//go:wasmexport whoami
func whoamiAction() int32 { return pdk.Run(whoami) }

func main() {} // never called: a plugin is a reactor
`

var exampleWasm = sync.OnceValues(func() ([]byte, error) {
	root, err := filepath.Abs("..")
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "pdk-example-")
	if err != nil {
		return nil, err
	}
	tempDirs = append(tempDirs, dir)
	goVersion := strings.TrimPrefix(strings.Fields(runtime.Version())[0], "go")
	gomod := "module example.com/greet\n\ngo " + goVersion + "\n\n" +
		"require github.com/secure-agent/saa v0.0.0\n\n" +
		"replace github.com/secure-agent/saa => " + root + "\n"
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(pluginMainGo), 0o644); err != nil {
		return nil, err
	}
	return pdktest.Build(context.Background(), dir)
})

// Example builds the plugin in pluginMainGo and calls its action greet under
// the reference Extism host.
func Example() {
	ctx := context.Background()
	wasm, err := exampleWasm()
	if err != nil {
		fmt.Println(err)
		return
	}
	p, err := pdktest.Load(ctx, wasm, pdktest.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close(ctx)

	out, err := p.Call(ctx, "greet", []byte(`{"name": "Ada"}`))
	fmt.Println(string(out), err)
	_, err = p.Call(ctx, "greet", []byte(`{}`))
	fmt.Println(err)
	// Output:
	// {"greeting":"Hello, Ada!"} <nil>
	// greet: name is required
}

// ExampleSecret calls the action whoami of the plugin in pluginMainGo: the
// host, not the plugin, turns the reference into the secret's value.
func ExampleSecret() {
	ctx := context.Background()
	wasm, err := exampleWasm()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(pdk.Secret("token"))

	host := func(_ context.Context, req *wire.HTTPRequest) *wire.HTTPResponse {
		fmt.Println(req.Method, req.URL, "Authorization:", req.Headers["Authorization"])
		return &wire.HTTPResponse{Status: 200, Body: []byte("ada")}
	}
	opts := pdktest.Options{Secrets: map[string]string{"token": "Bearer s3cr3t"}, HTTP: host}
	p, err := pdktest.Load(ctx, wasm, opts)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close(ctx)

	out, err := p.Call(ctx, "whoami", nil)
	fmt.Println(string(out), err)
	// Output:
	// {{secret:token}}
	// GET https://api.example.com/user Authorization: Bearer s3cr3t
	// "ada" <nil>
}
