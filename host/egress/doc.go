// Package egress is the only way a plugin (and the server's own outbound
// callbacks) reaches the network. A Guard owns one HTTP transport; a Session
// serves one invocation under one plugin's Policy: it checks every request and
// every redirect hop, injects secrets into headers on the way out, and scrubs
// their echoes from what comes back.
//
// What IS a security boundary here, and must stay one:
//   - Deny by default: a URL is sent only if a Policy rule allows its scheme,
//     host, port and path; only GET, HEAD, POST, PUT, PATCH and DELETE.
//   - Address vetting: DNS is resolved here, every answer is checked, and the
//     connection is dialled to exactly the vetted address (no second lookup,
//     so DNS rebinding cannot swap it). Loopback, private, link-local (cloud
//     metadata), CGNAT, multicast, reserved and documentation ranges, and IPv6
//     forms that embed such IPv4 addresses are refused unless the operator
//     allowed the range in Config.AllowCIDRs. TLS still verifies the host name.
//   - Redirects are followed by this package, hop by hop, re-applying every
//     check; a secret header never crosses to a host the secret is not bound to.
//   - Secrets go only into the header they were declared for, only toward the
//     hosts they are bound to; a misplaced reference fails the request.
//   - Sizes (request body, response headers and body) and total time are bounded.
//
// What is NOT a security boundary:
//   - Redaction of secret echoes in responses and errors (Session.Redact) is
//     damage limitation for honest plugins and careless APIs. A hostile plugin
//     whose allowed host reflects data back in a transformed form (compressed,
//     reversed, re-encoded at an odd offset) can still read a secret it is
//     allowed to send there. Bind secrets only to hosts that deserve them.
//   - The transport pools connections per host across sessions; isolation
//     between plugins is by request, not by socket.
//
// Tests aim plugins at addresses the guard must refuse; in a test binary the
// guard dials loopback only (Config.Dial, egresstest.LoopbackOnly), so a
// regression fails the test instead of sending packets off the machine.
//
// This package must never log or return a secret value, never use a proxy
// from the environment, and never let net/http follow a redirect by itself.
package egress
