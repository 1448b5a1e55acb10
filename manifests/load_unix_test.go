//go:build unix

package manifests

import (
	"errors"
	"path/filepath"
	"syscall"
	"testing"
)

func TestReadRefusesFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo.yaml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadWasm(fifo, sha256Hex(nil), 0); !errors.Is(err, errNotRegular) {
		t.Errorf("ReadWasm = %v, want errNotRegular", err)
	}
	if _, err := Load(fifo); !errors.Is(err, errNotRegular) {
		t.Errorf("Load = %v, want errNotRegular", err)
	}
}
