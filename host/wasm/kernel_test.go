package wasm

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

func TestKernelBlocks(t *testing.T) {
	k := newKernel(1 << 20)
	k.reset(nil)
	if off := k.alloc(0); off != 0 {
		t.Fatalf("alloc(0) = %d, want 0 (no block)", off)
	}
	a := k.alloc(10)
	b := k.alloc(3)
	if a == 0 || b == 0 || a == b {
		t.Fatalf("alloc gave %d and %d", a, b)
	}
	if k.length(a) != 10 || k.length(b) != 3 || k.length(a+1) != 0 || k.length(0) != 0 {
		t.Fatalf("lengths %d %d %d", k.length(a), k.length(b), k.length(a+1))
	}
	k.storeU64(a, 0x0807060504030201)
	k.storeU8(a+8, 9)
	if got := k.readBlock(a); !bytes.Equal(got, []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 0}) {
		t.Fatalf("block = %v", got)
	}
	if k.loadU64(a) != 0x0807060504030201 || k.loadU8(a+8) != 9 {
		t.Fatal("loads disagree with stores")
	}
	k.freeBlock(a)
	if k.length(a) != 0 {
		t.Fatal("a freed block still has a length")
	}
	if c := k.alloc(8); c != a {
		t.Fatalf("alloc after free = %d, want the freed block %d reused", c, a)
	}
	if got := k.readBlock(a); !bytes.Equal(got, make([]byte, 8)) {
		t.Fatalf("a reused block is not zeroed: %v", got)
	}
	k.reset([]byte("in"))
	if k.length(b) != 0 || len(k.mem) != kernelBase {
		t.Fatal("reset kept blocks of the previous call")
	}
}

func TestKernelRefusesOutOfRange(t *testing.T) {
	k := newKernel(1 << 10)
	k.reset([]byte("0123456789"))
	off := k.alloc(8)
	end := uint64(len(k.mem))
	tests := []struct {
		name string
		fn   func()
	}{
		{"load_u64 past the arena", func() { k.loadU64(end - 7) }},
		{"load_u64 at 2^64-1", func() { k.loadU64(^uint64(0)) }},
		{"load_u8 past the arena", func() { k.loadU8(end) }},
		{"store_u64 past the arena", func() { k.storeU64(end-4, 1) }},
		{"store_u64 at 2^64-8", func() { k.storeU64(^uint64(0)-7, 1) }},
		{"store_u8 past the arena", func() { k.storeU8(end, 1) }},
		{"input_load_u64 past the input", func() { k.inputLoadU64(3) }},
		{"input_load_u64 at 2^64-1", func() { k.inputLoadU64(^uint64(0)) }},
		{"input_load_u8 past the input", func() { k.inputLoadU8(10) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				err, _ := recover().(error)
				if !errors.Is(err, errKernelRange) {
					t.Fatalf("panic = %v, want errKernelRange", err)
				}
			}()
			tt.fn()
		})
	}
	if k.alloc(2<<10) != 0 {
		t.Fatal("alloc past the limit succeeded")
	}
	if k.alloc(^uint64(0)) != 0 {
		t.Fatal("alloc of 2^64-1 succeeded")
	}
	k.outOff, k.outLen = off, ^uint64(0)
	if _, err := k.output(); !errors.Is(err, errKernelRange) {
		t.Fatalf("output with a lying length: %v", err)
	}
	k.outOff, k.outLen = ^uint64(0), 8
	if _, err := k.output(); !errors.Is(err, errKernelRange) {
		t.Fatalf("output at 2^64-1: %v", err)
	}
}

// FuzzKernel drives the kernel with arbitrary operations, as a hostile
// guest would: it may panic only with errKernelRange, never index out of
// range, and never grow past its limit.
func FuzzKernel(f *testing.F) {
	f.Add([]byte{0, 16, 0, 0, 0, 0, 0, 0, 0, 3, 8, 0, 0, 0, 0, 0, 0, 0})
	f.Add(bytes.Repeat([]byte{0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1}, 4))
	f.Fuzz(func(t *testing.T, ops []byte) {
		const limit = 1 << 16
		k := newKernel(limit)
		k.reset([]byte("input bytes"))
		var live []uint64
		for len(ops) >= 9 {
			op, arg := ops[0]%9, binary.LittleEndian.Uint64(ops[1:9])
			ops = ops[9:]
			if len(live) > 0 && arg%2 == 0 {
				arg = live[int(arg/2)%len(live)] + arg%16 // near real blocks
			}
			kernelOp(t, k, op, arg, &live)
			if uint64(len(k.mem)) > limit {
				t.Fatalf("arena grew to %d past its limit", len(k.mem))
			}
		}
	})
}

func kernelOp(t *testing.T, k *kernel, op byte, arg uint64, live *[]uint64) {
	defer func() {
		if r := recover(); r != nil {
			if err, _ := r.(error); !errors.Is(err, errKernelRange) {
				t.Fatalf("op %d(%d) panicked with %v", op, arg, r)
			}
		}
	}()
	switch op {
	case 0:
		if off := k.alloc(arg % (1 << 12)); off != 0 {
			*live = append(*live, off)
		}
	case 1:
		k.freeBlock(arg)
	case 2:
		k.loadU64(arg)
	case 3:
		k.storeU64(arg, arg)
	case 4:
		k.loadU8(arg)
	case 5:
		k.storeU8(arg, uint32(arg))
	case 6:
		k.inputLoadU64(arg)
	case 7:
		k.readBlock(arg)
	case 8:
		k.outOff, k.outLen = arg, arg>>3
		k.output()
	}
}

func TestGuestRangeAndOverlap(t *testing.T) {
	tests := []struct {
		a, an, b, bn uint32
		want         bool
	}{
		{0, 4, 4, 4, false},
		{0, 5, 4, 4, true},
		{8, 4, 4, 4, false},
		{7, 4, 4, 4, true},
		{0xFFFFFFFF, 0xFFFFFFFF, 0, 28, false},
		{0xFFFFFFF0, 0xFFFFFFFF, 0xFFFFFFF8, 28, true},
		{4, 0, 4, 4, false},
	}
	for _, tt := range tests {
		if got := overlaps(tt.a, tt.an, tt.b, tt.bn); got != tt.want {
			t.Errorf("overlaps(%#x,%d,%#x,%d) = %v", tt.a, tt.an, tt.b, tt.bn, got)
		}
	}
}
