package manifests

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Size units of the limits, binary as in the manifest ("64MiB").
const (
	KiB int64 = 1 << 10
	MiB int64 = 1 << 20
	GiB int64 = 1 << 30
)

// Bounds of the limits a manifest may ask for. Zero (or absent) means the
// operator's default and is always accepted.
const (
	MinMemory    = 1 * MiB
	MaxMemory    = 4 * GiB
	MinTimeout   = time.Millisecond
	MaxTimeout   = 10 * time.Minute
	MinMaxOutput = 1 * KiB
	MaxMaxOutput = 64 * MiB
)

// rawLimits is the limits object as written: sizes are integers or strings.
type rawLimits struct {
	Memory    json.RawMessage `json:"memory"`
	Timeout   string          `json:"timeout"`
	MaxOutput json.RawMessage `json:"max_output"`
}

// parseLimits converts and range-checks the written limits.
func parseLimits(r rawLimits) (Limits, *FieldError) {
	var l Limits
	var err *FieldError
	if l.MemoryBytes, err = sizeInRange("limits.memory", r.Memory, MinMemory, MaxMemory); err != nil {
		return Limits{}, err
	}
	if l.Timeout, err = timeoutInRange(r.Timeout); err != nil {
		return Limits{}, err
	}
	if l.MaxOutput, err = sizeInRange("limits.max_output", r.MaxOutput, MinMaxOutput, MaxMaxOutput); err != nil {
		return Limits{}, err
	}
	return l, nil
}

// sizeInRange parses a size and checks it is zero or within [lo, hi].
func sizeInRange(field string, raw json.RawMessage, lo, hi int64) (int64, *FieldError) {
	n, reason := parseSizeJSON(raw)
	if reason != "" {
		return 0, fieldErr(field, reason)
	}
	if n != 0 && (n < lo || n > hi) {
		return 0, fieldErr(field, fmt.Sprintf("must be between %s and %s", formatSize(lo), formatSize(hi)))
	}
	return n, nil
}

// timeoutInRange parses a Go duration and checks it is zero or within the
// timeout bounds.
func timeoutInRange(s string) (time.Duration, *FieldError) {
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fieldErr("limits.timeout", "must be a duration such as 5s or 250ms")
	}
	if d != 0 && (d < MinTimeout || d > MaxTimeout) {
		return 0, fieldErr("limits.timeout", fmt.Sprintf("must be between %s and %s", MinTimeout, MaxTimeout))
	}
	return d, nil
}

// parseSizeJSON parses a size written as a JSON integer or string; absent is 0.
func parseSizeJSON(raw json.RawMessage) (int64, string) {
	if len(raw) == 0 || string(raw) == "null" {
		return 0, ""
	}
	var s string
	if raw[0] == '"' {
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, "must be a size such as 64MiB"
		}
	} else {
		s = string(raw)
	}
	return parseSize(s)
}

// parseSize parses a size in bytes: an integer, optionally followed by B,
// KiB, MiB or GiB. On failure it returns the reason, never a partial value.
func parseSize(s string) (int64, string) {
	const bad = "must be a size such as 64MiB, 512KiB or a number of bytes"
	digits, unit := s, int64(1)
	for _, u := range []struct {
		suffix string
		n      int64
	}{{"KiB", KiB}, {"MiB", MiB}, {"GiB", GiB}, {"B", 1}} {
		if d, ok := strings.CutSuffix(s, u.suffix); ok {
			digits, unit = d, u.n
			break
		}
	}
	if digits == "" || strings.TrimLeft(digits, "0123456789") != "" {
		return 0, bad
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n > math.MaxInt64/unit {
		return 0, "is too large"
	}
	return n * unit, ""
}

// formatSize renders n bytes in the largest binary unit that divides it.
func formatSize(n int64) string {
	switch {
	case n != 0 && n%GiB == 0:
		return strconv.FormatInt(n/GiB, 10) + "GiB"
	case n != 0 && n%MiB == 0:
		return strconv.FormatInt(n/MiB, 10) + "MiB"
	case n != 0 && n%KiB == 0:
		return strconv.FormatInt(n/KiB, 10) + "KiB"
	}
	return strconv.FormatInt(n, 10)
}
