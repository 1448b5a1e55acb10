//go:build wasip1

// Command bulkio is a hostile test plugin: it speaks SAA's bulk I/O
// protocol (host/wasm/bulk.go) by hand and lies in its mailbox. Input
// {"mode": ...} picks the lie:
//   - "ok": a well-formed output, to show the protocol works;
//   - "out_of_range": an output past the end of memory;
//   - "ptr_ffffffff": an output at 0xFFFFFFFF, whose end wraps in 32 bits;
//   - "len_ffffffff": an output 0xFFFFFFFF bytes long;
//   - "over_limit": a real 2 MiB output, over the 1 MiB limit;
//   - "overlap": an output that is the mailbox itself;
//   - "input_out_of_range", "input_overlap": this call succeeds, but the
//     next call's input buffer is past the end of memory, or the mailbox;
//   - "mailbox_ffffffff": this call succeeds, but when the host next asks
//     for a bigger input buffer, saa_io answers 0xFFFFFFFF.
package main

import (
	"encoding/json"
	"unsafe"
)

type mailbox struct{ inPtr, inCap, inLen, host, outPtr, outLen, outSet uint32 }

var (
	box      mailbox
	inBuf    []byte
	keep     []byte
	evilNext bool
)

func addr(p unsafe.Pointer) uint32 { return uint32(uintptr(p)) }

//go:wasmexport saa_io
func saaIO(need uint32) uint32 {
	if evilNext {
		return 0xFFFFFFFF
	}
	if int(need) > len(inBuf) {
		inBuf = make([]byte, need)
		box.inPtr, box.inCap = addr(unsafe.Pointer(&inBuf[0])), need
	}
	return addr(unsafe.Pointer(&box))
}

func output(b []byte, ptr, n uint32) {
	keep = b
	box.outPtr, box.outLen, box.outSet = ptr, n, 1
}

func ok() {
	b := []byte(`{"ok":true}`)
	output(b, addr(unsafe.Pointer(&b[0])), uint32(len(b)))
}

//go:wasmexport run
func run() int32 {
	var in struct {
		Mode string `json:"mode"`
	}
	json.Unmarshal(inBuf[:box.inLen], &in)
	switch in.Mode {
	case "out_of_range":
		output(nil, 0x7FFFFFF0, 64)
	case "ptr_ffffffff":
		output(nil, 0xFFFFFFFF, 16)
	case "len_ffffffff":
		ok()
		box.outLen = 0xFFFFFFFF
	case "over_limit":
		b := make([]byte, 2<<20)
		output(b, addr(unsafe.Pointer(&b[0])), uint32(len(b)))
	case "overlap":
		output(nil, addr(unsafe.Pointer(&box)), uint32(unsafe.Sizeof(box)))
	case "input_out_of_range":
		ok()
		box.inPtr, box.inCap = 0xFFFFFFF0, 0xFFFFFFFF
	case "input_overlap":
		ok()
		box.inPtr, box.inCap = addr(unsafe.Pointer(&box)), 1<<20
	case "mailbox_ffffffff":
		ok()
		evilNext, box.inCap = true, 0
	default:
		ok()
	}
	return 0
}

func main() {}
