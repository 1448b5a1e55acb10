package egress

import "errors"

// ErrDenied is returned when no rule of the policy allows a URL, or the
// method or URL form is not one egress accepts.
var ErrDenied = errors.New("egress denied")

// ErrAddressRefused is returned when a host is, or resolves to, an address in
// a refused range (loopback, private, link-local, metadata...) that the
// operator did not allow.
var ErrAddressRefused = errors.New("address refused")

// ErrHeader is returned when a request carries a header the plugin may not
// set (Host, Content-Length, hop-by-hop, Proxy-*...) or an invalid one.
var ErrHeader = errors.New("header refused")

// ErrTooLarge is returned when a request or response body exceeds its limit.
var ErrTooLarge = errors.New("body too large")

// ErrTooManyRedirects is returned when a request is redirected more times
// than the limit allows.
var ErrTooManyRedirects = errors.New("too many redirects")

// ErrSecretMisuse is returned when a secret reference appears where it may
// not (URL, body, header name, part of a header value), names a secret the
// policy does not declare, sits in another header than the declared one, or
// targets a host the secret is not bound to.
var ErrSecretMisuse = errors.New("secret reference refused")

// ErrSecretUnavailable is returned when a declared secret has no value.
var ErrSecretUnavailable = errors.New("secret unavailable")
