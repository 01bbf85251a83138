// Passkey endpoints over real HTTP with a software authenticator (lib/soft-authenticator.mjs):
// C2 add passkey (§6.2), C3 options (§6.3), C4 verify (§6.4), C5 challenge (§6.5), C6 lookup (§6.6),
// C7 list (§6.7), the security-key endpoints C8–C11 (§7), and the Server API endpoints that need an
// enrolled user: get/delete authenticators, get/update/query actions, query users (§8.6–§8.11, §9).
// The same flows through the official SDKs in a real browser are in browser/passkey-sdk.test.mjs.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Authsignal } from '@authsignal/node';
import { startSignet } from '../lib/server.mjs';
import { client, basicAuth, track, uniqueUserId, C1 } from '../lib/http.mjs';
import { decode } from '../lib/jwt.mjs';
import { assertOk, assertError, UUID_V4, ISO_MS_Z } from '../lib/assertions.mjs';
import { SoftAuthenticator } from '../lib/soft-authenticator.mjs';

const ORIGIN = 'http://localhost:5173';
const C2 = '/v1/client/user-authenticators/passkey';
const C3 = '/v1/client/user-authenticators/passkey/authentication-options';
const C3W = '/v1/client/user-authenticators/passkey/authentication-options/web';
const C4 = '/v1/client/verify/passkey';
const C5 = '/v1/client/challenge';
const C5W = '/v1/client/challenge/web';
const C6 = '/v1/client/user-authenticators/passkey';
const C7 = '/v1/client/user-authenticators';
const C8 = '/v1/client/user-authenticators/security-key/registration-options';
const C9 = '/v1/client/user-authenticators/security-key';
const C10 = '/v1/client/user-authenticators/security-key/authentication-options';
const C11 = '/v1/client/verify/security-key';
const ALL_SCOPES = ['read:authenticators', 'add:authenticators', 'update:authenticators', 'remove:authenticators'];

let signet;
let http;
let node;
let tenantBasic;

before(async () => {
  signet = await startSignet({ origins: [ORIGIN], extraTenants: [
    { rpId: 'localhost', origins: [ORIGIN], name: 'Tenant B' },
    { rpId: 'localhost', origins: [ORIGIN], name: 'Tenant UV', userVerification: 'required' },
  ] });
  http = client(signet);
  node = new Authsignal({ apiSecretKey: signet.secretKey, apiUrl: signet.baseUrl });
  tenantBasic = `Basic ${Buffer.from(encodeURIComponent(signet.tenantId)).toString('base64')}`; // browser SDK form
});
after(async () => { await signet?.stop(); });

const basic = (method, path, opts = {}) =>
  http.raw(method, path, { ...opts, headers: { Authorization: tenantBasic, ...(opts.headers || {}) } });
const basicFor = (tenantId) => `Basic ${Buffer.from(encodeURIComponent(tenantId)).toString('base64')}`;
const enc = encodeURIComponent;

/** track createPasskey → C1 → soft create() → C2. Returns everything a test may need. */
async function signUp({ userId = uniqueUserId('pk'), auth = new SoftAuthenticator({ origin: ORIGIN }), scope, username, trackBody = {} } = {}) {
  const t = await track(signet, userId, 'createPasskey', { ...(scope ? { scope } : {}), ...trackBody });
  const c1 = assertOk(await http.bearer(t.token, 'POST', C1, { json: username ? { username } : {} }));
  const reg = auth.register(c1.options);
  const body = { registrationCredential: reg, conditionalCreate: false, challengeId: c1.challengeId };
  const res = await http.bearer(t.token, 'POST', C2, { json: body });
  return { userId, auth, track: t, c1, reg, body, res, credentialId: reg.id };
}

/** Token-less sign-in: (C5) → C3 Basic → soft get() → C4 Basic. */
async function signInBasic(auth, { action, credentialId, tenantAuth = tenantBasic } = {}) {
  const h = { Authorization: tenantAuth };
  let challengeId;
  if (action) challengeId = assertOk(await http.raw('POST', C5, { headers: h, json: { action } })).challengeId;
  const c3 = assertOk(await http.raw('POST', C3, { headers: h, json: challengeId ? { challengeId } : {} }));
  const asr = auth.assert(c3.options, { credentialId });
  const body = { authenticationCredential: asr, deviceId: crypto.randomUUID(), challengeId: c3.challengeId };
  const res = await http.raw('POST', C4, { headers: h, json: body });
  return { c3, body, res };
}

/** Sign-in with a track token: C3 Bearer → get() → C4 Bearer. */
async function signInBearer(auth, token, { credentialId } = {}) {
  const c3 = assertOk(await http.bearer(token, 'POST', C3, { json: {} }));
  const asr = auth.assert(c3.options, { credentialId });
  const body = { authenticationCredential: asr, deviceId: crypto.randomUUID(), challengeId: c3.challengeId };
  return { c3, body, res: await http.bearer(token, 'POST', C4, { json: body }) };
}

const validate = (token, extra = {}) => http.server('POST', '/v1/validate', { json: { token, ...extra } });

