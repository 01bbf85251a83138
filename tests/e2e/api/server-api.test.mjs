// Server API over real HTTP: track (§8.1), validate (§8.2), get/update/delete user (§8.3–§8.5),
// Server API authentication (§1.3), and the official @authsignal/node 2.21.0 SDK against Signet.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Authsignal, AuthsignalError } from '@authsignal/node';
import { startSignet } from '../lib/server.mjs';
import { client, basicAuth, track, uniqueUserId, C1 } from '../lib/http.mjs';
import { decode, verifyHS256, signHS256, isB64urlUnpadded } from '../lib/jwt.mjs';
import { assertOk, assertError, assertJson, assertNoCors, UUID_V4, ISO_MS_Z } from '../lib/assertions.mjs';

let signet;
let http;
let other; // second tenant

before(async () => {
  signet = await startSignet({ extraTenants: 1 });
  http = client(signet);
  other = signet.tenants[1];
});
after(async () => { await signet?.stop(); });

const trackPath = (userId, action) => `/v1/users/${encodeURIComponent(userId)}/actions/${action}`;
const userPath = (userId) => `/v1/users/${encodeURIComponent(userId)}`;

describe('track (§8.1)', () => {
  test('new, unenrolled user: 200 with state ALLOW, token, idempotencyKey, url, enrolment fields', async () => {
    const userId = uniqueUserId();
    const res = await http.server('POST', trackPath(userId, 'createPasskey'), { json: {} });
    const b = assertOk(res);
    assert.equal(b.state, 'ALLOW');
    assert.equal(typeof b.token, 'string');
    assert.match(b.idempotencyKey, UUID_V4);
    assert.equal(typeof b.url, 'string');
    assert.ok(b.url.length > 0);
    assert.equal(b.isEnrolled, false);
    assert.deepEqual(b.enrolledVerificationMethods ?? [], []);
    assert.ok(Array.isArray(b.allowedVerificationMethods), 'allowedVerificationMethods must be an array');
    assert.ok(b.allowedVerificationMethods.includes('PASSKEY'), 'allowedVerificationMethods includes PASSKEY');
    assert.equal(b.defaultVerificationMethod, undefined, 'defaultVerificationMethod only when enrolled');
    assert.deepEqual(b.ruleIds, []);
    assertNoCors(res);
  });

  test('the token is the §3.2 HS256 JWT signed with the tenant secret, exp = iat + 600', async () => {
    const userId = uniqueUserId();
    const before = Math.floor(Date.now() / 1000);
    const b = await track(signet, userId, 'createPasskey');
    const after = Math.ceil(Date.now() / 1000);
    const parts = b.token.split('.');
    assert.equal(parts.length, 3);
    for (const p of parts) assert.ok(isB64urlUnpadded(p) && p.length > 0, `part not base64url unpadded: ${p}`);
    const { header, payload } = decode(b.token);
    assert.deepEqual(header, { alg: 'HS256', typ: 'JWT' });
    assert.ok(verifyHS256(b.token, signet.secretKey), 'HMAC-SHA256 with the tenant secret key must verify');
    assert.ok(!verifyHS256(b.token, other.secretKey), 'must not verify with another tenant key');
    assert.equal(typeof payload.iss, 'string');
    assert.ok(payload.iss.length > 0);
    assert.equal(payload.sub, userId);
    assert.ok(Number.isInteger(payload.iat) && Number.isInteger(payload.exp), 'iat/exp are integer seconds');
    assert.ok(payload.iat >= before - 5 && payload.iat <= after + 5, `iat ${payload.iat} not ~now`);
    assert.equal(payload.exp, payload.iat + 600);
    assert.match(payload.jti, UUID_V4);
    assert.equal(payload.scope, 'read:authenticators');
    assert.deepEqual(payload.other, {
      tenantId: signet.tenantId,
      publishableKey: signet.tenantId,
      userId,
      actionCode: 'createPasskey',
      idempotencyKey: b.idempotencyKey,
    });
  });

  test('scope from the body is added to read:authenticators', async () => {
    const b = await track(signet, uniqueUserId(), 'createPasskey', { scope: 'add:authenticators' });
    const scopes = decode(b.token).payload.scope.split(' ').sort();
    assert.deepEqual(scopes, ['add:authenticators', 'read:authenticators']);
  });

  test('unknown scope value -> 400 invalid_request', async () => {
    const res = await http.server('POST', trackPath(uniqueUserId(), 'createPasskey'), { json: { scope: 'add:authenticators root' } });
    assertError(res, 400, 'invalid_request');
  });

  test('idempotencyKey reuse returns the same action with a fresh token; new key otherwise', async () => {
    const userId = uniqueUserId();
    const key = crypto.randomUUID();
    const a = await track(signet, userId, 'signIn', { idempotencyKey: key });
    const b = await track(signet, userId, 'signIn', { idempotencyKey: key });
    assert.equal(a.idempotencyKey, key);
    assert.equal(b.idempotencyKey, key);
    assert.equal(b.state, a.state);
    assert.notEqual(decode(a.token).payload.jti, decode(b.token).payload.jti, 'fresh token (new jti)');
    const c = await track(signet, userId, 'signIn');
    assert.match(c.idempotencyKey, UUID_V4);
    assert.notEqual(c.idempotencyKey, key);
  });

  test('each track without a key mints a distinct UUID v4 idempotencyKey', async () => {
    const userId = uniqueUserId();
    const keys = new Set();
    for (let i = 0; i < 5; i++) keys.add((await track(signet, userId, 'signIn')).idempotencyKey);
    assert.equal(keys.size, 5);
    for (const k of keys) assert.match(k, UUID_V4);
  });

  test('the url answers 404 JSON on our server (no pre-built UI, Q19)', async () => {
    const b = await track(signet, uniqueUserId(), 'createPasskey');
    const u = new URL(b.url);
    const res = await http.raw('GET', u.pathname + u.search);
    assertError(res, 404, 'not_found');
  });

  for (const [name, action] of [
    ['space in action', 'sign%20in'],
    ['65-character action', 'a'.repeat(65)],
    ['dot in action', 'sign.in'],
  ]) {
    test(`bad action code (${name}) -> 400 invalid_request`, async () => {
      const res = await http.server('POST', `/v1/users/${uniqueUserId()}/actions/${action}`, { json: {} });
      assertError(res, 400, 'invalid_request');
    });
  }

  test('64-character action code with - and _ is accepted', async () => {
    const action = 'a_B-9'.repeat(12) + 'abcd';
    assert.equal(action.length, 64);
    const res = await http.server('POST', `/v1/users/${uniqueUserId()}/actions/${action}`, { json: {} });
    assertOk(res);
    assert.equal(decode(res.json.token).payload.other.actionCode, action);
  });

  test('userId of 257 characters -> 400 invalid_request; 256 accepted', async () => {
    const ok = await http.server('POST', `/v1/users/${'u'.repeat(256)}/actions/signIn`, { json: {} });
    assertOk(ok);
    const bad = await http.server('POST', `/v1/users/${'u'.repeat(257)}/actions/signIn`, { json: {} });
    assertError(bad, 400, 'invalid_request');
  });

  for (const [name, body] of [
    ['array body', '[]'],
    ['string body', '"x"'],
    ['number body', '42'],
    ['null body', 'null'],
    ['invalid JSON', '{"scope":'],
  ]) {
    test(`${name} -> 400 invalid_request`, async () => {
      const res = await http.server('POST', trackPath(uniqueUserId(), 'signIn'), {
        body, headers: { 'Content-Type': 'application/json' },
      });
      assertError(res, 400, 'invalid_request');
    });
  }

  test('empty body is treated as {}', async () => {
    const res = await http.server('POST', trackPath(uniqueUserId(), 'signIn'), { headers: { 'Content-Type': 'application/json' } });
    assertOk(res);
    assert.equal(res.json.state, 'ALLOW');
  });

  for (const [name, body] of [
    ['scope number', { scope: 5 }],
    ['username number', { username: 123 }],
    ['email object', { email: {} }],
    ['idempotencyKey boolean', { idempotencyKey: true }],
    ['custom string', { custom: 'x' }],
    ['custom array', { custom: ['x'] }],
    ['phoneNumber number', { phoneNumber: 64270000000 }],
    ['deviceId number', { deviceId: 1 }],
    ['locale boolean', { locale: false }],
  ]) {
    test(`wrong type (${name}) -> 400 invalid_request`, async () => {
      const res = await http.server('POST', trackPath(uniqueUserId(), 'signIn'), { json: body });
      assertError(res, 400, 'invalid_request');
    });
  }

  test('track does not overwrite stored username/email/phoneNumber', async () => {
    const userId = uniqueUserId();
    await track(signet, userId, 'signIn', { username: 'first', email: 'first@example.com', phoneNumber: '+15555550001' });
    await track(signet, userId, 'signIn', { username: 'second', email: 'second@example.com', phoneNumber: '+15555550002' });
    const u = assertOk(await http.server('GET', userPath(userId)));
    assert.equal(u.username, 'first');
    assert.equal(u.email, 'first@example.com');
    assert.equal(u.phoneNumber, '+15555550001');
  });

  test('scope listing read:authenticators again does not duplicate it', async () => {
    const b = await track(signet, uniqueUserId(), 'signIn', { scope: 'read:authenticators' });
    assert.equal(decode(b.token).payload.scope, 'read:authenticators');
  });

  test('all four scopes', async () => {
    const all = ['read:authenticators', 'add:authenticators', 'update:authenticators', 'remove:authenticators'];
    const b = await track(signet, uniqueUserId(), 'signIn', { scope: all.join(' ') });
    assert.deepEqual(decode(b.token).payload.scope.split(' ').sort(), [...all].sort());
  });

  test('unknown fields are ignored; track stores username/email/phoneNumber on a new user', async () => {
    const userId = uniqueUserId();
    await track(signet, userId, 'signIn', {
      username: 'jane', email: 'jane@example.com', phoneNumber: '+64270000000',
      redirectUrl: 'https://x.example', somethingElse: { deep: [1, 2] },
    });
    const u = assertOk(await http.server('GET', userPath(userId)));
    assert.equal(u.username, 'jane');
    assert.equal(u.email, 'jane@example.com');
    assert.equal(u.phoneNumber, '+64270000000');
  });
});

