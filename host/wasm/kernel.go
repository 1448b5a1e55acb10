package wasm

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// kernelBase is the first offset a block can have: offset 0 means "no block"
// in the Extism ABI, so the arena starts with this many unused bytes.
const kernelBase = 8

// maxFreeBlocks bounds the free list a call can build, so that a guest
// freeing many small blocks cannot make every alloc slow; blocks past it
// stay unused until the call ends.
const maxFreeBlocks = 64

// keepArena is the arena capacity an idle instance keeps between calls;
// a call that grew it past this gives the memory back when it ends.
const keepArena = 4 << 20

// errKernelRange means the guest addressed kernel memory outside the arena
// or the input; the host function panics with it, which traps the call.
var errKernelRange = errors.New("kernel memory access out of range")

// kernel is the Extism kernel's state for one instance, kept on the Go side:
// the blocks the guest allocates live in mem, so load_u64 and store_u64 are
// plain slice operations. Every offset comes from the untrusted guest and is
// checked against the arena (or the input) before use.
type kernel struct {
	mem    []byte
	blocks map[uint64]block // live blocks by offset
	free   []span           // freed blocks, reused first fit
	limit  uint64           // largest len(mem): the module's memory limit

	input          []byte // the current call's input; never written
	inputOff       uint64 // its copy in the arena, made only if the guest asks input_offset
	outOff, outLen uint64
	errOff         uint64
}

type block struct{ length, capacity uint64 }

type span struct{ off, capacity uint64 }

func newKernel(limit uint64) *kernel {
	return &kernel{mem: make([]byte, kernelBase, 64<<10), blocks: map[uint64]block{}, limit: limit}
}

// reset starts a call: every block of the previous call is gone.
func (k *kernel) reset(input []byte) {
	k.mem = k.mem[:kernelBase]
	clear(k.blocks)
	k.free = k.free[:0]
	k.input, k.inputOff = input, 0
	k.outOff, k.outLen, k.errOff = 0, 0, 0
}

// shrink ends a call: the input is dropped, and an arena the call grew
// past keepArena is given back, so an idle instance holds little.
func (k *kernel) shrink() {
	k.input = nil
	if cap(k.mem) > keepArena {
		k.mem = make([]byte, kernelBase, 64<<10)
		clear(k.blocks)
		k.free = k.free[:0]
	}
}

// alloc returns the offset of a new block of n bytes, zeroed, or 0 when n is
// 0 or the arena would pass its limit (the guest sees an allocation failure).
func (k *kernel) alloc(n uint64) uint64 {
	if n == 0 {
		return 0
	}
	for i, s := range k.free {
		if s.capacity >= n {
			k.free = append(k.free[:i], k.free[i+1:]...)
			clear(k.mem[s.off : s.off+s.capacity])
			k.blocks[s.off] = block{length: n, capacity: s.capacity}
			return s.off
		}
	}
	off := uint64(len(k.mem))
	if n > k.limit || off > k.limit-n {
		return 0
	}
	k.mem = append(k.mem, make([]byte, n)...)
	k.blocks[off] = block{length: n, capacity: n}
	return off
}

// free releases the block at off; anything else is ignored, as the Extism
// kernel does.
func (k *kernel) freeBlock(off uint64) {
	b, ok := k.blocks[off]
	if !ok {
		return
	}
	delete(k.blocks, off)
	if off+b.capacity == uint64(len(k.mem)) {
		k.mem = k.mem[:off]
		return
	}
	if len(k.free) < maxFreeBlocks {
		k.free = append(k.free, span{off, b.capacity})
	}
}

// length is the length of the block at off, or 0 if no block starts there.
func (k *kernel) length(off uint64) uint64 { return k.blocks[off].length }

// bytes returns the n bytes at off in the arena without copying.
func (k *kernel) bytes(off, n uint64) ([]byte, error) {
	if off > uint64(len(k.mem)) || n > uint64(len(k.mem))-off {
		return nil, fmt.Errorf("%w: %d bytes at %d", errKernelRange, n, off)
	}
	return k.mem[off : off+n], nil
}

// readBlock returns a copy of the block at off; an offset where no block
// starts reads as empty, as the Extism kernel's length says 0 there.
func (k *kernel) readBlock(off uint64) []byte {
	b, ok := k.blocks[off]
	if !ok {
		return nil
	}
	return append([]byte(nil), k.mem[off:off+b.length]...)
}

// writeBlock copies b into a new block and returns its offset.
func (k *kernel) writeBlock(b []byte) (uint64, error) {
	if len(b) == 0 {
		return 0, nil
	}
	off := k.alloc(uint64(len(b)))
	if off == 0 {
		return 0, fmt.Errorf("kernel memory exhausted: %d bytes", len(b))
	}
	copy(k.mem[off:], b)
	return off, nil
}

func (k *kernel) loadU8(off uint64) uint32 {
	if off >= uint64(len(k.mem)) {
		panic(fmt.Errorf("load_u8: %w: %d", errKernelRange, off))
	}
	return uint32(k.mem[off])
}

func (k *kernel) loadU64(off uint64) uint64 {
	if off > uint64(len(k.mem))-8 {
		panic(fmt.Errorf("load_u64: %w: %d", errKernelRange, off))
	}
	return binary.LittleEndian.Uint64(k.mem[off:])
}

func (k *kernel) storeU8(off uint64, v uint32) {
	if off >= uint64(len(k.mem)) {
		panic(fmt.Errorf("store_u8: %w: %d", errKernelRange, off))
	}
	k.mem[off] = byte(v)
}

func (k *kernel) storeU64(off, v uint64) {
	if off > uint64(len(k.mem))-8 {
		panic(fmt.Errorf("store_u64: %w: %d", errKernelRange, off))
	}
	binary.LittleEndian.PutUint64(k.mem[off:], v)
}

func (k *kernel) inputLoadU8(off uint64) uint32 {
	if off >= uint64(len(k.input)) {
		panic(fmt.Errorf("input_load_u8: %w: %d", errKernelRange, off))
	}
	return uint32(k.input[off])
}

func (k *kernel) inputLoadU64(off uint64) uint64 {
	if len(k.input) < 8 || off > uint64(len(k.input))-8 {
		panic(fmt.Errorf("input_load_u64: %w: %d", errKernelRange, off))
	}
	return binary.LittleEndian.Uint64(k.input[off:])
}

// inputOffset copies the input into the arena the first time a guest asks
// where it is (older PDKs read it with load_u64 from there).
func (k *kernel) inputOffset() uint64 {
	if k.inputOff == 0 && len(k.input) > 0 {
		off, err := k.writeBlock(k.input)
		if err != nil {
			panic(fmt.Errorf("input_offset: %w", err))
		}
		k.inputOff = off
	}
	return k.inputOff
}

// output returns the range the guest set with output_set, checked against
// the arena, without copying.
func (k *kernel) output() ([]byte, error) {
	if k.outOff == 0 && k.outLen == 0 {
		return nil, nil
	}
	b, err := k.bytes(k.outOff, k.outLen)
	if err != nil {
		return nil, fmt.Errorf("output_set: %w", err)
	}
	return b, nil
}

// errorMessage returns the block the guest set with error_set, or "" when
// it set none (or pointed at no block, which the Extism kernel reads as none).
func (k *kernel) errorMessage() string {
	b, ok := k.blocks[k.errOff]
	if k.errOff == 0 || !ok {
		return ""
	}
	return string(k.mem[k.errOff : k.errOff+b.length])
}