describe('C2 add passkey (§6.2)', () => {
  test('200 with all five members; client-view userAuthenticator; accessToken of the same action with all scopes', async () => {
    const s = await signUp({ username: 'jane@example.com' });
    const b = assertOk(s.res);
    assert.equal(b.isVerified, true);
    assert.match(b.userAuthenticatorId, UUID_V4);
    assert.equal(b.userId, s.userId);
    assert.equal(typeof b.accessToken, 'string');
    const ua = b.userAuthenticator;
    assert.ok(ua && typeof ua === 'object', 'userAuthenticator present');
    assert.equal(ua.userId, undefined, 'client view omits userId (§9.2)');
    assert.equal(ua.isDefault, true, 'first authenticator is the default');
    assert.equal(ua.verificationMethod, 'PASSKEY');
    assert.equal(ua.userAuthenticatorId, b.userAuthenticatorId);
    assert.equal(ua.webauthnCredential?.credentialId, s.credentialId);
    const p = decode(b.accessToken).payload;
    const t0 = decode(s.track.token).payload;
    assert.equal(p.sub, s.userId);
    assert.equal(p.other.actionCode, 'createPasskey');
    assert.equal(p.other.idempotencyKey, t0.other.idempotencyKey);
    assert.deepEqual(p.scope.split(' ').sort(), [...ALL_SCOPES].sort());
    assert.ok(p.exp - p.iat === 600);
  });

  test('validate: track token and accessToken both report CHALLENGE_SUCCEEDED / PASSKEY (§11.1)', async () => {
    const s = await signUp();
    const b = assertOk(s.res);
    for (const token of [b.accessToken, s.track.token]) {
      const v = assertOk(await validate(token));
      assert.equal(v.isValid, true);
      assert.equal(v.state, 'CHALLENGE_SUCCEEDED');
      assert.equal(v.userId, s.userId);
      assert.equal(v.actionCode, 'createPasskey');
      assert.equal(v.action, 'createPasskey');
      assert.equal(v.idempotencyKey, s.track.idempotencyKey);
      assert.equal(v.verificationMethod, 'PASSKEY');
      assert.match(v.stateUpdatedAt, ISO_MS_Z);
    }
  });

  test('replayed registration (same C2 body, token with add:authenticators) -> 400 invalid_request (challenge used)', async () => {
    const s = await signUp({ scope: 'add:authenticators' });
    assertOk(s.res);
    assertError(await http.bearer(s.track.token, 'POST', C2, { json: s.body }), 400, 'invalid_request');
  });

  test('replayed registration with a track token without add:authenticators -> 401 insufficient_scope', async () => {
    const s = await signUp();
    assertOk(s.res);
    assertError(await http.bearer(s.track.token, 'POST', C2, { json: s.body }), 401, 'unauthorized', 'insufficient_scope');
  });

  test('enrolment gate on C1: enrolled user, track without scope -> 401 insufficient_scope; with scope -> 200', async () => {
    const s = await signUp();
    assertOk(s.res);
    const t1 = await track(signet, s.userId, 'createPasskey');
    assertError(await http.bearer(t1.token, 'POST', C1, { json: {} }), 401, 'unauthorized', 'insufficient_scope');
    const t2 = await track(signet, s.userId, 'createPasskey', { scope: 'add:authenticators' });
    const c1 = assertOk(await http.bearer(t2.token, 'POST', C1, { json: {} }));
    assert.deepEqual(c1.options.excludeCredentials.map((c) => c.id), [s.credentialId], 'excludeCredentials lists the passkey');
  });

  test('the accessToken after sign-up may add a second passkey (it carries add:authenticators)', async () => {
    const s = await signUp();
    const { accessToken } = assertOk(s.res);
    const c1 = assertOk(await http.bearer(accessToken, 'POST', C1, { json: {} }));
    const reg = s.auth.register(c1.options);
    const b = assertOk(await http.bearer(accessToken, 'POST', C2, { json: { registrationCredential: reg, conditionalCreate: false, challengeId: c1.challengeId } }));
    assert.equal(b.userAuthenticator.isDefault, false, 'second authenticator is not the default');
    const list = await node.getAuthenticators({ userId: s.userId });
    assert.equal(list.length, 2);
  });

  test('wrong origin in clientDataJSON -> 400 invalid_credential', async () => {
    const userId = uniqueUserId('pk-origin');
    const t = await track(signet, userId, 'createPasskey');
    const c1 = assertOk(await http.bearer(t.token, 'POST', C1, { json: {} }));
    const reg = new SoftAuthenticator({ origin: 'http://localhost:9999' }).register(c1.options);
    assertError(await http.bearer(t.token, 'POST', C2, { json: { registrationCredential: reg, challengeId: c1.challengeId } }), 400, 'invalid_credential');
  });

  test('clientDataJSON.type webauthn.get -> 400 invalid_credential; the challenge is consumed by the failed attempt', async () => {
    const userId = uniqueUserId('pk-type');
    const t = await track(signet, userId, 'createPasskey');
    const c1 = assertOk(await http.bearer(t.token, 'POST', C1, { json: {} }));
    const auth = new SoftAuthenticator({ origin: ORIGIN });
    const bad = auth.register(c1.options, { type: 'webauthn.get' });
    assertError(await http.bearer(t.token, 'POST', C2, { json: { registrationCredential: bad, challengeId: c1.challengeId } }), 400, 'invalid_credential');
    const good = auth.register(c1.options);
    assertError(await http.bearer(t.token, 'POST', C2, { json: { registrationCredential: good, challengeId: c1.challengeId } }), 400, 'invalid_request');
  });

  test('C2: the same registration sent 6 times at once is accepted once; the others -> 400 invalid_request', async () => {
    // With add:authenticators, so that the enrolment gate (401 once the winner is stored) stays out of it.
    const t = await track(signet, uniqueUserId('pk-burst'), 'createPasskey', { scope: 'add:authenticators' });
    const c1 = assertOk(await http.bearer(t.token, 'POST', C1, { json: {} }));
    const reg = new SoftAuthenticator({ origin: ORIGIN }).register(c1.options);
    const body = { registrationCredential: reg, challengeId: c1.challengeId };
    const results = await Promise.all(Array.from({ length: 6 }, () => http.bearer(t.token, 'POST', C2, { json: body })));
    assert.equal(results.filter((r) => r.status === 200).length, 1, results.map((r) => r.status).join(','));
    for (const r of results.filter((x) => x.status !== 200)) assertError(r, 400, 'invalid_request');
  });

  test('missing registrationCredential -> 400 invalid_request; unknown challengeId -> 400 invalid_request', async () => {
    const userId = uniqueUserId('pk-shape');
    const t = await track(signet, userId, 'createPasskey');
    const c1 = assertOk(await http.bearer(t.token, 'POST', C1, { json: {} }));
    assertError(await http.bearer(t.token, 'POST', C2, { json: { challengeId: c1.challengeId } }), 400, 'invalid_request');
    const reg = new SoftAuthenticator({ origin: ORIGIN }).register(c1.options);
    assertError(await http.bearer(t.token, 'POST', C2, { json: { registrationCredential: reg, challengeId: crypto.randomUUID() } }), 400, 'invalid_request');
  });

  test("a registration challenge of user A used with user B's token -> 400 invalid_request", async () => {
    const ta = await track(signet, uniqueUserId('pk-a'), 'createPasskey');
    const tb = await track(signet, uniqueUserId('pk-b'), 'createPasskey');
    const c1 = assertOk(await http.bearer(ta.token, 'POST', C1, { json: {} }));
    const reg = new SoftAuthenticator({ origin: ORIGIN }).register(c1.options);
    assertError(await http.bearer(tb.token, 'POST', C2, { json: { registrationCredential: reg, challengeId: c1.challengeId } }), 400, 'invalid_request');
  });

  test('a credential id already registered in the tenant -> 400 invalid_credential; another tenant may hold the same id', async () => {
    const a = await signUp();
    assertOk(a.res);
    const tb = await track(signet, uniqueUserId('pk-dup'), 'createPasskey');
    const c1 = assertOk(await http.bearer(tb.token, 'POST', C1, { json: {} }));
    const reg = new SoftAuthenticator({ origin: ORIGIN }).register(c1.options, { credentialId: a.credentialId });
    assertError(await http.bearer(tb.token, 'POST', C2, { json: { registrationCredential: reg, challengeId: c1.challengeId } }), 400, 'invalid_credential');
    // Tenant B: same credential id, new user -> accepted (ids are unique per tenant).
    const other = signet.tenants[1];
    const t2 = await track(signet, uniqueUserId('pk-dup-b'), 'createPasskey', {}, other.secretKey);
    const c1b = assertOk(await http.bearer(t2.token, 'POST', C1, { json: {} }));
    const regB = new SoftAuthenticator({ origin: ORIGIN }).register(c1b.options, { credentialId: a.credentialId });
    assertOk(await http.bearer(t2.token, 'POST', C2, { json: { registrationCredential: regB, challengeId: c1b.challengeId } }));
  });

  test('SPC registration (§10.1): UV required; the stored credential is payment-capable with its label', async () => {
    const userId = uniqueUserId('spc');
    const auth = new SoftAuthenticator({ origin: ORIGIN });
    const body = { username: 'payer@example.com', securePaymentConfirmation: true, instrumentDisplayName: 'Visa ••1234' };
    const t = await track(signet, userId, 'createPasskey');
    const c1 = assertOk(await http.bearer(t.token, 'POST', C1, { json: body }));
    const noUv = auth.register(c1.options, { uv: false });
    assertError(await http.bearer(t.token, 'POST', C2, { json: { registrationCredential: noUv, challengeId: c1.challengeId } }), 400, 'invalid_credential');
    const c1b = assertOk(await http.bearer(t.token, 'POST', C1, { json: body }));
    assertOk(await http.bearer(t.token, 'POST', C2, { json: { registrationCredential: auth.register(c1b.options), challengeId: c1b.challengeId } }));
    const [a] = await node.getAuthenticators({ userId });
    assert.equal(a.webauthnCredential.securePaymentConfirmation, true);
    assert.equal(a.webauthnCredential.instrumentDisplayName, 'Visa ••1234');
  });

  test('concurrent replays of one C2 body: exactly one succeeds', async () => {
    const userId = uniqueUserId('pk-race');
    const t = await track(signet, userId, 'createPasskey', { scope: 'add:authenticators' });
    const c1 = assertOk(await http.bearer(t.token, 'POST', C1, { json: {} }));
    const body = { registrationCredential: new SoftAuthenticator({ origin: ORIGIN }).register(c1.options), challengeId: c1.challengeId };
    const results = await Promise.all(Array.from({ length: 6 }, () => http.bearer(t.token, 'POST', C2, { json: body })));
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 400, 400, 400, 400, 400], results.map((r) => r.text).join('\n'));
    assert.equal((await node.getAuthenticators({ userId })).length, 1);
  });

  test('Basic(tenant) on C2 -> 401 unauthorized', async () => {
    assertError(await basic('POST', C2, { json: {} }), 401, 'unauthorized');
  });
});

