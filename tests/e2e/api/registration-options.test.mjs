// C1 POST /v1/client/user-authenticators/passkey/registration-options (contract §6.1, §10.1, §4)
// and its /web alias, over real HTTP.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startSignet } from '../lib/server.mjs';
import { client, track, uniqueUserId, C1, C1W } from '../lib/http.mjs';
import { fromB64url, isB64urlUnpadded } from '../lib/jwt.mjs';
import { assertOk, assertError, UUID_V4 } from '../lib/assertions.mjs';

const TENANT_NAME = 'Signet C1 Test';
let signet;
let http;

before(async () => {
  signet = await startSignet({ name: TENANT_NAME, origins: ['http://localhost:5173'] });
  http = client(signet);
});
after(async () => { await signet?.stop(); });

async function tokenFor(userId = uniqueUserId(), trackBody = {}, action = 'createPasskey') {
  return (await track(signet, userId, action, trackBody)).token;
}
async function c1(token, body = {}, path = C1) {
  return http.bearer(token, 'POST', path, { json: body });
}
async function c1ok(token, body = {}, path = C1) {
  return assertOk(await c1(token, body, path));
}
const patchUser = async (userId, attrs) =>
  assertOk(await http.server('PATCH', `/v1/users/${encodeURIComponent(userId)}`, { json: attrs }));

/** Every rule of §6.1 that does not depend on the request body. */
function assertCommonOptions(b) {
  assert.deepEqual(Object.keys(b).sort(), ['challengeId', 'options'], 'response has exactly challengeId and options');
  assert.match(b.challengeId, UUID_V4);
  const o = b.options;
  assert.ok(isB64urlUnpadded(o.challenge), `challenge must be base64url without padding: ${o.challenge}`);
  assert.equal(fromB64url(o.challenge).length, 32, 'challenge is 32 bytes');
  assert.deepEqual(o.rp, { id: 'localhost', name: TENANT_NAME });
  assert.ok(isB64urlUnpadded(o.user.id), `user.id must be base64url without padding: ${o.user.id}`);
  assert.equal(fromB64url(o.user.id).length, 32, 'user handle is 32 bytes');
  assert.equal(typeof o.user.name, 'string');
  assert.equal(typeof o.user.displayName, 'string');
  assert.ok(Array.isArray(o.pubKeyCredParams));
  for (const p of o.pubKeyCredParams) {
    assert.equal(p.type, 'public-key');
    assert.ok(Number.isInteger(p.alg));
  }
  const algs = o.pubKeyCredParams.map((p) => p.alg);
  assert.ok(algs.includes(-7), 'ES256 (-7) offered');
  assert.ok(algs.includes(-257), 'RS256 (-257) offered');
  assert.equal(new Set(algs).size, algs.length, 'no duplicate algorithms');
  assert.equal(o.timeout, 300000);
  assert.equal(o.attestation, 'none');
  assert.ok(Array.isArray(o.excludeCredentials), 'excludeCredentials always present');
  assert.equal(o.hints, undefined, 'hints must not be emitted');
  assert.equal(o.extensions?.credProps, true, 'extensions.credProps');
}

function assertPlainSelection(o, attachment) {
  const expected = { residentKey: 'required', requireResidentKey: true, userVerification: 'preferred' };
  if (attachment) expected.authenticatorAttachment = attachment;
  assert.deepEqual(o.authenticatorSelection, expected);
  assert.deepEqual(o.extensions, { credProps: true });
}

const SPC_SELECTION = {
  authenticatorAttachment: 'platform', userVerification: 'required', residentKey: 'required', requireResidentKey: true,
};

