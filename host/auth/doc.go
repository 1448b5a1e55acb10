// Package auth is SAA's OAuth 2.0 authorization server and its resource-server
// enforcement.
//
// The authorization server issues short-lived JWT access tokens (RFC 9068) to
// confidential clients through the client_credentials grant, and to agents
// acting for a user through the authorization code grant with PKCE (S256
// only) and rotating refresh tokens, when the store implements
// authstore.Flows; the sign-in and consent pages are the admin UI's, which
// calls ParseAuthorize and Approve. It serves token
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
//     jti on a deny-list until the token would have expired. Disabling,
//     narrowing the scopes of or rotating the secret of a client moves it to
//     a new generation; a token carries the generation of the client record
//     it was issued from (claim "gen"), and the verifier refuses it unless
//     the client still exists, is active and is at that generation. No clock
//     is compared, so a change voids every token issued before it, however
//     close in time, and a token whose request raced the change too.
//   - Verifier remembers tokens whose signature and claims it checked (by the
//     exact string, until exp), because an ECDSA verification costs far more
//     than everything else; the deny-list is still consulted on every call,
//     through one read of the store's revocation epoch, which every
//     revocation and every change of a client moves in the same write.
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
//   - Failed authentications (client secrets and user passwords) are
//     throttled per source address and slowed, never locked, per client ID
//     or user name (internal/throttle.Guard): a lockout keyed on the
//     identity would let anyone who knows a client ID (it is in every token)
//     or the name "admin" keep its owner out, which OWASP's Authentication
//     Cheat Sheet warns of. For 256-bit client secrets this is a brake, not
//     the defence.
//   - A signing key from JWT_PRIVATE_KEY is never rotated by the server
//     (ErrKeysFromEnvironment): a restart would bring it back. A generated
//     key set is rotated with KeySet.Rotate and kept in the data dir.
//   - A user's consent is a grant (user, client, scopes) with a generation:
//     tokens issued under it carry that generation (claim "ggen") and the
//     verifier compares it with the grant's on every verification (cached
//     under the revocation epoch, which revoking a grant moves), so
//     withdrawing consent voids the agent's tokens for the user at once.
//   - Every token issued from one authorization code is a family; a code
//     redeemed twice, or a refresh token used after rotation (or rotated by
//     two requests at once: the store's swap is atomic), revokes the family:
//     its access tokens go on the deny-list and its refresh tokens die.
//   - Users never delegate host scopes (reserved namespaces such as admin).
//
// This package must never log or return in an HTTP body a secret, a token, a
// password or a wrapped internal error.
package auth
