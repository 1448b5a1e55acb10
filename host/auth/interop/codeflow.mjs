// Interop check of SAA's authorization code flow with oauth4webapi as a
// public client: discovery (authorization_endpoint, S256), PKCE, the
// authorization response (state checked by the library), the code exchange
// and a refresh, then a replay of the old refresh token, which must fail.
// The user's consent is given by the test's stand-in for the sign-in page
// (header X-Test-User). Prints one JSON summary line.
import * as oauth from 'oauth4webapi';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`missing ${name}`);
  return v;
};

const issuer = new URL(env('SAA_URL'));
const client = { client_id: env('CLIENT_ID') };
const redirectUri = env('REDIRECT_URI');
const insecure = { [oauth.allowInsecureRequests]: true };

async function main() {
  const as = await oauth.processDiscoveryResponse(
    issuer,
    await oauth.discoveryRequest(issuer, { ...insecure, algorithm: 'oauth2' }),
  );
  const verifier = oauth.generateRandomCodeVerifier();
  const challenge = await oauth.calculatePKCECodeChallenge(verifier);
  const state = oauth.generateRandomState();
  const url = new URL(as.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: 'code', client_id: client.client_id, redirect_uri: redirectUri,
    scope: env('SCOPE'), state, code_challenge: challenge, code_challenge_method: 'S256',
  }).toString();
  const consent = await fetch(url, { redirect: 'manual', headers: { 'X-Test-User': env('TEST_USER') } });
  const params = oauth.validateAuthResponse(as, client, new URL(consent.headers.get('location')), state);
  const codeRes = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, redirectUri, verifier, insecure);
  const tokens = await oauth.processAuthorizationCodeResponse(as, client, codeRes);
  const refreshRes = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refresh_token, insecure);
  const refreshed = await oauth.processRefreshTokenResponse(as, client, refreshRes);
  let replay = 'accepted';
  try {
    const again = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refresh_token, insecure);
    await oauth.processRefreshTokenResponse(as, client, again);
  } catch (e) {
    replay = e.error ?? e.cause?.error ?? String(e);
  }
  console.log(JSON.stringify({
    methods: as.code_challenge_methods_supported,
    scope: tokens.scope,
    rotated: refreshed.refresh_token !== tokens.refresh_token && refreshed.access_token !== tokens.access_token,
    access_token: refreshed.access_token,
    replay,
  }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