describe('C3 / C4 / C5 sign-in (§6.3–§6.5)', () => {
  test('token-less: C3 Basic has allowCredentials [], C4 -> owner, username; validate says signInWithPasskey', async () => {
    const s = await signUp({ username: 'basic@example.com' });
    assertOk(s.res);
    const { c3, res } = await signInBasic(s.auth);
    assert.deepEqual(c3.options.allowCredentials, []);
    assert.equal(c3.options.rpId, 'localhost');
    assert.equal(c3.options.timeout, 300000);
    assert.equal(c3.options.userVerification, 'preferred');
    assert.match(c3.challengeId, UUID_V4);
    const b = assertOk(res);
    assert.equal(b.isVerified, true);
    assert.equal(b.userId, s.userId);
    assert.equal(b.userAuthenticatorId, s.res.json.userAuthenticatorId);
    assert.equal(b.username, 'basic@example.com');
    const v = assertOk(await validate(b.accessToken));
    assert.equal(v.isValid, true);
    assert.equal(v.userId, s.userId);
    assert.equal(v.actionCode, 'signInWithPasskey');
    assert.equal(v.verificationMethod, 'PASSKEY');
    assert.match(v.idempotencyKey, UUID_V4);
  });

  test('C4: a failed verification consumes the challenge; the good assertion after it -> 400 invalid_request', async () => {
    const s = await signUp();
    assertOk(s.res);
    const h = { Authorization: tenantBasic };
    const c3 = assertOk(await http.raw('POST', C3, { headers: h, json: {} }));
    const bad = s.auth.assert(c3.options, { origin: 'http://localhost:9999' });
    const good = s.auth.assert(c3.options);
    assertError(await http.raw('POST', C4, { headers: h, json: { authenticationCredential: bad, challengeId: c3.challengeId } }), 400, 'invalid_credential');
    assertError(await http.raw('POST', C4, { headers: h, json: { authenticationCredential: good, challengeId: c3.challengeId } }), 400, 'invalid_request');
  });

  test('C4: the same assertion sent 8 times at once is accepted once; the others -> 400 invalid_request', async () => {
    const s = await signUp();
    assertOk(s.res);
    for (let round = 0; round < 5; round++) {
      const c3b = assertOk(await http.bearer(s.track.token, 'POST', C3, { json: {} }));
      const asr = s.auth.assert(c3b.options);
      const burst = { authenticationCredential: asr, deviceId: crypto.randomUUID(), challengeId: c3b.challengeId };
      const results = await Promise.all(Array.from({ length: 8 }, () => http.bearer(s.track.token, 'POST', C4, { json: burst })));
      const ok = results.filter((r) => r.status === 200);
      assert.equal(ok.length, 1, `round ${round}: ${results.map((r) => r.status).join(',')}`);
      for (const r of results.filter((x) => x.status !== 200)) assertError(r, 400, 'invalid_request');
    }
  });

  test('named action: C5 challengeId is echoed by C3; validate reports the action code', async () => {
    const s = await signUp();
    assertOk(s.res);
    const { c3, res } = await signInBasic(s.auth, { action: 'approveTransfer' });
    const b = assertOk(res);
    const v = assertOk(await validate(b.accessToken, { userId: s.userId, action: 'approveTransfer' }));
    assert.equal(v.isValid, true);
    assert.equal(v.actionCode, 'approveTransfer');
    assert.ok(c3.challengeId);
  });

  test('C5: 200 {challengeId}; bad action code -> 400 invalid_request; /web alias', async () => {
    const b = assertOk(await basic('POST', C5, { json: { action: 'signInWithPasskey' } }));
    assert.match(b.challengeId, UUID_V4);
    assertError(await basic('POST', C5, { json: { action: 'bad action!' } }), 400, 'invalid_request');
    assert.match(assertOk(await basic('POST', C5W, { json: { action: 'x' } })).challengeId, UUID_V4);
    assert.match(assertOk(await basic('POST', C5, { json: {} })).challengeId, UUID_V4);
  });

  test('C3 with a C5 challengeId echoes it; the same challengeId twice -> 400 invalid_request', async () => {
    const { challengeId } = assertOk(await basic('POST', C5, { json: { action: 'signInWithPasskey' } }));
    const c3 = assertOk(await basic('POST', C3, { json: { challengeId } }));
    assert.equal(c3.challengeId, challengeId);
    assertError(await basic('POST', C3, { json: { challengeId } }), 400, 'invalid_request');
    assertError(await basic('POST', C3, { json: { challengeId: crypto.randomUUID() } }), 400, 'invalid_request');
  });

  test('concurrent C3 requests on one C5 challengeId: exactly one succeeds', async () => {
    const { challengeId } = assertOk(await basic('POST', C5, { json: { action: 'signInWithPasskey' } }));
    const results = await Promise.all(Array.from({ length: 6 }, () => basic('POST', C3, { json: { challengeId } })));
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 400, 400, 400, 400, 400], results.map((r) => r.text).join('\n'));
  });

  test("C5 challenge of tenant A used at C3 with tenant B's Basic -> 400 invalid_request", async () => {
    const { challengeId } = assertOk(await basic('POST', C5, { json: { action: 'signInWithPasskey' } }));
    const res = await http.raw('POST', C3, { headers: { Authorization: basicFor(signet.tenants[1].tenantId) }, json: { challengeId } });
    assertError(res, 400, 'invalid_request');
  });

  test('C3w alias answers like C3', async () => {
    const b = assertOk(await basic('POST', C3W, { json: {} }));
    assert.deepEqual(b.options.allowCredentials, []);
  });

  test('C3 Basic + username -> that user\'s passkeys; unknown username -> []', async () => {
    const username = `${uniqueUserId('name')}@example.com`;
    const s = await signUp({ username });
    assertOk(s.res);
    const b = assertOk(await basic('POST', C3, { json: { username } }));
    assert.deepEqual(b.options.allowCredentials.map((c) => c.id), [s.credentialId]);
    assert.deepEqual(assertOk(await basic('POST', C3, { json: { username: 'nobody@example.com' } })).options.allowCredentials, []);
  });

  test('with a track token (§11.4): C3 Bearer lists the user\'s passkeys; C4 Bearer -> same action; validate', async () => {
    const s = await signUp();
    assertOk(s.res);
    const t = await track(signet, s.userId, 'reauthenticate');
    assert.equal(t.state, 'CHALLENGE_REQUIRED', 'an enrolled user is challenged (Q16)');
    const { c3, res } = await signInBearer(s.auth, t.token);
    assert.deepEqual(c3.options.allowCredentials.map((c) => c.id), [s.credentialId]);
    const b = assertOk(res);
    assert.equal(decode(b.accessToken).payload.other.idempotencyKey, t.idempotencyKey);
    const v = assertOk(await validate(b.accessToken, { userId: s.userId }));
    assert.equal(v.state, 'CHALLENGE_SUCCEEDED');
    assert.equal(v.actionCode, 'reauthenticate');
    assert.equal(v.idempotencyKey, t.idempotencyKey);
  });

  test('replayed verification (same C4 body) -> 400 invalid_request', async () => {
    const s = await signUp();
    assertOk(s.res);
    const { body, res } = await signInBasic(s.auth);
    assertOk(res);
    assertError(await basic('POST', C4, { json: body }), 400, 'invalid_request');
  });

  test('C4 without challengeId: the ceremony is found from clientDataJSON.challenge (§6.4 note 1)', async () => {
    const s = await signUp();
    assertOk(s.res);
    const c3 = assertOk(await basic('POST', C3, { json: {} }));
    const b = assertOk(await basic('POST', C4, { json: { authenticationCredential: s.auth.assert(c3.options) } }));
    assert.equal(b.userId, s.userId);
  });

  test('C2 without challengeId: the ceremony is found from clientDataJSON.challenge (§6.2 note 1)', async () => {
    const userId = uniqueUserId('pk-nochal');
    const t = await track(signet, userId, 'createPasskey');
    const c1 = assertOk(await http.bearer(t.token, 'POST', C1, { json: {} }));
    const reg = new SoftAuthenticator({ origin: ORIGIN }).register(c1.options);
    const b = assertOk(await http.bearer(t.token, 'POST', C2, { json: { registrationCredential: reg } }));
    assert.equal(b.userId, userId);
  });

  test('C4 deviceId over 256 characters -> 400 invalid_request (§4.2)', async () => {
    const s = await signUp();
    assertOk(s.res);
    const c3 = assertOk(await basic('POST', C3, { json: {} }));
    assertError(await basic('POST', C4, { json: { authenticationCredential: s.auth.assert(c3.options), challengeId: c3.challengeId, deviceId: 'd'.repeat(257) } }), 400, 'invalid_request');
  });

  test('C4 deviceId of 256 characters is accepted', async () => {
    const s = await signUp();
    assertOk(s.res);
    const c3 = assertOk(await basic('POST', C3, { json: {} }));
    assertOk(await basic('POST', C4, { json: { authenticationCredential: s.auth.assert(c3.options), challengeId: c3.challengeId, deviceId: 'd'.repeat(256) } }));
  });

  test('C2 deviceId over 256 characters -> 400 invalid_request (§4.2)', async () => {
    const t = await track(signet, uniqueUserId('pk-dev'), 'createPasskey');
    const c1 = assertOk(await http.bearer(t.token, 'POST', C1, { json: {} }));
    const reg = new SoftAuthenticator({ origin: ORIGIN }).register(c1.options);
    assertError(await http.bearer(t.token, 'POST', C2, { json: { registrationCredential: reg, challengeId: c1.challengeId, deviceId: 'd'.repeat(257) } }), 400, 'invalid_request');
  });

  test('C4 with id != rawId -> 400 invalid_credential (§6.4 step 4)', async () => {
    const s = await signUp();
    assertOk(s.res);
    const c3 = assertOk(await basic('POST', C3, { json: {} }));
    const asr = s.auth.assert(c3.options);
    asr.id = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64url'); // rawId unchanged
    assertError(await basic('POST', C4, { json: { authenticationCredential: asr, challengeId: c3.challengeId } }), 400, 'invalid_credential');
  });

  test('C2 with id != rawId -> 400 invalid_credential (§6.2 step 4)', async () => {
    const t = await track(signet, uniqueUserId('pk-idraw'), 'createPasskey');
    const c1 = assertOk(await http.bearer(t.token, 'POST', C1, { json: {} }));
    const reg = new SoftAuthenticator({ origin: ORIGIN }).register(c1.options);
    reg.id = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64url');
    assertError(await http.bearer(t.token, 'POST', C2, { json: { registrationCredential: reg, challengeId: c1.challengeId } }), 400, 'invalid_credential');
  });

  test('passkeys and security keys stay apart: C3 Bearer lists passkeys only, C10 security keys only', async () => {
    const s = await signUp({ scope: 'add:authenticators' });
    const { accessToken } = assertOk(s.res);
    const keyAuth = new SoftAuthenticator({ origin: ORIGIN });
    const o8 = assertOk(await http.bearer(accessToken, 'POST', C8, { json: {} }));
    assert.deepEqual(o8.excludeCredentials.map((c) => c.id), [s.credentialId], 'C8 excludes the passkey too');
    const reg = keyAuth.register(o8);
    assertOk(await http.bearer(accessToken, 'POST', C9, { json: reg }));
    const t = await track(signet, s.userId, 'stepUp');
    const c3 = assertOk(await http.bearer(t.token, 'POST', C3, { json: {} }));
    assert.deepEqual(c3.options.allowCredentials.map((c) => c.id), [s.credentialId]);
    const o10 = assertOk(await http.bearer(t.token, 'POST', C10, { json: {} }));
    assert.deepEqual(o10.allowCredentials.map((c) => c.id), [reg.id]);
    const kinds = (await node.getAuthenticators({ userId: s.userId })).map((a) => a.verificationMethod).sort();
    assert.deepEqual(kinds, ['PASSKEY', 'SECURITY_KEY']);
  });

  test('concurrent replays of one C4 body (§5, compare-and-set): exactly one succeeds', async () => {
    const s = await signUp();
    assertOk(s.res);
    const c3 = assertOk(await basic('POST', C3, { json: {} }));
    const body = { authenticationCredential: s.auth.assert(c3.options), challengeId: c3.challengeId };
    const results = await Promise.all(Array.from({ length: 6 }, () => basic('POST', C4, { json: body })));
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 400, 400, 400, 400, 400], results.map((r) => r.text).join('\n'));
  });

  test("a C3 challenge made under one action's token, verified under another action's token -> 400 invalid_request", async () => {
    const s = await signUp();
    assertOk(s.res);
    const t1 = await track(signet, s.userId, 'reauthenticate');
    const t2 = await track(signet, s.userId, 'transfer');
    const c3 = assertOk(await http.bearer(t1.token, 'POST', C3, { json: {} }));
    const asr = s.auth.assert(c3.options);
    assertError(await http.bearer(t2.token, 'POST', C4, { json: { authenticationCredential: asr, challengeId: c3.challengeId } }), 400, 'invalid_request');
    assert.equal(assertOk(await validate(t2.token)).isValid, false);
  });

  test("another user's passkey under a Bearer token -> 400 invalid_credential", async () => {
    const a = await signUp();
    const b = await signUp();
    assertOk(a.res); assertOk(b.res);
    const t = await track(signet, a.userId, 'reauthenticate');
    const c3 = assertOk(await http.bearer(t.token, 'POST', C3, { json: {} }));
    const asr = b.auth.assert({ ...c3.options });
    assertError(await http.bearer(t.token, 'POST', C4, { json: { authenticationCredential: asr, challengeId: c3.challengeId } }), 400, 'invalid_credential');
  });

  test('unknown credential -> 400 invalid_credential / unknown_credential', async () => {
    const c3 = assertOk(await basic('POST', C3, { json: {} }));
    const stranger = new SoftAuthenticator({ origin: ORIGIN });
    stranger.register({ challenge: 'x', rp: { id: 'localhost' }, user: { id: 'AAAA' } });
    const asr = stranger.assert(c3.options);
    assertError(await basic('POST', C4, { json: { authenticationCredential: asr, challengeId: c3.challengeId } }), 400, 'invalid_credential', 'unknown_credential');
  });

  test('bad signature, wrong origin, wrong userHandle -> 400 invalid_credential; action state unchanged (Q13)', async () => {
    const s = await signUp();
    assertOk(s.res);
    const t = await track(signet, s.userId, 'reauthenticate');
    const cases = [
      (o) => { const a = s.auth.assert(o); a.response.signature = Buffer.from('3006020101020101', 'hex').toString('base64url'); return a; },
      (o) => s.auth.assert(o, { origin: 'http://evil.localhost:5173' }),
      (o) => s.auth.assert(o, { userHandle: Buffer.from('someone else').toString('base64url') }),
    ];
    for (const make of cases) {
      const c3 = assertOk(await http.bearer(t.token, 'POST', C3, { json: {} }));
      const asr = make(c3.options);
      assertError(await http.bearer(t.token, 'POST', C4, { json: { authenticationCredential: asr, challengeId: c3.challengeId } }), 400, 'invalid_credential');
    }
    const v = assertOk(await validate(t.token));
    assert.equal(v.isValid, false);
    assert.equal(v.state, 'CHALLENGE_REQUIRED');
  });

  test('sign counter that does not increase -> 400 invalid_credential', async () => {
    const s = await signUp();
    assertOk(s.res);
    assertOk((await signInBasic(s.auth)).res); // counter 1
    const c3 = assertOk(await basic('POST', C3, { json: {} }));
    const asr = s.auth.assert(c3.options, { counterStep: 0 }); // counter 1 again
    assertError(await basic('POST', C4, { json: { authenticationCredential: asr, challengeId: c3.challengeId } }), 400, 'invalid_credential');
  });

  test('a registration challengeId at C4 -> 400 invalid_request (other ceremony type)', async () => {
    const s = await signUp();
    assertOk(s.res);
    const t = await track(signet, s.userId, 'createPasskey', { scope: 'add:authenticators' });
    const c1 = assertOk(await http.bearer(t.token, 'POST', C1, { json: {} }));
    const asr = s.auth.assert({ challenge: c1.options.challenge, rpId: 'localhost' });
    assertError(await http.bearer(t.token, 'POST', C4, { json: { authenticationCredential: asr, challengeId: c1.challengeId } }), 400, 'invalid_request');
  });

  test("tenant isolation: tenant A's credential at tenant B's C4 -> unknown_credential; A's token with B's secret at validate -> invalid_token", async () => {
    const s = await signUp();
    const { accessToken } = assertOk(s.res);
    const bAuth = basicFor(signet.tenants[1].tenantId);
    const c3 = assertOk(await http.raw('POST', C3, { headers: { Authorization: bAuth }, json: {} }));
    const asr = s.auth.assert(c3.options);
    assertError(await http.raw('POST', C4, { headers: { Authorization: bAuth }, json: { authenticationCredential: asr, challengeId: c3.challengeId } }), 400, 'invalid_credential', 'unknown_credential');
    const r = await http.serverAs(signet.tenants[1].secretKey, 'POST', '/v1/validate', { json: { token: accessToken } });
    const e = assertError(r, 400, 'invalid_request', 'invalid_token');
    assert.equal(e.isValid, false);
  });

  test('deleted authenticator (Server API) can no longer sign in: C4 -> 400 unknown_credential', async () => {
    const s = await signUp();
    const { userAuthenticatorId } = assertOk(s.res);
    assertOk(await http.server('DELETE', `/v1/users/${enc(s.userId)}/authenticators/${userAuthenticatorId}`));
    const { res } = await signInBasic(s.auth);
    assertError(res, 400, 'invalid_credential', 'unknown_credential');
  });
});

