//go:build wasip1

package pdk

// Run is the body of an action export: it decodes the call's JSON input into
// In (empty input leaves In zero), calls fn, and sets fn's result as the JSON
// output, or its error as the call's error. It returns what the export must
// return: 0 on success, 1 on error.
//
//	//go:wasmexport echo
//	func echo() int32 { return pdk.Run(func(in Msg) (Msg, error) { return in, nil }) }
func Run[In, Out any](fn func(In) (Out, error)) int32 {
	out, err := handle(input(), fn)
	if err != nil {
		SetError(err)
		return 1
	}
	setOutput(out) // a fresh buffer nobody else holds
	return 0
}
