package pdk

import (
	"errors"
	"fmt"
)

// ErrPanic is wrapped by the error of an action whose function panicked. Run
// recovers the panic so that one bad input does not kill the instance; fatal
// runtime errors (out of memory, deadlock) still end the call with a trap.
var ErrPanic = errors.New("action panicked")

// handle is Run without the ABI: decode input into In, call fn, encode Out.
func handle[In, Out any](input []byte, fn func(In) (Out, error)) (output []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			output, err = nil, fmt.Errorf("%w: %v", ErrPanic, r)
		}
	}()
	var in In
	if err := decodeJSON(input, &in); err != nil {
		return nil, err
	}
	out, err := fn(in)
	if err != nil {
		return nil, err
	}
	return encodeJSON(out)
}