describe('more challenge and verification rules', () => {
  test('C3 under Bearer with a C5 challenge made under Basic (not for the token\'s action) -> 400 invalid_request', async () => {
    const s = await signUp();
    assertOk(s.res);
    const { challengeId } = assertOk(await basic('POST', C5, { json: { action: 'signInWithPasskey' } }));
    const t = await track(signet, s.userId, 'reauthenticate');
    assertError(await http.bearer(t.token, 'POST', C3, { json: { challengeId } }), 400, 'invalid_request');
  });

  test('C5 idempotencyKey over 256 characters -> 400 invalid_request', async () => {
    assertError(await basic('POST', C5, { json: { action: 'a', idempotencyKey: 'k'.repeat(257) } }), 400, 'invalid_request');
  });

  test('C5 idempotencyKey (browser >= 1.21) becomes the action\'s key', async () => {
    const s = await signUp();
    assertOk(s.res);
    const key = crypto.randomUUID();
    const { challengeId } = assertOk(await basic('POST', C5, { json: { action: 'keyed', idempotencyKey: key } }));
    const c3 = assertOk(await basic('POST', C3, { json: { challengeId } }));
    const b = assertOk(await basic('POST', C4, { json: { authenticationCredential: s.auth.assert(c3.options), challengeId } }));
    const v = assertOk(await validate(b.accessToken));
    assert.equal(v.idempotencyKey, key);
    assert.equal(v.actionCode, 'keyed');
  });

  test('C4 body that is not a JSON object, or authenticationCredential null -> 400 invalid_request', async () => {
    const c3 = assertOk(await basic('POST', C3, { json: {} }));
    assertError(await basic('POST', C4, { body: '[1]', headers: { 'Content-Type': 'application/json' } }), 400, 'invalid_request');
    assertError(await basic('POST', C4, { json: { authenticationCredential: null, challengeId: c3.challengeId } }), 400, 'invalid_request');
  });

  test('tampered clientDataJSON (signature no longer matches) -> 400 invalid_credential', async () => {
    const s = await signUp();
    assertOk(s.res);
    const c3 = assertOk(await basic('POST', C3, { json: {} }));
    const asr = s.auth.assert(c3.options);
    const cd = JSON.parse(Buffer.from(asr.response.clientDataJSON, 'base64url'));
    cd.extra = 'x';
    asr.response.clientDataJSON = Buffer.from(JSON.stringify(cd)).toString('base64url');
    assertError(await basic('POST', C4, { json: { authenticationCredential: asr, challengeId: c3.challengeId } }), 400, 'invalid_credential');
  });

  test('sign counters that stay 0 (authenticators without counters) are accepted', async () => {
    const s = await signUp();
    assertOk(s.res);
    for (let i = 0; i < 2; i++) {
      const c3 = assertOk(await basic('POST', C3, { json: {} }));
      assertOk(await basic('POST', C4, { json: { authenticationCredential: s.auth.assert(c3.options, { counterStep: 0 }), challengeId: c3.challengeId } }));
    }
  });

  test('deleting the user deletes its passkeys: C4 -> unknown_credential', async () => {
    const s = await signUp();
    assertOk(s.res);
    assertOk(await http.server('DELETE', `/v1/users/${enc(s.userId)}`));
    assertError((await signInBasic(s.auth)).res, 400, 'invalid_credential', 'unknown_credential');
  });

  test('tenant with userVerification required: options say required; C2 and C4 without UV -> 400 invalid_credential', async () => {
    const uvTenant = signet.tenants[2];
    const uvBasic = basicFor(uvTenant.tenantId);
    const userId = uniqueUserId('uv');
    const auth = new SoftAuthenticator({ origin: ORIGIN });
    const t = await track(signet, userId, 'createPasskey', {}, uvTenant.secretKey);
    let c1 = assertOk(await http.bearer(t.token, 'POST', C1, { json: {} }));
    assert.equal(c1.options.authenticatorSelection.userVerification, 'required');
    assertError(await http.bearer(t.token, 'POST', C2, { json: { registrationCredential: auth.register(c1.options, { uv: false }), challengeId: c1.challengeId } }), 400, 'invalid_credential');
    c1 = assertOk(await http.bearer(t.token, 'POST', C1, { json: {} }));
    assertOk(await http.bearer(t.token, 'POST', C2, { json: { registrationCredential: auth.register(c1.options), challengeId: c1.challengeId } }));
    let c3 = assertOk(await http.raw('POST', C3, { headers: { Authorization: uvBasic }, json: {} }));
    assert.equal(c3.options.userVerification, 'required');
    const noUv = auth.assert(c3.options, { uv: false, credentialId: [...auth.credentials.keys()][1] });
    assertError(await http.raw('POST', C4, { headers: { Authorization: uvBasic }, json: { authenticationCredential: noUv, challengeId: c3.challengeId } }), 400, 'invalid_credential');
    c3 = assertOk(await http.raw('POST', C3, { headers: { Authorization: uvBasic }, json: {} }));
    const withUv = auth.assert(c3.options, { credentialId: [...auth.credentials.keys()][1] });
    assertOk(await http.raw('POST', C4, { headers: { Authorization: uvBasic }, json: { authenticationCredential: withUv, challengeId: c3.challengeId } }));
  });
});