describe('C1 success (§6.1)', () => {
  test('SDK 1.16.0 default body: full option shape', async () => {
    const userId = uniqueUserId();
    const b = await c1ok(await tokenFor(userId), { username: 'jane@example.com', authenticatorAttachment: 'platform' });
    assertCommonOptions(b);
    assert.equal(b.options.user.name, 'jane@example.com');
    assert.equal(b.options.user.displayName, 'jane@example.com', 'displayName defaults to the resolved username');
    assert.deepEqual(b.options.excludeCredentials, [], 'no passkeys yet');
    assertPlainSelection(b.options, 'platform');
  });

  test('empty JSON object body', async () => {
    const b = await c1ok(await tokenFor());
    assertCommonOptions(b);
    assertPlainSelection(b.options, undefined);
  });

  test('empty request body (no bytes) is treated as {}', async () => {
    const res = await http.bearer(await tokenFor(), 'POST', C1, { headers: { 'Content-Type': 'application/json' } });
    assertCommonOptions(assertOk(res));
  });

  test('Content-Type with parameters is accepted', async () => {
    const res = await http.bearer(await tokenFor(), 'POST', C1, {
      body: JSON.stringify({ username: 'ct' }), headers: { 'Content-Type': 'application/json; charset=utf-8' },
    });
    assert.equal(assertOk(res).options.user.name, 'ct');
  });

  test('authenticatorAttachment: cross-platform is echoed; absent and null give no preference', async () => {
    const t = await tokenFor();
    assertPlainSelection((await c1ok(t, { authenticatorAttachment: 'cross-platform' })).options, 'cross-platform');
    assertPlainSelection((await c1ok(t, { authenticatorAttachment: 'platform' })).options, 'platform');
    assertPlainSelection((await c1ok(t, { authenticatorAttachment: null })).options, undefined);
    assertPlainSelection((await c1ok(t, {})).options, undefined);
  });

  test('user.id is a stable 32-byte handle per user; different users differ', async () => {
    const userA = uniqueUserId('a');
    const a1 = await c1ok(await tokenFor(userA));
    const a2 = await c1ok(await tokenFor(userA, {}, 'signIn')); // another action, same user
    const a3 = await c1ok(await tokenFor(userA), { username: 'changed' });
    assert.equal(a2.options.user.id, a1.options.user.id);
    assert.equal(a3.options.user.id, a1.options.user.id);
    const b = await c1ok(await tokenFor(uniqueUserId('b')));
    assert.notEqual(b.options.user.id, a1.options.user.id);
  });

  test('a token may be used for several C1 calls; every challengeId is a distinct UUID v4, every challenge distinct', async () => {
    const t = await tokenFor();
    const ids = new Set();
    const challenges = new Set();
    for (let i = 0; i < 8; i++) {
      const b = await c1ok(t);
      assert.match(b.challengeId, UUID_V4);
      ids.add(b.challengeId);
      challenges.add(b.options.challenge);
    }
    assert.equal(ids.size, 8);
    assert.equal(challenges.size, 8);
  });

  test('40 concurrent C1 calls for one user: all 200, distinct challengeIds, one user handle', async () => {
    const t = await tokenFor();
    const results = await Promise.all(Array.from({ length: 40 }, () => c1(t, {})));
    const bodies = results.map((r) => assertOk(r));
    assert.equal(new Set(bodies.map((b) => b.challengeId)).size, 40);
    assert.equal(new Set(bodies.map((b) => b.options.user.id)).size, 1, 'concurrent first calls must not mint two user handles');
  });

  test('/web alias (C1w): identical contract', async () => {
    const userId = uniqueUserId();
    const t = await tokenFor(userId);
    const w = await c1ok(t, { username: 'web@example.com', authenticatorAttachment: 'platform' }, C1W);
    assertCommonOptions(w);
    assertPlainSelection(w.options, 'platform');
    assert.equal(w.options.user.name, 'web@example.com');
    const p = await c1ok(t, {}, C1);
    assert.equal(w.options.user.id, p.options.user.id, 'same user handle via both routes');
    assert.notEqual(w.challengeId, p.challengeId);
  });

  test('username and displayName of 256 characters are accepted', async () => {
    const name = 'n'.repeat(256);
    const dn = 'd'.repeat(256);
    const b = await c1ok(await tokenFor(), { username: name, displayName: dn });
    assert.equal(b.options.user.name, name);
    assert.equal(b.options.user.displayName, dn);
  });

  test('the 256-character limit counts characters, not UTF-8 bytes', async () => {
    const name = 'é'.repeat(256); // 512 bytes in UTF-8
    const b = await c1ok(await tokenFor(), { username: name });
    assert.equal(b.options.user.name, name);
  });

  test('username and displayName with non-ASCII characters round-trip', async () => {
    const b = await c1ok(await tokenFor(), { username: 'zoë@exämple.com', displayName: 'Zoë 🐧 Ærø' });
    assert.equal(b.options.user.name, 'zoë@exämple.com');
    assert.equal(b.options.user.displayName, 'Zoë 🐧 Ærø');
  });

  test('unknown fields are ignored; null fields are treated as absent', async () => {
    const userId = uniqueUserId();
    const b = await c1ok(await tokenFor(userId), {
      username: null, displayName: null, securePaymentConfirmation: null, instrumentDisplayName: null,
      hints: ['client-device'], useAutoRegister: true, extra: { a: 1 },
    });
    assertCommonOptions(b);
    assert.equal(b.options.user.name, userId);
    assertPlainSelection(b.options, undefined);
  });
});

