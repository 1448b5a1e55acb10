package pdk

// LogLevel is the severity of a log message, numbered as the Extism ABI's
// get_log_level numbers them.
type LogLevel int32

// The log levels, from the most verbose.
const (
	LogTrace LogLevel = 0
	LogDebug LogLevel = 1
	LogInfo  LogLevel = 2
	LogWarn  LogLevel = 3
	LogError LogLevel = 4
)
