//go:build wasip1

package pdk

import "fmt"

// Log sends msg to the host's log at level. Messages below the host's level
// cost one host call and are never copied. Never log a secret: a plugin has
// none, but it may hold user data the operator should not see.
func Log(level LogLevel, msg string) {
	if int32(level) < extismGetLogLevel() {
		return
	}
	// The log functions free the block themselves.
	offset := allocBytes([]byte(msg)).offset
	switch level {
	case LogTrace:
		extismLogTrace(offset)
	case LogDebug:
		extismLogDebug(offset)
	case LogInfo:
		extismLogInfo(offset)
	case LogWarn:
		extismLogWarn(offset)
	default:
		extismLogError(offset)
	}
}

// Logf is Log with fmt.Sprintf formatting, done only if the level is enabled.
func Logf(level LogLevel, format string, args ...any) {
	if int32(level) < extismGetLogLevel() {
		return
	}
	Log(level, fmt.Sprintf(format, args...))
}
