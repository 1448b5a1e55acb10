// Package adminui is SAA's admin web UI, served at /admin: sign-in, a
// dashboard, plugin reviews (the capability review, the diff of a new
// version, approve, reject, enable, disable, rollback), OAuth clients, the
// secrets plugins use at egress, admin users and the audit log. The same
// sign-in serves end users (role user), who never reach /admin: the consent
// page of the authorization endpoint (/oauth2/authorize, whose protocol is
// host/auth's) and their own /account.
//
// Pages are rendered on the server with html/template and change things
// only through plain HTML forms: there is no JavaScript at all, so the
// Content-Security-Policy can forbid every script. The templates and the
// stylesheet are embedded in the binary with go:embed.
//
// Security, and what is and is not a boundary:
//
//   - Sign-in checks the password with the Users service (argon2id,
//     refused per source address after repeated failures, and slowed, never
//     locked, per user name). A session is a
//     random 256-bit id in a cookie that is HttpOnly, SameSite=Strict and
//     Secure when the public URL is https or the request came over TLS. A
//     new id is issued at every sign-in. Sessions live in memory: a restart
//     signs everyone out, and several replicas do not share them.
//   - Every state-changing request must carry the session's CSRF token
//     (compared in constant time); without it the request is refused with
//     403. Sign-in itself is protected by a double-submit token. Go's
//     http.CrossOriginProtection runs in front as a second, independent
//     check. SameSite=Strict is a third.
//   - A viewer may only read. The templates hide what a viewer cannot do,
//     but that is a courtesy: the server refuses every state-changing
//     request of a viewer whatever the page showed. The role is read at
//     sign-in and kept for the session's life.
//   - Every change is recorded in the audit log (audit.KindAdmin) with the
//     admin's user name: plugin decisions and secrets by the registry's
//     services, clients, users and sign-ins here.
//   - A client secret is shown once, on the page that follows its creation
//     or rotation, and is then forgotten. Secret values (the ones plugins
//     use at egress) are write-only: no page ever displays one.
//
// This package must never log or render a password, a secret value, a
// session id or a CSRF token outside the form that carries it, and never
// serve /admin/api/..., which is the JSON API's.
package adminui
