//go:build wasip1

// Command abi is a test plugin that exercises every part of the PDK, for the
// PDK's own tests under the reference Extism host.
package main

import (
	"errors"
	"strconv"

	"github.com/secure-agent/saa/pdk"
)

func main() {}

// echo returns its input byte for byte.
//
//go:wasmexport echo
func echo() int32 {
	pdk.Output(pdk.Input())
	return 0
}

// config returns the config value named by the input, or fails.
//
//go:wasmexport config
func config() int32 {
	v, ok := pdk.GetConfig(string(pdk.Input()))
	if !ok {
		pdk.SetErrorString("config not set")
		return 1
	}
	pdk.Output([]byte(v))
	return 0
}

// count increments the instance variable "n" and returns it.
//
//go:wasmexport count
func count() int32 {
	n := 0
	if v, ok := pdk.GetVar("n"); ok {
		n, _ = strconv.Atoi(string(v))
	}
	n++
	pdk.SetVar("n", []byte(strconv.Itoa(n)))
	pdk.Output([]byte(strconv.Itoa(n)))
	return 0
}

// log logs its input at every level.
//
//go:wasmexport log
func log() int32 {
	msg := string(pdk.Input())
	for _, l := range []pdk.LogLevel{pdk.LogTrace, pdk.LogDebug, pdk.LogInfo, pdk.LogWarn, pdk.LogError} {
		pdk.Logf(l, "%d %s", l, msg)
	}
	return 0
}

type fetchIn struct {
	URL    string `json:"url"`
	Secret string `json:"secret"`
	Body   []byte `json:"body"`
}

// fetch sends a POST with the body and, if named, a secret, and returns the
// host's response.
//
//go:wasmexport fetch
func fetch() int32 {
	return pdk.Run(func(in fetchIn) (*pdk.HTTPResponse, error) {
		req := &pdk.HTTPRequest{Method: "POST", URL: in.URL, Body: in.Body}
		if in.Secret != "" {
			req.Headers = map[string]string{"Authorization": pdk.Secret(in.Secret)}
		}
		return pdk.HTTP(req)
	})
}

type greetIn struct {
	Name string `json:"name"`
}

type greetOut struct {
	Greeting string `json:"greeting"`
}

// greet exercises Run: an error for an empty name, a recovered panic for
// "panic".
//
//go:wasmexport greet
func greet() int32 {
	return pdk.Run(func(in greetIn) (greetOut, error) {
		switch in.Name {
		case "":
			return greetOut{}, errors.New("name is required")
		case "panic":
			var m map[string]int
			m["boom"]++
		}
		return greetOut{Greeting: "Hello, " + in.Name + "!"}, nil
	})
}
