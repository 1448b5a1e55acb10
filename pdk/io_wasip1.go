//go:build wasip1

package pdk

// Input returns a copy of the current call's input.
func Input() []byte {
	if b, ok := bulkInput(); ok {
		return append(make([]byte, 0, len(b)), b...)
	}
	buf := make([]byte, extismInputLength())
	copyIn(buf, 0, extismInputLoadU64, extismInputLoadU8)
	return buf
}

// input is Input without the copy when the host put the input in the bulk
// buffer: valid only until the action returns, for decoders that copy what
// they keep (encoding/json does).
func input() []byte {
	if b, ok := bulkInput(); ok {
		return b
	}
	return Input()
}

// InputJSON decodes the current call's input into v. An empty input decodes
// as JSON null, leaving v unchanged.
func InputJSON(v any) error {
	return decodeJSON(input(), v)
}

// Output sets the current call's output to a copy of b: a later Output
// replaces it.
func Output(b []byte) {
	if box.host == 1 {
		b = append(make([]byte, 0, len(b)), b...)
	}
	setOutput(b)
}

// setOutput is Output without the copy: b must not change afterwards.
func setOutput(b []byte) {
	if bulkOutput(b) {
		return
	}
	m := allocBytes(b)
	extismOutputSet(m.offset, m.length)
}

// OutputJSON encodes v as JSON (without HTML escaping) and sets it as the
// output.
func OutputJSON(v any) error {
	b, err := encodeJSON(v)
	if err != nil {
		return err
	}
	setOutput(b) // a fresh buffer nobody else holds
	return nil
}

// SetError reports err as the call's error; the action should then return 1.
// A nil err is ignored.
func SetError(err error) {
	if err != nil {
		SetErrorString(err.Error())
	}
}

// SetErrorString reports msg as the call's error; the action should then
// return 1.
func SetErrorString(msg string) {
	extismErrorSet(allocBytes([]byte(msg)).offset)
}

// GetConfig returns the host's configuration value for key, and whether it
// is set. Configuration is operator-provided, not secret, and the same for
// every call of an instance. Extism hosts hand an empty value over as not set.
func GetConfig(key string) (string, bool) {
	k := allocBytes([]byte(key))
	defer k.free()
	offset := extismConfigGet(k.offset)
	if offset == 0 {
		return "", false
	}
	value := readBlock(offset)
	block{offset: offset}.free()
	return string(value), true
}

// GetVar returns the instance variable key, and whether it is set. Variables
// live as long as the plugin instance and are not shared between instances.
func GetVar(key string) ([]byte, bool) {
	// var_get frees the key block itself.
	offset := extismVarGet(allocBytes([]byte(key)).offset)
	if offset == 0 {
		return nil, false
	}
	value := readBlock(offset)
	block{offset: offset}.free()
	return value, true
}

// SetVar sets the instance variable key to value; a nil value deletes it. The
// host bounds the total size of variables and fails the call past it (or when
// it disables variables).
func SetVar(key string, value []byte) {
	k := allocBytes([]byte(key))
	// var_set frees both blocks itself.
	if value == nil {
		extismVarSet(k.offset, 0)
		return
	}
	extismVarSet(k.offset, allocBytes(value).offset)
}
