package accounts

import "errors"

// ErrNotConnected means the user has no account at the provider.
var ErrNotConnected = errors.New("account not connected")

// ErrReconnectNeeded means the user's account exists but the provider
// refused its refresh token (revoked or expired): the user must connect it
// again.
var ErrReconnectNeeded = errors.New("account needs reconnecting")

// ErrProviderNotFound means no provider of that name is configured.
var ErrProviderNotFound = errors.New("oauth provider not configured")

// ErrInvalidProvider means a provider config is incomplete or unsafe; the
// error names the field.
var ErrInvalidProvider = errors.New("invalid oauth provider")

// ErrState means a callback's state is unknown, used, expired, or belongs to
// another user or provider.
var ErrState = errors.New("invalid or expired state")

// ErrProvider means the provider answered with an error or not at all; the
// message carries the OAuth error code only, never a body.
var ErrProvider = errors.New("oauth provider error")