describe('users, tokens and defaults around enrolment', () => {
  test('track for an enrolled user: CHALLENGE_REQUIRED, isEnrolled, PASSKEY enrolled and default', async () => {
    const s = await signUp();
    assertOk(s.res);
    const t = await track(signet, s.userId, 'signIn');
    assert.equal(t.state, 'CHALLENGE_REQUIRED');
    assert.equal(t.isEnrolled, true);
    assert.deepEqual(t.enrolledVerificationMethods, ['PASSKEY']);
    assert.equal(t.defaultVerificationMethod, 'PASSKEY');
  });

  test('a user with only a security key is enrolled with SECURITY_KEY', async () => {
    const userId = uniqueUserId('sk-only');
    const t = await track(signet, userId, 'addSecurityKey');
    const o8 = assertOk(await http.bearer(t.token, 'POST', C8, { json: {} }));
    assertOk(await http.bearer(t.token, 'POST', C9, { json: new SoftAuthenticator({ origin: ORIGIN }).register(o8) }));
    const u = await node.getUser({ userId });
    assert.equal(u.isEnrolled, true);
    assert.deepEqual(u.enrolledVerificationMethods, ['SECURITY_KEY']);
  });

  test('track with the idempotencyKey of a completed action returns CHALLENGE_SUCCEEDED and a fresh token', async () => {
    const s = await signUp();
    assertOk(s.res);
    const again = await track(signet, s.userId, 'createPasskey', { idempotencyKey: s.track.idempotencyKey });
    assert.equal(again.state, 'CHALLENGE_SUCCEEDED');
    assert.equal(again.idempotencyKey, s.track.idempotencyKey);
    assert.equal(assertOk(await validate(again.token)).isValid, true);
  });

  test('isDefault (§9.2) moves to the oldest remaining authenticator when the default one is deleted', async () => {
    const s = await signUp();
    const first = assertOk(s.res);
    const c1 = assertOk(await http.bearer(first.accessToken, 'POST', C1, { json: {} }));
    const second = assertOk(await http.bearer(first.accessToken, 'POST', C2, { json: { registrationCredential: s.auth.register(c1.options), challengeId: c1.challengeId } }));
    let list = assertOk(await http.bearer(second.accessToken, 'GET', C7));
    assert.deepEqual(list.map((a) => [a.userAuthenticatorId, a.isDefault]).sort(), [[first.userAuthenticatorId, true], [second.userAuthenticatorId, false]].sort());
    assertOk(await http.server('DELETE', `/v1/users/${enc(s.userId)}/authenticators/${first.userAuthenticatorId}`));
    list = assertOk(await http.bearer(second.accessToken, 'GET', C7));
    assert.deepEqual(list.map((a) => [a.userAuthenticatorId, a.isDefault]), [[second.userAuthenticatorId, true]]);
  });

  test('after the last authenticator is deleted: not enrolled, no defaultVerificationMethod', async () => {
    const s = await signUp();
    const { userAuthenticatorId } = assertOk(s.res);
    await node.deleteAuthenticator({ userId: s.userId, userAuthenticatorId });
    const u = assertOk(await http.server('GET', `/v1/users/${enc(s.userId)}`));
    assert.equal(u.isEnrolled, false);
    assert.deepEqual(u.enrolledVerificationMethods, []);
    assert.equal(u.defaultVerificationMethod, undefined);
  });

  test('validate a token-less sign-in token with another userId -> 400 invalid_request', async () => {
    const s = await signUp();
    assertOk(s.res);
    const b = assertOk((await signInBasic(s.auth)).res);
    const e = assertError(await validate(b.accessToken, { userId: 'someone-else' }), 400, 'invalid_request', 'invalid_request');
    assert.equal(e.isValid, false);
  });

  test('C7 with the token of a deleted user -> 404 not_found', async () => {
    const s = await signUp();
    const { accessToken } = assertOk(s.res);
    assertOk(await http.server('DELETE', `/v1/users/${enc(s.userId)}`));
    assertError(await http.bearer(accessToken, 'GET', C7), 404, 'not_found');
  });
});

