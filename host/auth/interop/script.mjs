// Interop check of SAA's authorization server with two independent
// libraries: oauth4webapi (discovery, client_credentials, RFC 8693 token
// exchange, introspection, revocation, RFC 9068 validation) and jose (JWKS
// signature verification).
// Run by interop_test.go; prints one JSON summary line on success and exits
// non-zero with the error on stderr otherwise.
import * as oauth from 'oauth4webapi';
import * as jose from 'jose';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`missing ${name}`);
  return v;
};

const issuer = new URL(env('SAA_URL'));
const scope = env('SCOPE');
const agent = { client_id: env('CLIENT_ID') };
const agentAuth = oauth.ClientSecretPost(env('CLIENT_SECRET'));
const sub = { client_id: env('SUB_CLIENT_ID') };
const subAuth = oauth.ClientSecretBasic(env('SUB_CLIENT_SECRET'));
const rs = { client_id: env('RS_CLIENT_ID') };
const rsAuth = oauth.ClientSecretBasic(env('RS_CLIENT_SECRET'));
// SAA runs on plain HTTP on loopback in the test; oauth4webapi refuses
// non-HTTPS endpoints unless told otherwise.
const insecure = { [oauth.allowInsecureRequests]: true };

async function introspect(as, token) {
  const res = await oauth.introspectionRequest(as, rs, rsAuth, token, insecure);
  return oauth.processIntrospectionResponse(as, rs, res);
}

async function main() {
  const as = await oauth.processDiscoveryResponse(
    issuer,
    await oauth.discoveryRequest(issuer, { ...insecure, algorithm: 'oauth2' }),
  );

  const tokenRes = await oauth.clientCredentialsGrantRequest(as, agent, agentAuth, { scope }, insecure);
  const token = await oauth.processClientCredentialsResponse(as, agent, tokenRes);

  const request = new Request(issuer, { headers: { authorization: `Bearer ${token.access_token}` } });
  const rfc9068 = await oauth.validateJwtAccessToken(as, request, issuer.href.replace(/\/$/, ''), insecure);

  const jwks = jose.createRemoteJWKSet(new URL(as.jwks_uri));
  const verified = await jose.jwtVerify(token.access_token, jwks, {
    issuer: as.issuer,
    audience: as.issuer,
    typ: 'at+jwt',
    algorithms: ['ES256', 'RS256'],
  });

  // A sub-agent exchanges the agent's token for a narrower one of its own.
  const exchanged = await oauth.processGenericTokenEndpointResponse(as, sub, await oauth.genericTokenEndpointRequest(
    as, sub, subAuth, 'urn:ietf:params:oauth:grant-type:token-exchange', {
      subject_token: token.access_token,
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      scope,
    }, insecure));
  const childRequest = new Request(issuer, { headers: { authorization: `Bearer ${exchanged.access_token}` } });
  const child = await oauth.validateJwtAccessToken(as, childRequest, issuer.href.replace(/\/$/, ''), insecure);
  const childBefore = await introspect(as, exchanged.access_token);

  const before = await introspect(as, token.access_token);
  await oauth.processRevocationResponse(
    await oauth.revocationRequest(as, agent, agentAuth, token.access_token, insecure),
  );
  const after = await introspect(as, token.access_token);
  const childAfter = await introspect(as, exchanged.access_token);

  console.log(JSON.stringify({
    issuer: as.issuer,
    token_endpoint: as.token_endpoint,
    token_type: token.token_type,
    expires_in: token.expires_in,
    scope: token.scope,
    rfc9068: { client_id: rfc9068.client_id, sub: rfc9068.sub, scope: rfc9068.scope },
    jose: { typ: verified.protectedHeader.typ, alg: verified.protectedHeader.alg, kid: verified.protectedHeader.kid },
    introspection_before: { active: before.active, client_id: before.client_id, scope: before.scope },
    introspection_after: { active: after.active },
    exchange: {
      issued_token_type: exchanged.issued_token_type,
      scope: exchanged.scope,
      client_id: child.client_id,
      sub: child.sub,
      act: child.act,
      introspected_act: childBefore.act,
      active_before: childBefore.active,
      active_after_parent_revoked: childAfter.active,
    },
  }));
}

main().catch((err) => {
  console.error(err?.stack ?? String(err));
  if (err?.cause) console.error('cause:', JSON.stringify(err.cause));
  process.exit(1);
});