describe('Server API authentication (§1.3)', () => {
  const path = () => trackPath(uniqueUserId(), 'signIn');

  test('no Authorization -> 401 unauthorized', async () => {
    assertError(await http.raw('POST', path(), { json: {} }), 401, 'unauthorized');
  });
  test('unknown secret key -> 401 unauthorized', async () => {
    assertError(await http.serverAs('sk_not_a_real_key', 'POST', path(), { json: {} }), 401, 'unauthorized');
  });
  test('secret key with one character changed -> 401 unauthorized', async () => {
    const k = signet.secretKey;
    const bad = k.slice(0, -1) + (k.endsWith('A') ? 'B' : 'A');
    assertError(await http.serverAs(bad, 'POST', path(), { json: {} }), 401, 'unauthorized');
  });
  test('tenant id instead of the secret key -> 401 unauthorized', async () => {
    assertError(await http.serverAs(signet.tenantId, 'POST', path(), { json: {} }), 401, 'unauthorized');
  });
  test('Bearer (a valid track token) on the Server API -> 401 unauthorized', async () => {
    const t = await track(signet, uniqueUserId(), 'signIn');
    const res = await http.raw('POST', path(), { json: {}, headers: { Authorization: `Bearer ${t.token}` } });
    assertError(res, 401, 'unauthorized');
  });
  test('garbage Basic credentials -> 401 unauthorized', async () => {
    for (const h of ['Basic', 'Basic ', 'Basic !!!notbase64!!!', 'Basic Og==' /* ":" */, 'Digest abc']) {
      assertError(await http.raw('POST', path(), { json: {}, headers: { Authorization: h } }), 401, 'unauthorized');
    }
  });
  test('lenient decoding: with colon (SDK), without colon, base64url unpadded, lowercase scheme', async () => {
    const k = signet.secretKey;
    const variants = [
      basicAuth(k, true),
      basicAuth(k, false),
      'Basic ' + Buffer.from(`${k}:`).toString('base64url'),
      'basic ' + Buffer.from(`${k}:`).toString('base64'),
    ];
    for (const h of variants) {
      const res = await http.raw('POST', path(), { json: {}, headers: { Authorization: h } });
      assertOk(res);
    }
  });
  test("each tenant's secret key acts on its own tenant", async () => {
    const userId = uniqueUserId();
    const t = await track(signet, userId, 'signIn', {}, other.secretKey);
    assert.equal(decode(t.token).payload.other.tenantId, other.tenantId);
    assert.ok(verifyHS256(t.token, other.secretKey));
  });
});

