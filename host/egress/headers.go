package egress

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/secure-agent/saa/pdk/wire"
	"golang.org/x/net/http/httpguts"
)

// maxRequestHeaderBytes bounds the headers a plugin may send.
const maxRequestHeaderBytes = 64 << 10

// forbiddenHeaders are set by the transport, concern the connection rather
// than the request, or would defeat a check here (Accept-Encoding would hide
// secret echoes from redaction behind compression). Proxy-* is refused too.
var forbiddenHeaders = map[string]bool{
	"Host": true, "Content-Length": true, "Transfer-Encoding": true, "Connection": true,
	"Keep-Alive": true, "Upgrade": true, "Te": true, "Trailer": true, "Expect": true,
	"Accept-Encoding": true, "Http2-Settings": true,
}

// crossOriginHeaders are dropped when a redirect changes origin, as net/http
// does: they carry credentials meant for the first origin.
var crossOriginHeaders = []string{"Authorization", "Cookie", "Www-Authenticate"}

// headers are a request's validated headers: plain ones, and those whose
// whole value references a secret (canonical header name to secret name).
type headers struct {
	plain http.Header
	refs  map[string]string
}

// parseHeaders validates the plugin's headers against the policy. Secret
// references are checked for placement, declaration and header here; their
// hosts are checked per hop.
func (p *Policy) parseHeaders(in map[string]string) (headers, error) {
	h := headers{plain: make(http.Header, len(in)), refs: map[string]string{}}
	size := 0
	for name, value := range in {
		size += len(name) + len(value) + 4
		if size > maxRequestHeaderBytes {
			return headers{}, fmt.Errorf("%w: request headers over %d bytes", ErrTooLarge, maxRequestHeaderBytes)
		}
		canon, err := checkHeader(name, value)
		if err != nil {
			return headers{}, err
		}
		if _, dup := h.plain[canon]; dup || h.refs[canon] != "" {
			return headers{}, fmt.Errorf("%w: %s given twice", ErrHeader, canon)
		}
		if !strings.Contains(value, wire.SecretPrefix) {
			h.plain[canon] = []string{value}
			continue
		}
		secret, err := p.checkRef(canon, value)
		if err != nil {
			return headers{}, err
		}
		h.refs[canon] = secret
	}
	return h, nil
}

// checkHeader validates one header and returns its canonical name.
func checkHeader(name, value string) (string, error) {
	if strings.Contains(name, wire.SecretPrefix) {
		return "", fmt.Errorf("%w: in a header name", ErrSecretMisuse)
	}
	if !httpguts.ValidHeaderFieldName(name) {
		return "", fmt.Errorf("%w: invalid header name %q", ErrHeader, name)
	}
	canon := http.CanonicalHeaderKey(name)
	if forbiddenHeaders[canon] || strings.HasPrefix(canon, "Proxy-") {
		return "", fmt.Errorf("%w: %s is set by the host", ErrHeader, canon)
	}
	if !httpguts.ValidHeaderFieldValue(value) {
		return "", fmt.Errorf("%w: invalid value for %s", ErrHeader, canon)
	}
	return canon, nil
}

// checkRef checks that value is exactly one reference to a declared secret
// whose declared header is header, and returns the secret's name.
func (p *Policy) checkRef(header, value string) (string, error) {
	name, ok := parseRef(value)
	if !ok {
		return "", fmt.Errorf("%w: %s must be exactly one %sname%s", ErrSecretMisuse, header, wire.SecretPrefix, wire.SecretSuffix)
	}
	b, ok := p.binding(name)
	if !ok {
		return "", fmt.Errorf("%w: secret %q is not declared", ErrSecretMisuse, name)
	}
	if http.CanonicalHeaderKey(b.Header) != header {
		return "", fmt.Errorf("%w: secret %q is declared for header %s, not %s", ErrSecretMisuse, name, b.Header, header)
	}
	return name, nil
}

// parseRef returns the secret name of a value that is exactly one reference.
func parseRef(v string) (string, bool) {
	name, ok := strings.CutPrefix(v, wire.SecretPrefix)
	if !ok {
		return "", false
	}
	name, ok = strings.CutSuffix(name, wire.SecretSuffix)
	if !ok || name == "" || strings.ContainsAny(name, "{} \t") {
		return "", false
	}
	return name, true
}
