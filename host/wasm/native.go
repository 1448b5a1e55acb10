package wasm

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	extism "github.com/extism/go-sdk"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"
)

// nativeCompiled is a module compiled for SAA's own kernel: one wazero
// runtime per module (the memory limit is a runtime setting) holding WASI,
// the kernel (extism:host/env) and SAA's host functions.
type nativeCompiled struct {
	name     string
	limits   Limits
	config   map[string]string
	logLevel extism.LogLevel
	noBulk   bool
	rt       wazero.Runtime
	mod      wazero.CompiledModule
	count    atomic.Uint64 // names instances: a wazero runtime needs unique names
}

func compileNative(ctx context.Context, wasm []byte, opts Options) (*nativeCompiled, error) {
	// Close-on-context-done is what stops a spinning guest: wazero has no
	// other way in. It costs one goroutine per guest call, and the kernel
	// below is Go, so kernel calls do not pay it.
	rc := wazero.NewRuntimeConfig().
		WithCloseOnContextDone(true).
		WithMemoryLimitPages(uint32(opts.Limits.MemoryBytes / pageSize))
	if opts.Cache != nil {
		rc = rc.WithCompilationCache(opts.Cache)
	}
	rt := wazero.NewRuntimeWithConfig(ctx, rc)
	level := opts.LogLevel
	if level == 0 {
		level = extism.LogLevelOff
	}
	c := &nativeCompiled{name: opts.Name, limits: opts.Limits, config: opts.Config, logLevel: level, noBulk: opts.standardABI, rt: rt}
	if err := c.setUp(ctx, wasm); err != nil {
		rt.Close(ctx)
		return nil, fmt.Errorf("compile plugin %s: %w", opts.Name, err)
	}
	return c, nil
}

func (c *nativeCompiled) setUp(ctx context.Context, wasm []byte) error {
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, c.rt); err != nil {
		return err
	}
	if err := instantiateEnv(ctx, c.rt); err != nil {
		return err
	}
	if err := instantiateUser(ctx, c.rt); err != nil {
		return err
	}
	var err error
	c.mod, err = c.rt.CompileModule(ctx, wasm)
	return err
}

// instantiateUser defines SAA's host functions (hostFuncs) for the kernel.
func instantiateUser(ctx context.Context, rt wazero.Runtime) error {
	b := rt.NewHostModuleBuilder(userModule)
	for _, f := range hostFuncs() {
		call := f.call
		b.NewFunctionBuilder().WithGoFunction(api.GoFunc(func(ctx context.Context, stack []uint64) {
			call(ctx, kernelBlocks{running(ctx).kernel}, stack)
		}), f.params, f.results).Export(f.name)
	}
	_, err := b.Instantiate(ctx)
	return err
}

// kernelBlocks gives host functions the kernel's blocks.
type kernelBlocks struct{ k *kernel }

func (b kernelBlocks) read(off uint64) ([]byte, error) { return b.k.readBlock(off), nil }
func (b kernelBlocks) write(p []byte) (uint64, error)  { return b.k.writeBlock(p) }

func (c *nativeCompiled) close(ctx context.Context) error { return c.rt.Close(ctx) }

// instantiate makes a sandboxed instance: WASI with a real clock and
// crypto/rand and nothing else (no files, environment, arguments or
// sockets), then runs the guest's start-up and finds its bulk I/O mailbox.
func (c *nativeCompiled) instantiate(ctx context.Context) (instance, error) {
	mc := wazero.NewModuleConfig().
		WithName(fmt.Sprintf("main_%d", c.count.Add(1))).
		WithStartFunctions(). // start-up runs below, under the timeout
		WithSysWalltime().
		WithSysNanotime().
		WithSysNanosleep().
		WithRandSource(rand.Reader)
	m, err := c.rt.InstantiateModule(ctx, c.mod, mc)
	if err != nil {
		return nil, fmt.Errorf("instantiate plugin %s: %w", c.name, err)
	}
	i := &nativeInstance{
		mod:      m,
		kernel:   newKernel(uint64(c.limits.MemoryBytes)),
		config:   copyMap(c.config),
		vars:     map[string][]byte{},
		exports:  map[string]api.Function{},
		logLevel: c.logLevel,
		log:      func(extism.LogLevel, string) {},
	}
	if err := i.start(ctx, c.limits.Timeout, !c.noBulk); err != nil {
		m.Close(ctx)
		return nil, fmt.Errorf("initialize plugin %s: %w", c.name, err)
	}
	return i, nil
}

// nativeInstance is one guest instance with its kernel state. Handles to
// the guest's exports are cached: looking one up builds a call engine.
type nativeInstance struct {
	mod      api.Module
	kernel   *kernel
	config   map[string]string
	vars     map[string][]byte
	exports  map[string]api.Function
	logLevel extism.LogLevel
	log      Logger
	io       uint32 // address of the guest's bulk I/O mailbox; 0 if none
	stack    [1]uint64
}

