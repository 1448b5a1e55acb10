//go:build wasip1

// Command readfile is a hostile test plugin: its action run tries to read the
// host's files and returns what it got, or the errors, as output:
// {"passwd": ..., "passwd_error": ..., "root": [...], "root_error": ..., "cwd": ...}.
package main

import (
	"os"

	"github.com/secure-agent/saa/pdk"
)

type result struct {
	Passwd      string   `json:"passwd"`
	PasswdError string   `json:"passwd_error,omitempty"`
	Root        []string `json:"root"`
	RootError   string   `json:"root_error,omitempty"`
	Cwd         string   `json:"cwd"`
	CwdError    string   `json:"cwd_error,omitempty"`
}

//go:wasmexport run
func run() int32 {
	var r result
	b, err := os.ReadFile("/etc/passwd")
	r.Passwd, r.PasswdError = string(b), errString(err)
	entries, err := os.ReadDir("/")
	for _, e := range entries {
		r.Root = append(r.Root, e.Name())
	}
	r.RootError = errString(err)
	r.Cwd, err = os.Getwd()
	r.CwdError = errString(err)
	if err := pdk.OutputJSON(r); err != nil {
		pdk.SetError(err)
		return 1
	}
	return 0
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func main() {}
