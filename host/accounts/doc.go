// Package accounts keeps users' connected accounts: the access and refresh
// tokens a user obtained from a third-party OAuth provider (Google, GitHub,
// Slack, Microsoft or any other the admin configures) so that a plugin's
// per-user secret can be injected at egress as that user's token.
//
// It runs the provider's authorization code flow with golang.org/x/oauth2
// (PKCE S256, a single-use state bound to the user who started it), stores
// tokens sealed with the master key (host/secrets) under the user's subject
// and the provider, refreshes them before they expire (one refresh at a time
// per account), and marks an account "reconnect needed" when the provider
// refuses its refresh token.
//
// What IS a security boundary here: an account is looked up only by the
// subject the runtime hands in (the principal's, never the client's), and a
// sealed record opens only under its own key, so one user's token can never
// be read as another's. A callback completes only the flow its own user
// started, once, within ten minutes.
//
// This package must never log, return in an error, or list a token or a
// client secret; the only way a token leaves it is Service.Token, which the
// runtime calls at egress.
package accounts
