package wasm

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/tetratelabs/wazero/api"
)

// Bulk I/O. The Extism ABI moves input and output through host calls of 8
// bytes each; SAA's PDK offers a faster path that needs no import a plain
// Extism host lacks, so its plugins still run anywhere. It exports
//
//	saa_io(need i32) -> i32
//
// which makes the guest's input buffer hold at least need bytes and returns
// the address of its mailbox, little-endian u32 fields in guest memory:
//
//	0 in_ptr, 4 in_cap   the input buffer (guest)
//	8 in_len, 12 host    the input's length, and 1 = "SAA filled it" (host)
//	16 out_ptr, 20 out_len, 24 out_set   the output, if out_set is 1 (guest)
//
// Before a call the host copies the input into the buffer in one copy and
// sets host to 1; the PDK then reads the input from there and leaves its
// output's address in the mailbox instead of calling output_set. Hosts that
// never call saa_io leave host at 0, and the PDK uses the standard ABI.
//
// Every field comes from the untrusted guest. Addresses are checked in 64
// bits against the memory's current size, the input buffer and the output
// must not overlap the mailbox, the output's length is checked against the
// limit before anything is copied, and the output is copied out as soon as
// the call returns, before the guest runs again. A violation traps that call.
const (
	ioExport = "saa_io"
	ioInPtr  = 0
	ioInCap  = 4
	ioInLen  = 8
	ioHost   = 12
	ioOutPtr = 16
	ioOutLen = 20
	ioOutSet = 24
	ioSize   = 28
)

// initialInputBuffer is the input buffer a fresh instance is asked for, so
// that a typical first call needs no extra guest call to grow it.
const initialInputBuffer = 16 << 10

// errBulk is wrapped by every refusal of a guest's mailbox.
var errBulk = errors.New("bulk i/o refused")

// findMailbox asks the guest for its mailbox, if it exports saa_io.
func (i *nativeInstance) findMailbox(ctx context.Context) error {
	f := i.export(ioExport)
	if f == nil {
		return nil
	}
	d := f.Definition()
	if len(d.ParamTypes()) != 1 || d.ParamTypes()[0] != api.ValueTypeI32 ||
		len(d.ResultTypes()) != 1 || d.ResultTypes()[0] != api.ValueTypeI32 {
		return nil // not SAA's: leave it alone
	}
	res, err := f.Call(ctx, initialInputBuffer)
	if err != nil {
		return fmt.Errorf("saa_io: %w", err)
	}
	i.io = uint32(res[0])
	return nil
}

// mailbox returns a view of the mailbox in guest memory.
func (i *nativeInstance) mailbox(mem api.Memory) ([]byte, error) {
	b, err := guestRange(mem, i.io, ioSize)
	if err != nil {
		return nil, fmt.Errorf("%w: mailbox: %v", errBulk, err)
	}
	return b, nil
}

// putInput copies input into the guest's buffer, growing it first through
// saa_io if it is too small, and fills in the mailbox for the call.
func (i *nativeInstance) putInput(ctx context.Context, input []byte) error {
	if i.io == 0 {
		return nil
	}
	if uint64(len(input)) > 1<<31 {
		return fmt.Errorf("%w: input of %d bytes", errBulk, len(input))
	}
	mem := i.mod.Memory()
	box, err := i.mailbox(mem)
	if err != nil {
		return err
	}
	n := uint32(len(input))
	if n > le32(box, ioInCap) {
		res, err := i.export(ioExport).Call(ctx, uint64(n))
		if err != nil {
			return fmt.Errorf("saa_io: %w", err)
		}
		i.io = uint32(res[0])
		if box, err = i.mailbox(mem); err != nil {
			return err
		}
		if n > le32(box, ioInCap) {
			return fmt.Errorf("%w: input buffer of %d bytes for %d", errBulk, le32(box, ioInCap), n)
		}
	}
	ptr := le32(box, ioInPtr)
	dst, err := guestRange(mem, ptr, n)
	if err != nil {
		return fmt.Errorf("%w: input buffer: %v", errBulk, err)
	}
	if overlaps(ptr, n, i.io, ioSize) {
		return fmt.Errorf("%w: input buffer overlaps the mailbox", errBulk)
	}
	copy(dst, input)
	put := binary.LittleEndian.PutUint32
	put(box[ioInLen:], n)
	put(box[ioHost:], 1)
	put(box[ioOutPtr:], 0)
	put(box[ioOutLen:], 0)
	put(box[ioOutSet:], 0)
	return nil
}

// mailboxOutput returns a view of the output the guest left in its mailbox,
// and its length; used is false if it set none (it used output_set). An
// output longer than maxOutput comes back as its length only, uncopied.
func (i *nativeInstance) mailboxOutput(maxOutput int64) (b []byte, n int64, used bool, err error) {
	if i.io == 0 {
		return nil, 0, false, nil
	}
	mem := i.mod.Memory() // the guest may have grown it: look again
	box, err := i.mailbox(mem)
	if err != nil {
		return nil, 0, false, err
	}
	if le32(box, ioOutSet) != 1 {
		return nil, 0, false, nil
	}
	ptr, length := le32(box, ioOutPtr), le32(box, ioOutLen)
	if maxOutput > 0 && int64(length) > maxOutput {
		return nil, int64(length), true, nil
	}
	if b, err = guestRange(mem, ptr, length); err != nil {
		return nil, 0, false, fmt.Errorf("%w: output: %v", errBulk, err)
	}
	if overlaps(ptr, length, i.io, ioSize) {
		return nil, 0, false, fmt.Errorf("%w: output overlaps the mailbox", errBulk)
	}
	return b, int64(length), true, nil
}

// guestRange returns a view of n bytes at ptr in guest memory, computing
// the end in 64 bits so that 0xFFFFFFFF-style values cannot wrap around.
func guestRange(mem api.Memory, ptr, n uint32) ([]byte, error) {
	if uint64(ptr)+uint64(n) > uint64(mem.Size()) {
		return nil, fmt.Errorf("%d bytes at %#x past the end of memory (%d bytes)", n, ptr, mem.Size())
	}
	b, ok := mem.Read(ptr, n)
	if !ok {
		return nil, fmt.Errorf("%d bytes at %#x unreadable", n, ptr)
	}
	return b, nil
}

// overlaps reports whether [a, a+an) and [b, b+bn) share a byte.
func overlaps(a, an, b, bn uint32) bool {
	return an > 0 && bn > 0 && uint64(a) < uint64(b)+uint64(bn) && uint64(b) < uint64(a)+uint64(an)
}

func le32(b []byte, off int) uint32 { return binary.LittleEndian.Uint32(b[off:]) }
