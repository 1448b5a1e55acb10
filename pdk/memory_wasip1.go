//go:build wasip1

package pdk

import "encoding/binary"

// block is an Extism memory block: an allocation in the host's kernel memory.
type block struct {
	offset uint64
	length uint64
}

// allocBytes copies b into a new block. The caller owns the block unless it
// hands it to a host function that takes ownership.
func allocBytes(b []byte) block {
	m := block{offset: extismAlloc(uint64(len(b))), length: uint64(len(b))}
	copyOut(m.offset, b)
	return m
}

func (m block) free() {
	if m.offset != 0 {
		extismFree(m.offset)
	}
}

// readBlock returns a copy of the block at offset.
func readBlock(offset uint64) []byte {
	buf := make([]byte, extismLength(offset))
	copyIn(buf, offset, extismLoadU64, extismLoadU8)
	return buf
}

// copyIn fills buf from host memory starting at offset, one 8-byte word per
// host call and byte by byte only for the tail.
func copyIn(buf []byte, offset uint64, word func(uint64) uint64, byte1 func(uint64) uint32) {
	words := len(buf) &^ 7
	for i := 0; i < words; i += 8 {
		binary.LittleEndian.PutUint64(buf[i:], word(offset+uint64(i)))
	}
	for i := words; i < len(buf); i++ {
		buf[i] = byte(byte1(offset + uint64(i)))
	}
}

// copyOut writes b to host memory starting at offset, like copyIn in reverse.
func copyOut(offset uint64, b []byte) {
	words := len(b) &^ 7
	for i := 0; i < words; i += 8 {
		extismStoreU64(offset+uint64(i), binary.LittleEndian.Uint64(b[i:]))
	}
	for i := words; i < len(b); i++ {
		extismStoreU8(offset+uint64(i), uint32(b[i]))
	}
}
