package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// argonParams are argon2id costs. The defaults follow OWASP's minimum
// (19 MiB, 2 passes, 1 lane): tens of milliseconds per check here.
type argonParams struct {
	memory  uint32 // KiB
	time    uint32
	threads uint8
}

var defaultArgon = argonParams{memory: 19 * 1024, time: 2, threads: 1}

const (
	argonKeyLen  = 32
	argonSaltLen = 16
	// Bounds on stored parameters, so a tampered hash cannot make a check
	// allocate gigabytes or spin for minutes.
	maxArgonMemory  = 1 << 20 // 1 GiB in KiB
	maxArgonTime    = 10
	maxArgonThreads = 16
)

// errBadHash is returned for a stored password hash that is not an argon2id
// PHC string SAA can check.
var errBadHash = errors.New("malformed password hash")

// hashPassword returns the argon2id PHC string of password with a fresh salt.
func hashPassword(password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("generate salt: %w", err)
	}
	p := defaultArgon
	key := argon2.IDKey([]byte(password), salt, p.time, p.memory, p.threads, argonKeyLen)
	b64 := base64.RawStdEncoding.EncodeToString
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.memory, p.time, p.threads, b64(salt), b64(key)), nil
}

// checkPassword reports whether password matches the PHC string encoded,
// comparing in constant time.
func checkPassword(encoded, password string) (bool, error) {
	p, salt, key, err := parsePHC(encoded)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(password), salt, p.time, p.memory, p.threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// parsePHC parses "$argon2id$v=19$m=M,t=T,p=P$salt$key" within bounds.
func parsePHC(s string) (argonParams, []byte, []byte, error) {
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return argonParams{}, nil, nil, errBadHash
	}
	p, err := parseArgonParams(parts[3])
	if err != nil {
		return argonParams{}, nil, nil, err
	}
	salt, err := base64.RawStdEncoding.Strict().DecodeString(parts[4])
	if err != nil || len(salt) < 8 || len(salt) > 64 {
		return argonParams{}, nil, nil, errBadHash
	}
	key, err := base64.RawStdEncoding.Strict().DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > 64 {
		return argonParams{}, nil, nil, errBadHash
	}
	return p, salt, key, nil
}

func parseArgonParams(s string) (argonParams, error) {
	var p argonParams
	fields := strings.Split(s, ",")
	if len(fields) != 3 {
		return p, errBadHash
	}
	vals := make([]uint64, 3)
	for i, name := range []string{"m=", "t=", "p="} {
		v, ok := strings.CutPrefix(fields[i], name)
		if !ok {
			return p, errBadHash
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return p, errBadHash
		}
		vals[i] = n
	}
	p = argonParams{memory: uint32(vals[0]), time: uint32(vals[1]), threads: uint8(min(vals[2], 255))}
	if p.time < 1 || p.time > maxArgonTime || p.threads < 1 || vals[2] > maxArgonThreads ||
		p.memory < 8*uint32(p.threads) || p.memory > maxArgonMemory {
		return argonParams{}, errBadHash
	}
	return p, nil
}