describe('SPC payment authentication (§10.2)', () => {
  const PAYMENT = { amount: '42.00', currency: 'USD', payeeName: 'Shop', payeeOrigin: 'https://shop.example' };

  /** A user with one ordinary and one payment-capable passkey; a track with the transaction. */
  async function payer() {
    const s = await signUp({ scope: 'add:authenticators' });
    assertOk(s.res);
    const t0 = await track(signet, s.userId, 'createPasskey', { scope: 'add:authenticators' });
    const c1 = assertOk(await http.bearer(t0.token, 'POST', C1, { json: { securePaymentConfirmation: true, instrumentDisplayName: 'Visa ••1234' } }));
    const reg = s.auth.register(c1.options);
    assertOk(await http.bearer(t0.token, 'POST', C2, { json: { registrationCredential: reg, challengeId: c1.challengeId } }));
    const t = await track(signet, s.userId, 'pay', { custom: PAYMENT });
    return { ...s, spcCredentialId: reg.id, payToken: t.token };
  }
  const paymentClientData = (o, total = { value: PAYMENT.amount, currency: PAYMENT.currency }) => ({
    payment: { rpId: 'localhost', topOrigin: PAYMENT.payeeOrigin, payeeName: PAYMENT.payeeName, payeeOrigin: PAYMENT.payeeOrigin, total, instrument: { displayName: 'Visa ••1234', icon: 'https://shop.example/card.png' } },
  });

  test('C3 with securePaymentConfirmation: payment-capable credentials only, UV required, paymentInstruments and payment', async () => {
    const p = await payer();
    const b = assertOk(await http.bearer(p.payToken, 'POST', C3, { json: { securePaymentConfirmation: true } }));
    assert.deepEqual(b.options.allowCredentials.map((c) => c.id), [p.spcCredentialId]);
    assert.equal(b.options.userVerification, 'required');
    assert.deepEqual(b.paymentInstruments, [{ credentialId: p.spcCredentialId, displayName: 'Visa ••1234' }]);
    assert.deepEqual(b.payment, PAYMENT);
  });

  test('C3 with securePaymentConfirmation for a user without a payment-capable passkey -> 404 not_found', async () => {
    const s = await signUp();
    assertOk(s.res);
    const t = await track(signet, s.userId, 'pay', { custom: PAYMENT });
    assertError(await http.bearer(t.token, 'POST', C3, { json: { securePaymentConfirmation: true } }), 404, 'not_found');
  });

  test('C4 with a payment.get assertion from the merchant origin -> 200; validate CHALLENGE_SUCCEEDED', async () => {
    const p = await payer();
    const c3 = assertOk(await http.bearer(p.payToken, 'POST', C3, { json: { securePaymentConfirmation: true } }));
    const asr = p.auth.assert(c3.options, { credentialId: p.spcCredentialId, type: 'payment.get', origin: PAYMENT.payeeOrigin, clientDataExtra: paymentClientData() });
    const b = assertOk(await http.bearer(p.payToken, 'POST', C4, { json: { authenticationCredential: asr, challengeId: c3.challengeId } }));
    const v = assertOk(await validate(b.accessToken));
    assert.equal(v.state, 'CHALLENGE_SUCCEEDED');
    assert.equal(v.actionCode, 'pay');
  });

  test('C4 payment.get with a different total -> 400 invalid_credential', async () => {
    const p = await payer();
    const c3 = assertOk(await http.bearer(p.payToken, 'POST', C3, { json: { securePaymentConfirmation: true } }));
    const asr = p.auth.assert(c3.options, { credentialId: p.spcCredentialId, type: 'payment.get', origin: PAYMENT.payeeOrigin,
      clientDataExtra: paymentClientData(c3.options, { value: '4200.00', currency: 'USD' }) });
    assertError(await http.bearer(p.payToken, 'POST', C4, { json: { authenticationCredential: asr, challengeId: c3.challengeId } }), 400, 'invalid_credential');
  });

  test('payment.get with an ordinary (not payment-capable) passkey -> 400 invalid_credential', async () => {
    // Holds today too: without SPC support the server refuses any payment.get assertion.
    const p = await payer();
    const c3 = assertOk(await http.bearer(p.payToken, 'POST', C3, { json: {} }));
    const asr = p.auth.assert(c3.options, { credentialId: p.credentialId, type: 'payment.get', origin: PAYMENT.payeeOrigin, clientDataExtra: paymentClientData() });
    assertError(await http.bearer(p.payToken, 'POST', C4, { json: { authenticationCredential: asr, challengeId: c3.challengeId } }), 400, 'invalid_credential');
  });
});

describe('C6 passkey lookup (§6.6) and C7 list (§6.7)', () => {
  test('C6: registered id -> 200 {credentialId, verifiedAt}; first registered in query order; singular alias', async () => {
    const s = await signUp();
    assertOk(s.res);
    const b = assertOk(await basic('GET', `${C6}?credentialIds=${s.credentialId}`));
    assert.equal(b.credentialId, s.credentialId);
    assert.match(b.verifiedAt, ISO_MS_Z);
    const b2 = assertOk(await basic('GET', `${C6}?credentialIds=AAAAAAAAAAAAAAAAAAAAAA,${s.credentialId}`));
    assert.equal(b2.credentialId, s.credentialId);
    assert.equal(assertOk(await basic('GET', `${C6}?credentialId=${s.credentialId}`)).credentialId, s.credentialId);
  });

  test('C6: none registered -> 404 not_found / invalid_credential; no parameter -> 400; no auth -> 401', async () => {
    assertError(await basic('GET', `${C6}?credentialIds=AAAAAAAAAAAAAAAAAAAAAA`), 404, 'not_found', 'invalid_credential');
    assertError(await basic('GET', C6), 400, 'invalid_request');
    assertError(await http.raw('GET', `${C6}?credentialIds=AAAA`), 401, 'unauthorized');
  });

  test("C6: another tenant's credential is not found", async () => {
    const s = await signUp();
    assertOk(s.res);
    const res = await http.raw('GET', `${C6}?credentialIds=${s.credentialId}`, { headers: { Authorization: basicFor(signet.tenants[1].tenantId) } });
    assertError(res, 404, 'not_found', 'invalid_credential');
  });

  test('C7: Bearer -> array of client-view authenticators; Basic -> 401', async () => {
    const s = await signUp({ username: 'list@example.com' });
    const { accessToken, userAuthenticatorId } = assertOk(s.res);
    const t = await track(signet, s.userId, 'manage');
    for (const token of [accessToken, t.token]) {
      const list = assertOk(await http.bearer(token, 'GET', C7));
      assert.ok(Array.isArray(list));
      assert.equal(list.length, 1);
      assert.equal(list[0].userAuthenticatorId, userAuthenticatorId);
      assert.equal(list[0].verificationMethod, 'PASSKEY');
      assert.equal(list[0].isDefault, true);
      assert.equal(list[0].userId, undefined);
      assert.equal(list[0].webauthnCredential.credentialId, s.credentialId);
    }
    assertError(await basic('GET', C7), 401, 'unauthorized');
  });
});

