package wasm

import (
	"context"
	"fmt"
	"unsafe"

	extism "github.com/extism/go-sdk"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// envModule is the import module of the Extism kernel ABI.
const envModule = "extism:host/env"

// maxVarBytes bounds an instance's variables (var_set), as go-sdk's default.
const maxVarBytes = 1 << 20

// varOverhead is what go-sdk counts per variable besides its name and
// value (a slice and a string header), kept so both engines refuse alike.
const varOverhead = int(unsafe.Sizeof([]byte{}) + unsafe.Sizeof(""))

// callKey carries the running instance to the host functions, which wazero
// defines once per runtime.
type callKey struct{}

// running returns the instance whose call made ctx. Every kernel function
// starts here: wazero gives host functions the caller's context.
func running(ctx context.Context) *nativeInstance {
	i, ok := ctx.Value(callKey{}).(*nativeInstance)
	if !ok {
		panic("extism kernel called outside a call")
	}
	return i
}

var (
	i32 = api.ValueTypeI32
	i64 = api.ValueTypeI64
)

// instantiateEnv defines the Extism kernel ABI in rt: memory blocks, input,
// output, errors, config, vars and logs over each instance's Go-side kernel.
// Extism's http_request is refused: outbound HTTP is saa_http_request's.
func instantiateEnv(ctx context.Context, rt wazero.Runtime) error {
	b := rt.NewHostModuleBuilder(envModule)
	def := func(name string, params, results []api.ValueType, fn func(i *nativeInstance, stack []uint64)) {
		b.NewFunctionBuilder().WithGoFunction(api.GoFunc(func(ctx context.Context, stack []uint64) {
			fn(running(ctx), stack)
		}), params, results).Export(name)
	}
	k := func(i *nativeInstance) *kernel { return i.kernel }

	def("alloc", []api.ValueType{i64}, []api.ValueType{i64}, func(i *nativeInstance, s []uint64) { s[0] = k(i).alloc(s[0]) })
	def("free", []api.ValueType{i64}, nil, func(i *nativeInstance, s []uint64) { k(i).freeBlock(s[0]) })
	def("length", []api.ValueType{i64}, []api.ValueType{i64}, func(i *nativeInstance, s []uint64) { s[0] = k(i).length(s[0]) })
	def("length_unsafe", []api.ValueType{i64}, []api.ValueType{i64}, func(i *nativeInstance, s []uint64) { s[0] = k(i).length(s[0]) })
	def("load_u8", []api.ValueType{i64}, []api.ValueType{i32}, func(i *nativeInstance, s []uint64) { s[0] = uint64(k(i).loadU8(s[0])) })
	def("load_u64", []api.ValueType{i64}, []api.ValueType{i64}, func(i *nativeInstance, s []uint64) { s[0] = k(i).loadU64(s[0]) })
	def("store_u8", []api.ValueType{i64, i32}, nil, func(i *nativeInstance, s []uint64) { k(i).storeU8(s[0], uint32(s[1])) })
	def("store_u64", []api.ValueType{i64, i64}, nil, func(i *nativeInstance, s []uint64) { k(i).storeU64(s[0], s[1]) })
	def("input_length", nil, []api.ValueType{i64}, func(i *nativeInstance, s []uint64) { s[0] = uint64(len(k(i).input)) })
	def("input_load_u8", []api.ValueType{i64}, []api.ValueType{i32}, func(i *nativeInstance, s []uint64) { s[0] = uint64(k(i).inputLoadU8(s[0])) })
	def("input_load_u64", []api.ValueType{i64}, []api.ValueType{i64}, func(i *nativeInstance, s []uint64) { s[0] = k(i).inputLoadU64(s[0]) })
	def("input_offset", nil, []api.ValueType{i64}, func(i *nativeInstance, s []uint64) { s[0] = k(i).inputOffset() })
	def("output_set", []api.ValueType{i64, i64}, nil, func(i *nativeInstance, s []uint64) { k(i).outOff, k(i).outLen = s[0], s[1] })
	def("output_offset", nil, []api.ValueType{i64}, func(i *nativeInstance, s []uint64) { s[0] = k(i).outOff })
	def("output_length", nil, []api.ValueType{i64}, func(i *nativeInstance, s []uint64) { s[0] = k(i).outLen })
	def("error_set", []api.ValueType{i64}, nil, func(i *nativeInstance, s []uint64) { k(i).errOff = s[0] })
	def("error_get", nil, []api.ValueType{i64}, func(i *nativeInstance, s []uint64) { s[0] = k(i).errOff })
	def("memory_bytes", nil, []api.ValueType{i64}, func(i *nativeInstance, s []uint64) { s[0] = uint64(len(k(i).mem)) })
	def("config_get", []api.ValueType{i64}, []api.ValueType{i64}, configGet)
	def("var_get", []api.ValueType{i64}, []api.ValueType{i64}, varGet)
	def("var_set", []api.ValueType{i64, i64}, nil, varSet)
	def("get_log_level", nil, []api.ValueType{i32}, func(i *nativeInstance, s []uint64) { s[0] = uint64(uint32(i.logLevel.ExtismCompat())) })
	for name, level := range map[string]extism.LogLevel{
		"log_trace": extism.LogLevelTrace, "log_debug": extism.LogLevelDebug, "log_info": extism.LogLevelInfo,
		"log_warn": extism.LogLevelWarn, "log_error": extism.LogLevelError,
	} {
		def(name, []api.ValueType{i64}, nil, func(i *nativeInstance, s []uint64) { logBlock(i, level, s[0]) })
	}
	def("http_request", []api.ValueType{i64, i64}, []api.ValueType{i64}, func(*nativeInstance, []uint64) {
		panic("extism http_request is refused: outbound HTTP goes through saa_http_request")
	})
	def("http_status_code", nil, []api.ValueType{i32}, func(_ *nativeInstance, s []uint64) { s[0] = 0 })
	def("http_headers", nil, []api.ValueType{i64}, func(_ *nativeInstance, s []uint64) { s[0] = 0 })
	_, err := b.Instantiate(ctx)
	return err
}

func configGet(i *nativeInstance, s []uint64) {
	key := mustRead(i.kernel, s[0], "config_get")
	v, ok := i.config[string(key)]
	s[0] = 0
	if ok {
		s[0] = mustWrite(i.kernel, []byte(v), "config_get")
	}
}

func varGet(i *nativeInstance, s []uint64) {
	key := mustRead(i.kernel, s[0], "var_get")
	i.kernel.freeBlock(s[0])
	v, ok := i.vars[string(key)]
	s[0] = 0
	if ok {
		s[0] = mustWrite(i.kernel, v, "var_get")
	}
}

// varSet stores or (for a value offset of 0) deletes a variable, refusing
// past maxVarBytes as go-sdk does.
func varSet(i *nativeInstance, s []uint64) {
	key := string(mustRead(i.kernel, s[0], "var_set"))
	i.kernel.freeBlock(s[0])
	if s[1] == 0 {
		delete(i.vars, key)
		return
	}
	value := mustRead(i.kernel, s[1], "var_set")
	i.kernel.freeBlock(s[1])
	size := varOverhead + len(key) + len(value)
	for k, v := range i.vars {
		size += varOverhead + len(k) + len(v)
	}
	if size >= maxVarBytes {
		panic("var_set: variable store is full")
	}
	i.vars[key] = value
}

func logBlock(i *nativeInstance, level extism.LogLevel, off uint64) {
	defer i.kernel.freeBlock(off)
	if level < i.logLevel {
		return
	}
	msg := mustRead(i.kernel, off, "log")
	i.log(level, string(msg))
}

// mustWrite panics, which traps the guest's call: a kernel function cannot
// return an error to the guest. mustRead never fails (see readBlock).
func mustRead(k *kernel, off uint64, _ string) []byte { return k.readBlock(off) }

func mustWrite(k *kernel, b []byte, fn string) uint64 {
	off, err := k.writeBlock(b)
	if err != nil {
		panic(fmt.Errorf("%s: %w", fn, err))
	}
	return off
}
