// The Client API and Server API calls the multi-node tests make, bound to one node and one tenant,
// plus the assertions they share. Contract: /work/shared/spec/api-contract.md (§6, §8).
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { Authsignal } from '@authsignal/node';

export const C1 = '/v1/client/user-authenticators/passkey/registration-options';
export const C2 = '/v1/client/user-authenticators/passkey';
export const C3 = '/v1/client/user-authenticators/passkey/authentication-options';
export const C4 = '/v1/client/verify/passkey';
export const C5 = '/v1/client/challenge';

/** Server API: Basic base64(secretKey:). Client API token-less: Basic base64(tenantId:) (§1.3). */
export const basic = (user) => `Basic ${Buffer.from(`${user}:`, 'utf8').toString('base64')}`;
export const bearer = (token) => `Bearer ${token}`;

let seq = 0;
export const uniqueUserId = (prefix = 'mn') =>
  `${prefix}-${process.pid}-${Date.now().toString(36)}-${(seq++).toString(36)}-${crypto.randomBytes(3).toString('hex')}`;

/**
 * api(node, tenant): raw calls returning {status, json, text}.
 *   client(auth, method, path, json)  Client API with an Authorization value (bearer(t) / tenant basic)
 *   server(method, path, json)        Server API with the tenant's secret key
 */
export function api(node, tenant) {
  const tenantBasic = basic(tenant.tenantId);
  const serverAuth = basic(tenant.secretKey);
  const client = (auth, method, path, json) => node.request(method, path, { headers: auth ? { Authorization: auth } : {}, json });
  const server = (method, path, json) => node.request(method, path, { headers: { Authorization: serverAuth }, json });
  // auth for C3/C4/C5: a token string -> Bearer, undefined -> Basic(tenant id)
  const c34auth = (token) => (token ? bearer(token) : tenantBasic);
  return {
    node,
    tenant,
    client,
    server,
    track: (userId, action, body = {}) => server('POST', `/v1/users/${encodeURIComponent(userId)}/actions/${action}`, body),
    validate: (body) => server('POST', '/v1/validate', body),
    getAuthenticators: (userId) => server('GET', `/v1/users/${encodeURIComponent(userId)}/authenticators`),
    deleteAuthenticator: (userId, id) =>
      server('DELETE', `/v1/users/${encodeURIComponent(userId)}/authenticators/${encodeURIComponent(id)}`),
    queryActions: (userId, query = '') => server('GET', `/v1/users/${encodeURIComponent(userId)}/actions${query}`),
    c1: (token, body = {}) => client(bearer(token), 'POST', C1, body),
    c2: (token, body) => client(bearer(token), 'POST', C2, body),
    c3: (token, body = {}) => client(c34auth(token), 'POST', C3, body),
    c4: (token, body) => client(c34auth(token), 'POST', C4, body),
    c5: (body = {}) => client(tenantBasic, 'POST', C5, body),
    /** The official @authsignal/node 2.21.0 client pointed at this node. */
    sdk: () => new Authsignal({ apiSecretKey: tenant.secretKey, apiUrl: node.baseUrl }),
  };
}

/** Asserts a 200 with a JSON object body without `error` (§2.4); returns the body. */
export function ok(res, what = 'request') {
  assert.equal(res.status, 200, `${what}: expected 200, got ${res.status} ${res.text}`);
  assert.ok(res.json && typeof res.json === 'object', `${what}: no JSON body: ${res.text}`);
  assert.ok(!('error' in res.json), `${what}: 200 body has an error member: ${res.text}`);
  return res.json;
}

/** Asserts the §4.1 error envelope with this status, category and (if given) specific code. */
export function isError(res, status, error, errorCode = error, what = 'request') {
  assert.equal(res.status, status, `${what}: expected ${status}, got ${res.status} ${res.text}`);
  assert.ok(res.json && typeof res.json === 'object', `${what}: no JSON body: ${res.text}`);
  assert.equal(res.json.error, error, `${what}: error category: ${res.text}`);
  if (errorCode !== undefined) assert.equal(res.json.errorCode, errorCode, `${what}: errorCode: ${res.text}`);
  assert.equal(typeof res.json.errorDescription, 'string', `${what}: errorDescription: ${res.text}`);
}

/**
 * Sign-up across nodes: track on `trackOn`, C1 on `optionsOn`, authenticator.create(), C2 on
 * `finishOn`. Returns { userId, track, c1, registration, c2 }.
 */
export async function signUp(authenticator, { trackOn, optionsOn, finishOn, userId = uniqueUserId(), username }) {
  const track = ok(await trackOn.track(userId, 'createPasskey', username ? { username } : {}), 'track');
  const c1 = ok(await optionsOn.c1(track.token, username ? { username } : {}), 'C1');
  const registration = authenticator.create(c1.options);
  const c2 = ok(await finishOn.c2(track.token, { registrationCredential: registration, challengeId: c1.challengeId, conditionalCreate: false }), 'C2');
  assert.equal(c2.isVerified, true);
  assert.equal(c2.userId, userId);
  return { userId, track, c1, registration, c2 };
}