describe('security keys C8–C11 (§7)', () => {
  async function enrollKey(userId, token) {
    const auth = new SoftAuthenticator({ origin: ORIGIN });
    const opts = assertOk(await http.bearer(token, 'POST', C8, { json: {} }));
    const reg = auth.register(opts);
    reg.authenticatorAttachment = 'cross-platform';
    reg.response.transports = ['usb'];
    return { auth, opts, reg, res: await http.bearer(token, 'POST', C9, { json: reg }) };
  }

  test('C8 bare options (residentKey discouraged) → C9 bare credential → C10 → C11; get authenticators shows SECURITY_KEY', async () => {
    const userId = uniqueUserId('sk');
    const t = await track(signet, userId, 'addSecurityKey');
    const { auth, opts, res } = await enrollKey(userId, t.token);
    assert.equal(opts.challengeId, undefined, 'bare options, no wrapper');
    assert.equal(typeof opts.challenge, 'string');
    assert.equal(opts.rp.id, 'localhost');
    assert.equal(opts.authenticatorSelection.residentKey, 'discouraged');
    assert.equal(opts.authenticatorSelection.requireResidentKey, false);
    const b = assertOk(res);
    assert.equal(b.isVerified, true);
    assert.equal(b.userId, userId);
    assert.match(b.userAuthenticatorId, UUID_V4);
    assert.equal(typeof b.accessToken, 'string');

    const v = assertOk(await validate(b.accessToken));
    assert.equal(v.state, 'CHALLENGE_SUCCEEDED');
    assert.equal(v.verificationMethod, 'SECURITY_KEY');

    const t2 = await track(signet, userId, 'stepUp');
    const o10 = assertOk(await http.bearer(t2.token, 'POST', C10, { json: {} }));
    assert.deepEqual(o10.allowCredentials.map((c) => c.id), [[...auth.credentials.keys()][0]]);
    const asr = auth.assert(o10);
    const b11 = assertOk(await http.bearer(t2.token, 'POST', C11, { json: asr }));
    assert.equal(b11.isVerified, true);
    assert.equal(typeof b11.accessToken, 'string');
    const v2 = assertOk(await validate(b11.accessToken));
    assert.equal(v2.state, 'CHALLENGE_SUCCEEDED');
    assert.equal(v2.actionCode, 'stepUp');
    assert.equal(v2.verificationMethod, 'SECURITY_KEY');

    const list = await node.getAuthenticators({ userId });
    assert.equal(list.length, 1);
    assert.equal(list[0].verificationMethod, 'SECURITY_KEY');
    assert.equal(list[0].webauthnCredential.name, 'Security key');
    // A replayed C11 body -> refused
    assertError(await http.bearer(t2.token, 'POST', C11, { json: asr }), 400, 'invalid_request');
  });

  test('C8 with an enrolled user and no add:authenticators -> 401 insufficient_scope', async () => {
    const s = await signUp();
    assertOk(s.res);
    const t = await track(signet, s.userId, 'addSecurityKey');
    assertError(await http.bearer(t.token, 'POST', C8, { json: {} }), 401, 'unauthorized', 'insufficient_scope');
  });

  test('C9 without a pending C8 challenge -> 400; C8/C10 with Basic -> 401', async () => {
    const userId = uniqueUserId('sk-none');
    const t = await track(signet, userId, 'addSecurityKey');
    const reg = new SoftAuthenticator({ origin: ORIGIN }).register({ challenge: Buffer.alloc(32, 1).toString('base64url'), rp: { id: 'localhost' }, user: { id: 'AAAA' } });
    const r = await http.bearer(t.token, 'POST', C9, { json: reg });
    assert.equal(r.status, 400, r.text);
    assertError(await basic('POST', C8, { json: {} }), 401, 'unauthorized');
    assertError(await basic('POST', C10, { json: {} }), 401, 'unauthorized');
  });
});