func (i *nativeInstance) export(name string) api.Function {
	f, ok := i.exports[name]
	if !ok {
		f = i.mod.ExportedFunction(name)
		i.exports[name] = f
	}
	return f
}

func (i *nativeInstance) exists(name string) bool { return i.export(name) != nil }

func (i *nativeInstance) close(ctx context.Context) error { return i.mod.Close(ctx) }

// start runs the guest language's start-up once, as Extism hosts do: a
// Haskell hs_init, else a WASI reactor's _initialize, else a command's
// __wasm_call_ctors; then asks SAA's PDK, if present, for its mailbox.
func (i *nativeInstance) start(ctx context.Context, timeout time.Duration, bulk bool) error {
	ctx, cancel := context.WithTimeout(context.WithValue(ctx, callKey{}, i), timeout)
	defer cancel()
	i.kernel.reset(nil)
	init := i.noArgs("_initialize")
	if hs := i.export("hs_init"); hs != nil {
		if init != nil {
			init.Call(ctx) // as go-sdk: a failing _initialize is only logged
		}
		if _, err := hs.Call(ctx, 0, 0); err != nil {
			return err
		}
	} else {
		if init == nil {
			init = i.noArgs("__wasm_call_ctors")
		}
		if init != nil {
			if _, err := init.Call(ctx); err != nil {
				return err
			}
		}
	}
	if !bulk {
		return nil
	}
	return i.findMailbox(ctx)
}

// noArgs returns export name if it takes no parameters.
func (i *nativeInstance) noArgs(name string) api.Function {
	f := i.export(name)
	if f == nil || len(f.Definition().ParamTypes()) != 0 {
		return nil
	}
	return f
}

// call runs export with input. The kernel is reset, so blocks never outlive
// a call; variables and the guest's own memory do.
func (i *nativeInstance) call(ctx context.Context, export string, input []byte, log Logger, maxOutput int64) callResult {
	fn := i.export(export)
	if fn == nil {
		return callResult{rc: 1, trap: fmt.Errorf("unknown function: %s", export)}
	}
	def := fn.Definition()
	if len(def.ParamTypes()) != 0 || len(def.ResultTypes()) > 1 {
		return callResult{rc: 1, trap: fmt.Errorf("function %s must take no parameters and return at most one value", export)}
	}
	i.kernel.reset(input)
	defer i.kernel.shrink()
	i.log = log
	ctx = context.WithValue(ctx, callKey{}, i)
	if err := i.putInput(ctx, input); err != nil {
		return callResult{rc: 1, trap: err}
	}
	rc, err := i.run(ctx, fn, len(def.ResultTypes()))
	if err != nil {
		return callResult{rc: rc, trap: err}
	}
	if msg := i.kernel.errorMessage(); msg != "" {
		if rc != 1 {
			// go-sdk reports an error set by a guest that returned another
			// code as the call's failure, not the guest's: so do we.
			return callResult{rc: rc, trap: errors.New(msg)}
		}
		return callResult{rc: rc, guestErr: msg}
	}
	res := i.takeOutput(maxOutput)
	res.rc = rc
	return res
}

// run calls fn and turns a WASI exit into a return code, as go-sdk does.
func (i *nativeInstance) run(ctx context.Context, fn api.Function, results int) (uint32, error) {
	i.stack[0] = 0
	err := fn.CallWithStack(ctx, i.stack[:])
	var exit *sys.ExitError
	switch {
	case errors.As(err, &exit) && exit.ExitCode() == 0:
		return 0, nil
	case errors.As(err, &exit):
		return exit.ExitCode(), err
	case err != nil:
		return 1, err
	case results == 0:
		return 0, nil
	}
	return uint32(i.stack[0]), nil
}

// closed reports whether the guest exited (WASI proc_exit) and cannot run again.
func (i *nativeInstance) closed() bool { return i.mod.IsClosed() }

// takeOutput copies the output out of the mailbox or the kernel, checking
// its length against maxOutput before copying anything.
func (i *nativeInstance) takeOutput(maxOutput int64) callResult {
	b, n, used, err := i.mailboxOutput(maxOutput)
	if err != nil {
		return callResult{rc: 1, trap: err}
	}
	if !used {
		if b, err = i.kernel.output(); err != nil {
			return callResult{rc: 1, trap: err}
		}
		n = int64(len(b))
	}
	if maxOutput > 0 && n > maxOutput {
		return callResult{outLen: n}
	}
	return callResult{out: append([]byte{}, b...), outLen: n}
}