describe('C1 username / displayName inference (§6.1)', () => {
  test('body username wins over everything; body displayName wins', async () => {
    const userId = uniqueUserId();
    await patchUser(userId, { username: 'stored-name', displayName: 'Stored Display', email: 'e@example.com' });
    const b = await c1ok(await tokenFor(userId), { username: 'given', displayName: 'Given Display' });
    assert.equal(b.options.user.name, 'given');
    assert.equal(b.options.user.displayName, 'Given Display');
  });

  test('no body username: stored username (from update-user) before email, phone, userId', async () => {
    const userId = uniqueUserId();
    await patchUser(userId, { username: 'stored-name', email: 'e@example.com', phoneNumber: '+15555550100' });
    const b = await c1ok(await tokenFor(userId));
    assert.equal(b.options.user.name, 'stored-name');
    assert.equal(b.options.user.displayName, 'stored-name', 'no stored displayName -> resolved username');
  });

  test('no body username: stored username from track', async () => {
    const userId = uniqueUserId();
    const b = await c1ok(await tokenFor(userId, { username: 'tracked-name', email: 't@example.com' }));
    assert.equal(b.options.user.name, 'tracked-name');
  });

  test('no username anywhere: email', async () => {
    const userId = uniqueUserId();
    const b = await c1ok(await tokenFor(userId, { email: 'only-email@example.com', phoneNumber: '+15555550101' }));
    assert.equal(b.options.user.name, 'only-email@example.com');
    assert.equal(b.options.user.displayName, 'only-email@example.com');
  });

  test('no username or email: phoneNumber', async () => {
    const userId = uniqueUserId();
    const b = await c1ok(await tokenFor(userId, { phoneNumber: '+15555550102' }));
    assert.equal(b.options.user.name, '+15555550102');
    assert.equal(b.options.user.displayName, '+15555550102');
  });

  test('nothing stored: userId', async () => {
    const userId = uniqueUserId('bare');
    const b = await c1ok(await tokenFor(userId));
    assert.equal(b.options.user.name, userId);
    assert.equal(b.options.user.displayName, userId);
  });

  test('stored displayName is used when the body has none; body username does not override it', async () => {
    const userId = uniqueUserId();
    await patchUser(userId, { displayName: 'Stored Display' });
    const b = await c1ok(await tokenFor(userId), { username: 'given' });
    assert.equal(b.options.user.name, 'given');
    assert.equal(b.options.user.displayName, 'Stored Display');
    const c = await c1ok(await tokenFor(userId));
    assert.equal(c.options.user.name, userId);
    assert.equal(c.options.user.displayName, 'Stored Display');
  });

  test('body displayName with no username: name is inferred, displayName is the body value', async () => {
    const userId = uniqueUserId();
    const b = await c1ok(await tokenFor(userId, { email: 'dn@example.com' }), { displayName: 'Only Display' });
    assert.equal(b.options.user.name, 'dn@example.com');
    assert.equal(b.options.user.displayName, 'Only Display');
  });

  test('update-user after an earlier C1 changes the defaults of later calls', async () => {
    const userId = uniqueUserId();
    const t = await tokenFor(userId);
    assert.equal((await c1ok(t)).options.user.name, userId);
    await patchUser(userId, { username: 'later-name', displayName: 'Later Display' });
    const b = await c1ok(t);
    assert.equal(b.options.user.name, 'later-name');
    assert.equal(b.options.user.displayName, 'Later Display');
  });
});

describe('C1 Secure Payment Confirmation variant (§10.1)', () => {
  test('securePaymentConfirmation: true -> exact authenticatorSelection and payment extension', async () => {
    const b = await c1ok(await tokenFor(), {
      username: 'payer@example.com', securePaymentConfirmation: true, instrumentDisplayName: 'Visa ••1234',
    });
    assertCommonOptions(b);
    assert.deepEqual(b.options.authenticatorSelection, SPC_SELECTION);
    assert.deepEqual(b.options.extensions, { credProps: true, payment: { isPayment: true } });
  });

  test('platform is forced whatever attachment was asked for (cross-platform, null, absent)', async () => {
    const t = await tokenFor();
    for (const a of ['cross-platform', 'platform', null, undefined]) {
      const body = { securePaymentConfirmation: true };
      if (a !== undefined) body.authenticatorAttachment = a;
      const b = await c1ok(t, body);
      assert.deepEqual(b.options.authenticatorSelection, SPC_SELECTION, `attachment ${a}`);
      assert.deepEqual(b.options.extensions, { credProps: true, payment: { isPayment: true } });
    }
  });

  test('securePaymentConfirmation: false is the plain variant; instrumentDisplayName alone is ignored', async () => {
    const t = await tokenFor();
    assertPlainSelection((await c1ok(t, { securePaymentConfirmation: false })).options, undefined);
    assertPlainSelection((await c1ok(t, { instrumentDisplayName: 'Visa ••1234' })).options, undefined);
  });

  test('SPC on the /web alias', async () => {
    const b = await c1ok(await tokenFor(), { securePaymentConfirmation: true }, C1W);
    assertCommonOptions(b);
    assert.deepEqual(b.options.authenticatorSelection, SPC_SELECTION);
    assert.deepEqual(b.options.extensions, { credProps: true, payment: { isPayment: true } });
  });

  test('instrumentDisplayName of 257 characters with SPC -> 400 invalid_request', async () => {
    const res = await c1(await tokenFor(), { securePaymentConfirmation: true, instrumentDisplayName: 'i'.repeat(257) });
    assertError(res, 400, 'invalid_request');
  });
});