describe('Server API with enrolled users (§8.6–§8.11, §9.1)', () => {
  test('get authenticators (§8.6): server view with every §9.1 member; [] for an unknown user', async () => {
    const s = await signUp({ username: 'view@example.com', auth: new SoftAuthenticator({ origin: ORIGIN, backup: true }) });
    const { userAuthenticatorId } = assertOk(s.res);
    const list = assertOk(await http.server('GET', `/v1/users/${enc(s.userId)}/authenticators`));
    assert.equal(list.length, 1);
    const a = list[0];
    assert.equal(a.userId, s.userId);
    assert.equal(a.userAuthenticatorId, userAuthenticatorId);
    assert.equal(a.verificationMethod, 'PASSKEY');
    assert.match(a.createdAt, ISO_MS_Z);
    assert.match(a.verifiedAt, ISO_MS_Z);
    assert.equal(a.lastVerifiedAt, undefined, 'lastVerifiedAt omitted until the first sign-in');
    assert.equal(a.username, 'view@example.com');
    assert.equal(a.displayName, 'view@example.com');
    assert.equal(a.isDefault, undefined, 'isDefault is client view only');
    const w = a.webauthnCredential;
    assert.equal(w.credentialId, s.credentialId);
    assert.match(w.deviceId, UUID_V4, 'a generated device id (Q20)');
    assert.equal(w.name, 'Passkey');
    assert.equal(w.aaguid, '00000000-0000-0000-0000-000000000000');
    assert.equal(w.credentialBackedUp, true);
    assert.equal(w.credentialDeviceType, 'multiDevice');
    assert.equal(w.authenticatorAttachment, 'platform');
    assert.match(w.verifiedAt, ISO_MS_Z);
    if (w.parsedUserAgent !== undefined) assert.equal(typeof w.parsedUserAgent.ua, 'string');
    assert.deepEqual(assertOk(await http.server('GET', `/v1/users/${enc(uniqueUserId('none'))}/authenticators`)), []);

    assertOk((await signInBasic(s.auth)).res);
    const after1 = assertOk(await http.server('GET', `/v1/users/${enc(s.userId)}/authenticators`))[0];
    assert.match(after1.lastVerifiedAt, ISO_MS_Z, 'lastVerifiedAt set by the sign-in');
  });

  test('device-bound passkey: credentialBackedUp false, credentialDeviceType singleDevice', async () => {
    const s = await signUp({ auth: new SoftAuthenticator({ origin: ORIGIN, backup: false }) });
    assertOk(s.res);
    const [a] = await node.getAuthenticators({ userId: s.userId });
    assert.equal(a.webauthnCredential.credentialBackedUp, false);
    assert.equal(a.webauthnCredential.credentialDeviceType, 'singleDevice');
  });

  test('get user after sign-up: isEnrolled, PASSKEY enrolled and default', async () => {
    const s = await signUp({ username: 'u@example.com' });
    assertOk(s.res);
    const u = await node.getUser({ userId: s.userId });
    assert.equal(u.isEnrolled, true);
    assert.deepEqual(u.enrolledVerificationMethods, ['PASSKEY']);
    assert.equal(u.defaultVerificationMethod, 'PASSKEY');
    assert.equal(u.username, 'u@example.com');
  });

  test('delete authenticator (§8.7): 200 {success:true}; again -> 404; the user is no longer enrolled', async () => {
    const s = await signUp();
    const { userAuthenticatorId } = assertOk(s.res);
    const path = `/v1/users/${enc(s.userId)}/authenticators/${userAuthenticatorId}`;
    assert.deepEqual(assertOk(await http.server('DELETE', path)), { success: true });
    assertError(await http.server('DELETE', path), 404, 'not_found');
    assertError(await http.server('DELETE', `/v1/users/${enc(uniqueUserId('x'))}/authenticators/${crypto.randomUUID()}`), 404, 'not_found');
    assert.equal((await node.getUser({ userId: s.userId })).isEnrolled, false);
    assert.deepEqual(await node.getAuthenticators({ userId: s.userId }), []);
    const t = await track(signet, s.userId, 'signIn');
    assert.equal(t.state, 'ALLOW');
  });

  test("delete authenticator of another user's id -> 404", async () => {
    const a = await signUp();
    const b = await signUp();
    assertOk(a.res); assertOk(b.res);
    assertError(await http.server('DELETE', `/v1/users/${enc(b.userId)}/authenticators/${a.res.json.userAuthenticatorId}`), 404, 'not_found');
  });

  test('get action (§8.8): shape after sign-up; unknown -> 404', async () => {
    const s = await signUp();
    assertOk(s.res);
    const a = assertOk(await http.server('GET', `/v1/users/${enc(s.userId)}/actions/createPasskey/${s.track.idempotencyKey}`));
    assert.equal(a.state, 'CHALLENGE_SUCCEEDED');
    assert.match(a.stateUpdatedAt, ISO_MS_Z);
    assert.match(a.createdAt, ISO_MS_Z);
    assert.equal(a.verificationMethod, 'PASSKEY');
    assert.deepEqual(a.ruleIds, []);
    assert.deepEqual(a.rules, []);
    assert.deepEqual(a.output, {});
    assertError(await http.server('GET', `/v1/users/${enc(s.userId)}/actions/createPasskey/${crypto.randomUUID()}`), 404, 'not_found');
    assertError(await http.server('GET', `/v1/users/${enc(s.userId)}/actions/other/${s.track.idempotencyKey}`), 404, 'not_found');
    const viaNode = await node.getAction({ userId: s.userId, action: 'createPasskey', idempotencyKey: s.track.idempotencyKey });
    assert.equal(viaNode.state, 'CHALLENGE_SUCCEEDED');
  });

  test('update action (§8.9): new state returned and reported by validate; bad state -> 400; unknown -> 404', async () => {
    const userId = uniqueUserId('upd');
    const t = await track(signet, userId, 'transfer');
    const path = `/v1/users/${enc(userId)}/actions/transfer/${t.idempotencyKey}`;
    const a = assertOk(await http.server('PATCH', path, { json: { state: 'REVIEW_REQUIRED' } }));
    assert.equal(a.state, 'REVIEW_REQUIRED');
    assert.match(a.createdAt, ISO_MS_Z);
    assert.deepEqual(a.ruleIds, []);
    const v = assertOk(await validate(t.token));
    assert.equal(v.state, 'REVIEW_REQUIRED');
    assert.equal(v.isValid, false);
    assertError(await http.server('PATCH', path, { json: { state: 'DONE' } }), 400, 'invalid_request');
    assertError(await http.server('PATCH', path, { json: {} }), 400, 'invalid_request');
    assertError(await http.server('PATCH', `/v1/users/${enc(userId)}/actions/transfer/${crypto.randomUUID()}`, { json: { state: 'ALLOW' } }), 404, 'not_found');
    const n = await node.updateAction({ userId, action: 'transfer', idempotencyKey: t.idempotencyKey, attributes: { state: 'CHALLENGE_SUCCEEDED' } });
    assert.equal(n.state, 'CHALLENGE_SUCCEEDED');
    assert.equal(assertOk(await validate(t.token)).isValid, true);
  });

  test('BLOCK set via update action: Client API refuses the token with 401 unauthorized (§3.4 step 5)', async () => {
    const userId = uniqueUserId('block');
    const t = await track(signet, userId, 'createPasskey');
    assertOk(await http.server('PATCH', `/v1/users/${enc(userId)}/actions/createPasskey/${t.idempotencyKey}`, { json: { state: 'BLOCK' } }));
    assertError(await http.bearer(t.token, 'POST', C1, { json: {} }), 401, 'unauthorized', 'unauthorized');
  });

  test('query user actions (§8.10): newest first, codes and state filters, item shape', async () => {
    const s = await signUp();
    assertOk(s.res);
    const t2 = await track(signet, s.userId, 'transfer');
    assertOk((await signInBasic(s.auth)).res);
    const all = assertOk(await http.server('GET', `/v1/users/${enc(s.userId)}/actions`));
    assert.deepEqual(all.map((a) => a.actionCode), ['signInWithPasskey', 'transfer', 'createPasskey']);
    const [first] = all;
    assert.match(first.idempotencyKey, UUID_V4);
    assert.match(first.createdAt, ISO_MS_Z);
    assert.match(first.updatedAt, ISO_MS_Z);
    assert.match(first.stateUpdatedAt, ISO_MS_Z);
    assert.equal(first.state, 'CHALLENGE_SUCCEEDED');
    assert.equal(first.verificationMethod, 'PASSKEY');
    assert.equal(first.verifiedByAuthenticatorId, s.res.json.userAuthenticatorId);
    const codes = assertOk(await http.server('GET', `/v1/users/${enc(s.userId)}/actions?codes=transfer,createPasskey`));
    assert.deepEqual(codes.map((a) => a.actionCode), ['transfer', 'createPasskey']);
    const req = assertOk(await http.server('GET', `/v1/users/${enc(s.userId)}/actions?state=CHALLENGE_REQUIRED`));
    assert.deepEqual(req.map((a) => a.idempotencyKey), [t2.idempotencyKey]);
    const future = new Date(Date.now() + 3600e3).toISOString();
    assert.deepEqual(assertOk(await http.server('GET', `/v1/users/${enc(s.userId)}/actions?fromDate=${future}`)), []);
    assertError(await http.server('GET', `/v1/users/${enc(s.userId)}/actions?state=NOPE`), 400, 'invalid_request');
    assertError(await http.server('GET', `/v1/users/${enc(s.userId)}/actions?fromDate=yesterday`), 400, 'invalid_request');
  });

  test('query users (§8.11): username/email filters, isEnrolled, token -> tokenPayload, pagination', async () => {
    const tag = uniqueUserId('q');
    const s = await signUp({ userId: `${tag}-1`, username: `${tag}@example.com`, trackBody: { email: `${tag}@example.com` } });
    const { accessToken } = assertOk(s.res);
    await track(signet, `${tag}-2`, 'signIn', { email: `${tag}-2@example.com` });
    const byName = assertOk(await http.server('GET', `/v1/users?username=${enc(`${tag}@example.com`)}`));
    assert.equal(byName.users.length, 1);
    const u = byName.users[0];
    assert.equal(u.userId, `${tag}-1`);
    assert.equal(u.isEnrolled, true);
    assert.deepEqual(u.enrolledVerificationMethods, ['PASSKEY']);
    assert.equal(u.emailVerified, false);
    assert.equal(u.phoneNumberVerified, false);
    assert.match(u.createdAt, ISO_MS_Z);
    assert.equal(byName.lastEvaluatedUserId, undefined);
    const byEmail = assertOk(await http.server('GET', `/v1/users?email=${enc(`${tag}-2@example.com`)}`));
    assert.deepEqual(byEmail.users.map((x) => x.userId), [`${tag}-2`]);
    assert.equal(byEmail.users[0].isEnrolled, false);
    const byToken = assertOk(await http.server('GET', `/v1/users?token=${enc(accessToken)}`));
    assert.deepEqual(byToken.users.map((x) => x.userId), [`${tag}-1`]);
    assert.equal(byToken.tokenPayload.sub, `${tag}-1`);
    assert.equal(byToken.tokenPayload.other.actionCode, 'createPasskey');
    assertError(await http.server('GET', '/v1/users?token=not-a-jwt'), 400, 'invalid_request', null);
    // Pagination over every user of the tenant, ordered by userId.
    const page1 = assertOk(await http.server('GET', '/v1/users?limit=1'));
    assert.equal(page1.users.length, 1);
    assert.equal(typeof page1.lastEvaluatedUserId, 'string');
    const page2 = assertOk(await http.server('GET', `/v1/users?limit=1&lastEvaluatedUserId=${enc(page1.lastEvaluatedUserId)}`));
    assert.equal(page2.users.length, 1);
    assert.ok(page2.users[0].userId > page1.users[0].userId, 'ordered by userId');
    assertError(await http.server('GET', '/v1/users?limit=0'), 400, 'invalid_request');
    assertError(await http.server('GET', '/v1/users?limit=1001'), 400, 'invalid_request');
    const viaNode = await node.queryUsers({ username: `${tag}@example.com` });
    assert.deepEqual(viaNode.users.map((x) => x.userId), [`${tag}-1`]);
  });

  test('new Server API routes without valid credentials -> 401', async () => {
    const bad = basicAuth('sk_nope');
    for (const [m, p] of [['GET', '/v1/users/x/authenticators'], ['DELETE', `/v1/users/x/authenticators/${crypto.randomUUID()}`],
      ['GET', `/v1/users/x/actions/a/${crypto.randomUUID()}`], ['PATCH', `/v1/users/x/actions/a/${crypto.randomUUID()}`],
      ['GET', '/v1/users/x/actions'], ['GET', '/v1/users']]) {
      assertError(await http.raw(m, p, { headers: { Authorization: bad }, json: m === 'PATCH' ? { state: 'ALLOW' } : undefined }), 401, 'unauthorized');
    }
  });
});