describe('validate (§8.2)', () => {
  const validate = (body, key) => (key ? http.serverAs(key, 'POST', '/v1/validate', { json: body })
    : http.server('POST', '/v1/validate', { json: body }));

  test('fresh track token of an unenrolled user: 200 isValid false, state ALLOW, both action names', async () => {
    const userId = uniqueUserId();
    const t = await track(signet, userId, 'createPasskey');
    const b = assertOk(await validate({ token: t.token }));
    assert.equal(b.isValid, false);
    assert.equal(b.state, 'ALLOW');
    assert.equal(b.userId, userId);
    assert.equal(b.actionCode, 'createPasskey');
    assert.equal(b.action, 'createPasskey');
    assert.equal(b.idempotencyKey, t.idempotencyKey);
    assert.match(b.stateUpdatedAt, ISO_MS_Z);
    assert.equal(b.verificationMethod, undefined, 'verificationMethod only when set');
  });

  test('repeatable, and userId/action that match are accepted', async () => {
    const userId = uniqueUserId();
    const t = await track(signet, userId, 'signIn');
    const a = assertOk(await validate({ token: t.token }));
    const b = assertOk(await validate({ token: t.token, userId, action: 'signIn' }));
    assert.equal(b.state, a.state);
    assert.equal(b.isValid, false);
  });

  test('userId: null and action: null are treated as absent', async () => {
    const t = await track(signet, uniqueUserId(), 'signIn');
    assert.equal(assertOk(await validate({ token: t.token, userId: null, action: null })).isValid, false);
  });

  const expectValidateError = async (body, errorCode, key) => {
    const res = await validate(body, key);
    const e = assertError(res, 400, 'invalid_request', errorCode);
    assert.equal(e.isValid, false, 'validate errors carry isValid: false');
  };

  test('missing token -> 400 invalid_request', async () => { await expectValidateError({}, 'invalid_request'); });
  test('empty body -> 400 invalid_request with isValid false', async () => {
    const res = await http.server('POST', '/v1/validate', { headers: { 'Content-Type': 'application/json' } });
    assert.equal(assertError(res, 400, 'invalid_request').isValid, false);
  });
  test('non-object body -> 400 invalid_request', async () => {
    const res = await http.server('POST', '/v1/validate', { body: '["token"]', headers: { 'Content-Type': 'application/json' } });
    assertError(res, 400, 'invalid_request');
  });
  test('token of wrong type -> 400 invalid_request', async () => { await expectValidateError({ token: 42 }, 'invalid_request'); });
  test('userId mismatch -> 400 invalid_request', async () => {
    const t = await track(signet, uniqueUserId(), 'signIn');
    await expectValidateError({ token: t.token, userId: 'someone-else' }, 'invalid_request');
  });
  test('action mismatch -> 400 invalid_request', async () => {
    const t = await track(signet, uniqueUserId(), 'signIn');
    await expectValidateError({ token: t.token, action: 'createPasskey' }, 'invalid_request');
  });
  test('garbage token -> 400 invalid_token', async () => { await expectValidateError({ token: 'not-a-jwt' }, 'invalid_token'); });
  test('bad signature -> 400 invalid_token', async () => {
    const t = await track(signet, uniqueUserId(), 'signIn');
    const [h, p] = t.token.split('.');
    await expectValidateError({ token: `${h}.${p}.${Buffer.alloc(32, 7).toString('base64url')}` }, 'invalid_token');
  });
  test('alg none -> 400 invalid_token', async () => {
    const t = await track(signet, uniqueUserId(), 'signIn');
    const { payload } = decode(t.token);
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${t.token.split('.')[1]}.`;
    await expectValidateError({ token: none }, 'invalid_token');
    assert.ok(payload.sub);
  });
  test("token issued for another tenant, validated with this tenant's key -> 400 invalid_token", async () => {
    const t = await track(signet, uniqueUserId(), 'signIn', {}, other.secretKey);
    await expectValidateError({ token: t.token }, 'invalid_token');
  });
  test('expired token (HS256, tenant key, exp in the past) -> 400 expired_token', async () => {
    const t = await track(signet, uniqueUserId(), 'signIn');
    const { payload } = decode(t.token);
    const now = Math.floor(Date.now() / 1000);
    const expired = signHS256({ ...payload, iat: now - 700, exp: now - 100 }, signet.secretKey);
    await expectValidateError({ token: expired }, 'expired_token');
    // Control: the same crafting with a future exp is accepted, so the failure above is the expiry.
    const fresh = signHS256({ ...payload, iat: now, exp: now + 600 }, signet.secretKey);
    assertOk(await validate({ token: fresh }));
  });
  test('user deleted after track -> 404 not_found', async () => {
    const userId = uniqueUserId();
    const t = await track(signet, userId, 'signIn');
    assertOk(await http.server('DELETE', userPath(userId)));
    assertError(await validate({ token: t.token }), 404, 'not_found');
  });
  test('bad secret key -> 401 unauthorized', async () => {
    const t = await track(signet, uniqueUserId(), 'signIn');
    assertError(await validate({ token: t.token }, 'sk_wrong'), 401, 'unauthorized');
  });
});

describe('get / update / delete user (§8.3–§8.5)', () => {
  test('unknown user: 200 with isEnrolled false and the always-present members', async () => {
    const b = assertOk(await http.server('GET', userPath(uniqueUserId('nobody'))));
    assert.equal(b.isEnrolled, false);
    assert.equal(b.emailVerified, false);
    assert.equal(b.phoneNumberVerified, false);
    assert.deepEqual(b.enrolledVerificationMethods, []);
    assert.ok(Array.isArray(b.allowedVerificationMethods));
    assert.ok(b.allowedVerificationMethods.includes('PASSKEY'));
    for (const k of ['email', 'phoneNumber', 'username', 'displayName', 'defaultVerificationMethod']) {
      assert.equal(b[k], undefined, `${k} omitted when unset`);
    }
  });

  test('PATCH creates the user, returns the attributes after update; GET shows them', async () => {
    const userId = uniqueUserId();
    const attrs = {
      email: 'a@example.com', emailVerified: true, phoneNumber: '+15555550100', phoneNumberVerified: false,
      username: 'alice', displayName: 'Alice A', custom: { tier: 'gold', n: 3, vip: true }, locale: 'en-NZ',
    };
    const b = assertOk(await http.server('PATCH', userPath(userId), { json: attrs }));
    for (const [k, v] of Object.entries(attrs)) assert.deepEqual(b[k], v, `PATCH response ${k}`);
    const g = assertOk(await http.server('GET', userPath(userId)));
    for (const [k, v] of Object.entries(attrs)) assert.deepEqual(g[k], v, `GET ${k}`);
    assert.equal(g.isEnrolled, false);
  });

  test('PATCH: omitted members unchanged, null clears', async () => {
    const userId = uniqueUserId();
    assertOk(await http.server('PATCH', userPath(userId), { json: { email: 'x@example.com', username: 'x', displayName: 'X' } }));
    const b = assertOk(await http.server('PATCH', userPath(userId), { json: { displayName: null, username: 'y' } }));
    assert.equal(b.email, 'x@example.com');
    assert.equal(b.username, 'y');
    assert.equal(b.displayName, undefined);
    const g = assertOk(await http.server('GET', userPath(userId)));
    assert.equal(g.email, 'x@example.com');
    assert.equal(g.username, 'y');
    assert.equal(g.displayName, undefined);
  });

  test('PATCH with an empty body is {}: 200, nothing changes', async () => {
    const userId = uniqueUserId();
    assertOk(await http.server('PATCH', userPath(userId), { json: { email: 'keep@example.com' } }));
    const b = assertOk(await http.server('PATCH', userPath(userId), { headers: { 'Content-Type': 'application/json' } }));
    assert.equal(b.email, 'keep@example.com');
  });

  test('PATCH with a wrong type or a non-object body -> 400 invalid_request', async () => {
    assertError(await http.server('PATCH', userPath(uniqueUserId()), { json: { emailVerified: 'yes' } }), 400, 'invalid_request');
    assertError(await http.server('PATCH', userPath(uniqueUserId()), { json: { email: 5 } }), 400, 'invalid_request');
    assertError(await http.server('PATCH', userPath(uniqueUserId()), { json: ['x'] }), 400, 'invalid_request');
  });

  test('DELETE: 200 {success:true}, also for an unknown user; the user is gone afterwards', async () => {
    const userId = uniqueUserId();
    await track(signet, userId, 'signIn', { email: 'd@example.com' });
    const d = assertOk(await http.server('DELETE', userPath(userId)));
    assert.deepEqual(d, { success: true });
    const g = assertOk(await http.server('GET', userPath(userId)));
    assert.equal(g.email, undefined);
    assert.equal(g.isEnrolled, false);
    assert.deepEqual(assertOk(await http.server('DELETE', userPath(uniqueUserId('ghost')))), { success: true });
  });

  test('users are per tenant: the other tenant does not see this user', async () => {
    const userId = uniqueUserId();
    assertOk(await http.server('PATCH', userPath(userId), { json: { email: 'mine@example.com' } }));
    const g = assertOk(await http.serverAs(other.secretKey, 'GET', userPath(userId)));
    assert.equal(g.email, undefined);
  });

  test('get/patch/delete user without valid credentials -> 401', async () => {
    assertError(await http.raw('GET', userPath('x')), 401, 'unauthorized');
    assertError(await http.serverAs('nope', 'PATCH', userPath('x'), { json: {} }), 401, 'unauthorized');
    assertError(await http.serverAs('nope', 'DELETE', userPath('x')), 401, 'unauthorized');
  });
});

describe('enroll verified authenticator (§8.12, out of scope)', () => {
  for (const verificationMethod of ['PASSKEY', 'SMS', 'EMAIL_OTP', 'AUTHENTICATOR_APP']) {
    test(`POST /v1/users/{id}/authenticators with ${verificationMethod} -> 400 invalid_request`, async () => {
      const res = await http.server('POST', `/v1/users/${uniqueUserId()}/authenticators`, {
        json: { verificationMethod, phoneNumber: '+15555550100', email: 'e@example.com' },
      });
      assertError(res, 400, 'invalid_request');
    });
  }
});

describe('official @authsignal/node 2.21.0 against Signet', () => {
  test('track, validateChallenge, getUser, updateUser, deleteUser', async () => {
    const authsignal = new Authsignal({ apiSecretKey: signet.secretKey, apiUrl: signet.baseUrl });
    const userId = uniqueUserId('sdk');
    const tr = await authsignal.track({
      userId, action: 'createPasskey', attributes: { email: 'sdk@example.com', username: 'sdk-user' },
    });
    assert.equal(tr.state, 'ALLOW');
    assert.equal(typeof tr.token, 'string');
    assert.match(tr.idempotencyKey, UUID_V4);
    assert.equal(tr.isEnrolled, false);

    const v = await authsignal.validateChallenge({ token: tr.token });
    assert.equal(v.isValid, false);
    assert.equal(v.state, 'ALLOW');
    assert.equal(v.action, 'createPasskey');
    assert.equal(v.userId, userId);
    assert.equal(v.idempotencyKey, tr.idempotencyKey);

    const u = await authsignal.getUser({ userId });
    assert.equal(u.isEnrolled, false);
    assert.equal(u.email, 'sdk@example.com');
    assert.equal(u.username, 'sdk-user');

    const up = await authsignal.updateUser({ userId, attributes: { displayName: 'SDK User', emailVerified: true } });
    assert.equal(up.displayName, 'SDK User');
    assert.equal(up.emailVerified, true);
    assert.equal(up.email, 'sdk@example.com');
    assert.equal((await authsignal.getUser({ userId })).displayName, 'SDK User');

    await authsignal.deleteUser({ userId });
    const gone = await authsignal.getUser({ userId });
    assert.equal(gone.isEnrolled, false);
    assert.equal(gone.email, undefined);

    // The Client API refuses the deleted user's token (§8.5).
    const c1 = await http.bearer(tr.token, 'POST', C1, { json: {} });
    assertError(c1, 404, 'not_found');
  });

  test('SDK errors: bad secret -> AuthsignalError 401 unauthorized; bad token -> 400 invalid_request', async () => {
    const bad = new Authsignal({ apiSecretKey: 'sk_wrong', apiUrl: signet.baseUrl, retries: 0 });
    await assert.rejects(bad.track({ userId: 'u', action: 'signIn' }), (e) => {
      assert.ok(e instanceof AuthsignalError, `expected AuthsignalError, got ${e}`);
      assert.equal(e.statusCode, 401);
      assert.equal(e.errorCode, 'unauthorized');
      return true;
    });
    const good = new Authsignal({ apiSecretKey: signet.secretKey, apiUrl: signet.baseUrl, retries: 0 });
    await assert.rejects(good.validateChallenge({ token: 'garbage' }), (e) => {
      assert.ok(e instanceof AuthsignalError);
      assert.equal(e.statusCode, 400);
      assert.equal(e.errorCode, 'invalid_request');
      return true;
    });
  });

  test('SDK userId with @ (inserted raw in the path) works and round-trips', async () => {
    const authsignal = new Authsignal({ apiSecretKey: signet.secretKey, apiUrl: signet.baseUrl });
    const userId = `${uniqueUserId('mail')}@example.com`;
    const tr = await authsignal.track({ userId, action: 'signIn', attributes: { email: userId } });
    assert.equal(decode(tr.token).payload.sub, userId);
    assert.equal((await authsignal.getUser({ userId })).email, userId);
  });
});

test('Server API responses carry no CORS headers, even for an allowed Origin', async () => {
  const origin = signet.tenant.origins[0];
  const res = await http.server('POST', trackPath(uniqueUserId(), 'signIn'), { json: {}, headers: { Origin: origin } });
  assertOk(res);
  assertNoCors(res);
  const err = await http.raw('POST', '/v1/validate', { json: {}, headers: { Origin: origin } });
  assertJson(err);
  assertNoCors(err);
});