describe('C1 request validation -> 400 invalid_request (§2.3, §4.2)', () => {
  const raw = async (body, headers = { 'Content-Type': 'application/json' }) =>
    http.bearer(await tokenFor(), 'POST', C1, { body, headers });

  for (const [name, body] of [
    ['array', '[]'],
    ['array of object', '[{"username":"x"}]'],
    ['string', '"username"'],
    ['number', '1'],
    ['true', 'true'],
    ['null', 'null'],
  ]) {
    test(`body not a JSON object (${name})`, async () => { assertError(await raw(body), 400, 'invalid_request'); });
  }

  for (const [name, body] of [
    ['truncated', '{"username":'],
    ['trailing comma', '{"username":"x",}'],
    ['single quotes', "{'username':'x'}"],
    ['bare word', 'hello'],
    ['two objects', '{}{}'],
    ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0x75, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d])],
  ]) {
    test(`invalid JSON (${name})`, async () => { assertError(await raw(body), 400, 'invalid_request'); });
  }

  for (const [name, body] of [
    ['username number', { username: 123 }],
    ['username array', { username: ['x'] }],
    ['displayName boolean', { displayName: true }],
    ['displayName object', { displayName: {} }],
    ['securePaymentConfirmation string', { securePaymentConfirmation: 'true' }],
    ['securePaymentConfirmation number', { securePaymentConfirmation: 1 }],
    ['instrumentDisplayName number (with SPC)', { securePaymentConfirmation: true, instrumentDisplayName: 7 }],
    ['authenticatorAttachment number', { authenticatorAttachment: 1 }],
    ['authenticatorAttachment boolean', { authenticatorAttachment: true }],
  ]) {
    test(`wrong type (${name})`, async () => {
      assertError(await c1(await tokenFor(), body), 400, 'invalid_request');
    });
  }

  for (const [name, body] of [
    ['username 257', { username: 'u'.repeat(257) }],
    ['displayName 257', { displayName: 'd'.repeat(257) }],
    ['username 257 multi-byte characters', { username: 'é'.repeat(257) }],
  ]) {
    test(`string over 256 characters (${name})`, async () => {
      assertError(await c1(await tokenFor(), body), 400, 'invalid_request');
    });
  }

  for (const a of ['usb', 'Platform', 'PLATFORM', '', 'cross_platform', 'any']) {
    test(`unknown authenticatorAttachment ${JSON.stringify(a)}`, async () => {
      assertError(await c1(await tokenFor(), { authenticatorAttachment: a }), 400, 'invalid_request');
    });
  }

  test('deeply nested JSON (30000 levels, under the body limit) -> 400 invalid_request, and the server survives', async () => {
    assertError(await raw('['.repeat(30000) + ']'.repeat(30000)), 400, 'invalid_request');
    const inObject = await raw(`{"extra":${'['.repeat(25000)}${']'.repeat(25000)}}`);
    assert.ok([200, 400].includes(inObject.status), `nested unknown field: ${inObject.status} ${inObject.text.slice(0, 200)}`);
    if (inObject.status === 400) assertError(inObject, 400, 'invalid_request');
    assertCommonOptions(await c1ok(await tokenFor()));
  });

  test('the same errors on the /web alias', async () => {
    const t = await tokenFor();
    assertError(await http.bearer(t, 'POST', C1W, { body: '[]', headers: { 'Content-Type': 'application/json' } }), 400, 'invalid_request');
    assertError(await c1(t, { authenticatorAttachment: 'usb' }, C1W), 400, 'invalid_request');
  });

  test('a rejected request does not break the token: the next valid call succeeds', async () => {
    const t = await tokenFor();
    assertError(await c1(t, { username: 5 }), 400, 'invalid_request');
    assertCommonOptions(await c1ok(t));
  });
});
