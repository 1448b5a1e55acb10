//go:build wasip1

package pdk

import "unsafe"

// Bulk I/O with SAA's host. The standard Extism ABI moves input and output
// through host calls of eight bytes each (131,072 calls per MiB). SAA's
// host instead copies the input straight into a buffer in the plugin's
// memory and reads the output from it, one copy each way. It needs no
// import, so a plugin still runs in any Extism host: the plugin exports
// saa_io, which only SAA calls, and uses the fast path only in calls where
// the host has said, in the mailbox, that it filled the input. The layout
// is the host's contract (host/wasm/bulk.go); the host checks every field.

// mailbox is shared with the host: seven little-endian u32 fields.
type mailbox struct {
	inPtr, inCap uint32 // the input buffer, set by saa_io
	inLen, host  uint32 // set by the host before each call; host = 1 means filled
	outPtr       uint32 // the output, set by Output when host = 1
	outLen       uint32
	outSet       uint32
}

var (
	box     mailbox
	inBuf   []byte
	outKeep []byte // the output, kept alive until the host has copied it
)

// saaIO makes the input buffer hold at least need bytes and returns the
// mailbox's address.
//
//go:wasmexport saa_io
func saaIO(need uint32) uint32 {
	if int(need) > len(inBuf) {
		inBuf = make([]byte, need)
		box.inPtr = addr(unsafe.Pointer(unsafe.SliceData(inBuf)))
		box.inCap = need
	}
	return addr(unsafe.Pointer(&box))
}

// addr is a pointer's offset in linear memory, which is its value on wasm.
func addr(p unsafe.Pointer) uint32 { return uint32(uintptr(p)) }

// bulkInput returns the input the host copied in for this call, without
// copying it; ok is false when the host did not (any other Extism host).
// The buffer is rewritten before the next call, so it must not be kept.
func bulkInput() (b []byte, ok bool) {
	if box.host != 1 || box.inLen > box.inCap || int(box.inLen) > len(inBuf) {
		return nil, false
	}
	return inBuf[:box.inLen:box.inLen], true
}

// bulkOutput leaves b in the mailbox as the call's output and reports
// whether it could (only when the host filled the input). b must not change
// until the call returns: the host copies it then.
func bulkOutput(b []byte) bool {
	if box.host != 1 {
		return false
	}
	outKeep = b
	box.outPtr, box.outLen = 0, uint32(len(b))
	if len(b) > 0 {
		box.outPtr = addr(unsafe.Pointer(unsafe.SliceData(b)))
	}
	box.outSet = 1
	return true
}
