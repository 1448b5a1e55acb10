//go:build wasip1

package pdk

// The Extism kernel ABI (module "extism:host/env"). Offsets and lengths address
// blocks in the host's kernel memory, not the plugin's own linear memory.

//go:wasmimport extism:host/env alloc
func extismAlloc(length uint64) uint64

//go:wasmimport extism:host/env free
func extismFree(offset uint64)

//go:wasmimport extism:host/env length
func extismLength(offset uint64) uint64

//go:wasmimport extism:host/env load_u8
func extismLoadU8(offset uint64) uint32

//go:wasmimport extism:host/env load_u64
func extismLoadU64(offset uint64) uint64

//go:wasmimport extism:host/env store_u8
func extismStoreU8(offset uint64, v uint32)

//go:wasmimport extism:host/env store_u64
func extismStoreU64(offset uint64, v uint64)

//go:wasmimport extism:host/env input_length
func extismInputLength() uint64

//go:wasmimport extism:host/env input_load_u8
func extismInputLoadU8(offset uint64) uint32

//go:wasmimport extism:host/env input_load_u64
func extismInputLoadU64(offset uint64) uint64

//go:wasmimport extism:host/env output_set
func extismOutputSet(offset, length uint64)

//go:wasmimport extism:host/env error_set
func extismErrorSet(offset uint64)

//go:wasmimport extism:host/env config_get
func extismConfigGet(keyOffset uint64) uint64

//go:wasmimport extism:host/env var_get
func extismVarGet(keyOffset uint64) uint64

//go:wasmimport extism:host/env var_set
func extismVarSet(keyOffset, valueOffset uint64)

//go:wasmimport extism:host/env log_trace
func extismLogTrace(offset uint64)

//go:wasmimport extism:host/env log_debug
func extismLogDebug(offset uint64)

//go:wasmimport extism:host/env log_info
func extismLogInfo(offset uint64)

//go:wasmimport extism:host/env log_warn
func extismLogWarn(offset uint64)

//go:wasmimport extism:host/env log_error
func extismLogError(offset uint64)

//go:wasmimport extism:host/env get_log_level
func extismGetLogLevel() int32

// SAA's own host function (module "extism:host/user", see pdk/wire). It is
// imported only by plugins that call HTTP: the linker drops unused imports, so a
// plugin that never calls HTTP still runs in a plain Extism host.

//go:wasmimport extism:host/user saa_http_request
func saaHTTPRequest(requestOffset uint64) uint64

//go:wasmimport extism:host/user saa_client
func saaClient(requestOffset uint64) uint64
