// Package auth is SAA's OAuth 2.0 authorization server and its resource-server
// enforcement.
//
// The authorization server issues short-lived JWT access tokens (RFC 9068) to
// confidential clients through the client_credentials grant, and serves token
// introspection (RFC 7662), revocation (RFC 7009), its JWKS, and the
// authorization-server (RFC 8414) and protected-resource (RFC 9728) metadata.
// It is built on fosite, composed handler by handler; fosite never leaves this
// package. The resource side is Verifier: it accepts only tokens this server
// signed, checks every claim that matters, and consults the revocation
// deny-list on every verification, so a revoked token stops working at once
// on every verifier sharing the store.
//
// Decisions a reader may question:
//
//   - Access tokens are self-contained and not stored. Revoking one puts its
//     jti on a deny-list until the token would have expired; disabling,
//     deleting, narrowing the scopes of or rotating the secret of a client
//     voids every token issued to it before that moment.
//   - Verifier remembers tokens whose signature and claims it checked (by the
//     exact string, until exp), because an ECDSA verification costs far more
//     than everything else; the deny-list is still consulted on every call,
//     through one read of the store's revocation epoch.
//   - Scopes are free-form strings matched exactly. A token request must name
//     at least one scope (RFC 6749 section 3.3 lets the server fail the request
//     instead of picking a default; least privilege says fail), and each must be
//     among the client's allowed scopes, else invalid_scope.
//   - Introspection is a permission, modelled as the scope "introspect": a
//     caller authenticating with client credentials needs it among the
//     client's allowed scopes; a caller presenting a bearer token needs it
//     granted in that token.
//   - Client secrets are 256-bit random strings, so they are stored as SHA-256
//     digests and compared in constant time; a slow password hash would only
//     cost throughput. Admin passwords, chosen by humans, use argon2id.
//   - Failed client authentications are throttled per client ID and per source
//     address (see DefaultFailureLimit). This is a brake on online guessing,
//     not the defence: a 256-bit secret cannot be guessed. It also means an
//     attacker who knows a client ID can make that client wait; the window is
//     short and the limit resets on its own.
//
// This package must never log or return in an HTTP body a secret, a token, a
// password or a wrapped internal error.
package auth
