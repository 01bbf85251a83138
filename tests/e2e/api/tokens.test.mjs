// Bearer token checks at the Client API (contract §3.4 in order, §4.2), exercised on C1.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startSignet } from '../lib/server.mjs';
import { client, track, uniqueUserId, basicAuth, C1, C1W } from '../lib/http.mjs';
import { decode, sign, signHS256, unsigned, signRS256, b64urlJson } from '../lib/jwt.mjs';
import { assertOk, assertError } from '../lib/assertions.mjs';
import { SoftAuthenticator } from '../lib/soft-authenticator.mjs';

let signet;
let http;
let other;

before(async () => {
  signet = await startSignet({ extraTenants: 1 });
  http = client(signet);
  other = signet.tenants[1];
});
after(async () => { await signet?.stop(); });

const c1With = (authorization, path = C1) =>
  http.raw('POST', path, { json: {}, headers: authorization === undefined ? {} : { Authorization: authorization } });
const c1Bearer = (token, path = C1) => c1With(`Bearer ${token}`, path);
const now = () => Math.floor(Date.now() / 1000);

/** A fresh track token and its decoded parts. */
async function fresh(userId = uniqueUserId(), secretKey = signet.secretKey) {
  const t = await track(signet, userId, 'createPasskey', {}, secretKey);
  return { ...t, ...decode(t.token), userId };
}

describe('control: tokens crafted with the tenant secret are accepted', () => {
  // Proves the crafting helpers produce tokens the server accepts, so that every refusal
  // below is caused by the one thing each test breaks.
  test('re-signed copy of a real track token -> 200', async () => {
    const f = await fresh();
    assertOk(await c1Bearer(f.token));
    const copy = signHS256({ ...f.payload, iat: now(), exp: now() + 600, jti: crypto.randomUUID() }, signet.secretKey);
    assertOk(await c1Bearer(copy));
  });
});

describe('no or wrong scheme -> 401 unauthorized', () => {
  test('no Authorization header', async () => { assertError(await c1With(undefined), 401, 'unauthorized'); });
  test('no Authorization header on /web', async () => { assertError(await c1With(undefined, C1W), 401, 'unauthorized'); });
  test('Basic with the tenant id (all three §1.3 encodings): C1 requires Bearer', async () => {
    const id = signet.tenantId;
    for (const h of [
      'Basic ' + Buffer.from(encodeURIComponent(id)).toString('base64'),
      basicAuth(id),
      'Basic ' + Buffer.from(`${id}:`).toString('base64url'),
    ]) {
      assertError(await c1With(h), 401, 'unauthorized');
    }
  });
  test('Basic with the secret key', async () => { assertError(await c1With(basicAuth(signet.secretKey)), 401, 'unauthorized'); });
  test('unknown scheme (a valid token behind it) -> 401, never 200', async () => {
    // §4.2 says unparseable Authorization -> unauthorized; §3.4 step 1 folds scheme errors into
    // invalid_token. Either specific code is accepted here; the category must be unauthorized.
    const f = await fresh();
    for (const h of [`Token ${f.token}`, f.token, `Bearer${f.token}`]) {
      const res = await c1With(h);
      assertError(res, 401, 'unauthorized', null);
      assert.ok(['invalid_token', 'unauthorized'].includes(res.json.errorCode), `errorCode ${res.json.errorCode} for ${h.slice(0, 12)}`);
    }
  });

});

describe('malformed or forged tokens -> 401 invalid_token', () => {
  const expectInvalid = async (token) => assertError(await c1Bearer(token), 401, 'unauthorized', 'invalid_token');

  test('garbage strings', async () => {
    for (const t of ['garbage', 'a.b', 'a.b.c', 'a.b.c.d', '...', '%%%.%%%.%%%', 'eyJhbGciOiJIUzI1NiJ9..']) {
      await expectInvalid(t);
    }
  });
  test('empty Bearer', async () => {
    const res = await c1With('Bearer ');
    assert.equal(res.status, 401);
    assertError(res, 401, 'unauthorized', null);
    assert.ok(['invalid_token', 'unauthorized'].includes(res.json.errorCode), `errorCode ${res.json.errorCode}`);
  });
  test('alg none (empty signature)', async () => {
    const f = await fresh();
    await expectInvalid(unsigned(f.payload));
  });
  test('alg none with the real signature kept', async () => {
    const f = await fresh();
    await expectInvalid(`${b64urlJson({ alg: 'none', typ: 'JWT' })}.${f.parts[1]}.${f.parts[2]}`);
  });
  test('alg "None" / "NONE" / "hs256"', async () => {
    const f = await fresh();
    for (const alg of ['None', 'NONE', 'hs256']) await expectInvalid(sign({ alg, typ: 'JWT' }, f.payload, signet.secretKey));
  });
  test('alg HS512 and HS384 signed with the tenant secret', async () => {
    const f = await fresh();
    await expectInvalid(sign({ alg: 'HS512', typ: 'JWT' }, f.payload, signet.secretKey));
    await expectInvalid(sign({ alg: 'HS384', typ: 'JWT' }, f.payload, signet.secretKey));
  });
  test('alg RS256 (real RSA signature)', async () => {
    const f = await fresh();
    await expectInvalid(signRS256(f.payload));
  });
  test('alg RS256 header with an HMAC-SHA256 signature over it (alg confusion)', async () => {
    const f = await fresh();
    await expectInvalid(sign({ alg: 'RS256', typ: 'JWT' }, f.payload, signet.secretKey)); // sign() falls back to sha256
  });
  test('header without alg', async () => {
    const f = await fresh();
    await expectInvalid(sign({ typ: 'JWT' }, f.payload, signet.secretKey));
  });
  test('tampered payload (sub changed, original signature)', async () => {
    const f = await fresh();
    const tampered = b64urlJson({ ...f.payload, sub: 'attacker', other: { ...f.payload.other, userId: 'attacker' } });
    await expectInvalid(`${f.parts[0]}.${tampered}.${f.parts[2]}`);
  });
  test('tampered payload (exp extended, original signature)', async () => {
    const f = await fresh();
    await expectInvalid(`${f.parts[0]}.${b64urlJson({ ...f.payload, exp: f.payload.exp + 3600 })}.${f.parts[2]}`);
  });
  test('bad signature: flipped bits, truncated, empty, other length', async () => {
    const f = await fresh();
    const sig = Buffer.from(f.parts[2], 'base64url');
    const flipped = Buffer.from(sig); flipped[0] ^= 0x01;
    const last = Buffer.from(sig); last[31] ^= 0x80;
    for (const s of [flipped, last, sig.subarray(0, 31), Buffer.alloc(0), Buffer.concat([sig, Buffer.from([0])])]) {
      await expectInvalid(`${f.parts[0]}.${f.parts[1]}.${s.toString('base64url')}`);
    }
  });
  test('payload not JSON / not an object, correctly signed', async () => {
    const h = b64urlJson({ alg: 'HS256', typ: 'JWT' });
    const crypto = await import('node:crypto');
    for (const p of ['not json', '[1,2]', '"s"']) {
      const input = `${h}.${Buffer.from(p).toString('base64url')}`;
      const s = crypto.createHmac('sha256', signet.secretKey).update(input).digest('base64url');
      await expectInvalid(`${input}.${s}`);
    }
  });
  test("claims of this tenant signed with another tenant's secret key", async () => {
    const f = await fresh();
    await expectInvalid(signHS256({ ...f.payload, jti: crypto.randomUUID() }, other.secretKey));
  });
  test('unknown tenant id in the claims', async () => {
    const f = await fresh();
    const forged = { ...f.payload, other: { ...f.payload.other, tenantId: crypto.randomUUID(), publishableKey: 'x' } };
    await expectInvalid(signHS256(forged, signet.secretKey));
  });
  test('claims without other.tenantId', async () => {
    const f = await fresh();
    const { tenantId, ...rest } = f.payload.other;
    assert.ok(tenantId);
    await expectInvalid(signHS256({ ...f.payload, other: rest }, signet.secretKey));
  });
  test('signature of the right length but all zero bits', async () => {
    const f = await fresh();
    await expectInvalid(`${f.parts[0]}.${f.parts[1]}.${'A'.repeat(43)}`);
  });
});

describe('cross-tenant', () => {
  test("another tenant's genuine token is valid for that tenant's user only", async () => {
    // The token of tenant B names tenant B; it must resolve to tenant B's user, never to tenant A.
    const userId = uniqueUserId('shared-id');
    await track(signet, userId, 'createPasskey', { username: 'tenant-a-name' });
    const fb = await fresh(userId, other.secretKey);
    const b = assertOk(await c1Bearer(fb.token));
    assert.equal(b.options.user.name, userId, "tenant B's user has no stored username");
    assert.notEqual(b.options.user.name, 'tenant-a-name');
  });
  test("tenant B's token re-labelled with tenant A's id (signature kept) -> invalid_token", async () => {
    const fb = await fresh(uniqueUserId(), other.secretKey);
    const relabelled = b64urlJson({ ...fb.payload, other: { ...fb.payload.other, tenantId: signet.tenantId, publishableKey: signet.tenantId } });
    assertError(await c1Bearer(`${fb.parts[0]}.${relabelled}.${fb.parts[2]}`), 401, 'unauthorized', 'invalid_token');
  });
});

describe('expiry -> 401 expired_token (§3.4 step 3)', () => {
  test('HS256 token with the tenant secret and exp in the past', async () => {
    const f = await fresh();
    const expired = signHS256({ ...f.payload, iat: now() - 700, exp: now() - 100 }, signet.secretKey);
    assertError(await c1Bearer(expired), 401, 'unauthorized', 'expired_token');
    assertError(await c1Bearer(expired, C1W), 401, 'unauthorized', 'expired_token');
  });
  test('exp 60 s in the past (beyond the 5 s skew allowance)', async () => {
    const f = await fresh();
    const expired = signHS256({ ...f.payload, iat: now() - 660, exp: now() - 60 }, signet.secretKey);
    assertError(await c1Bearer(expired), 401, 'unauthorized', 'expired_token');
  });
  test('exp 2 s in the past is within the 5 s clock-skew allowance -> 200', async () => {
    const f = await fresh();
    const t = now();
    assertOk(await c1Bearer(signHS256({ ...f.payload, iat: t - 602, exp: t - 2 }, signet.secretKey)));
  });
  test('no exp claim -> 401 (invalid_token or expired_token), never 200', async () => {
    const f = await fresh();
    const { exp, ...noExp } = f.payload;
    assert.ok(exp);
    const res = await c1Bearer(signHS256(noExp, signet.secretKey));
    assertError(res, 401, 'unauthorized', null);
    assert.ok(['invalid_token', 'expired_token'].includes(res.json.errorCode), res.json.errorCode);
  });
  test('signature is checked before expiry: expired and badly signed -> invalid_token', async () => {
    const f = await fresh();
    const expiredOther = signHS256({ ...f.payload, iat: now() - 700, exp: now() - 100 }, other.secretKey);
    assertError(await c1Bearer(expiredOther), 401, 'unauthorized', 'invalid_token');
  });
  test('expiry is checked before existence: expired token of a deleted user -> expired_token', async () => {
    const f = await fresh();
    assertOk(await http.server('DELETE', `/v1/users/${encodeURIComponent(f.userId)}`));
    const expired = signHS256({ ...f.payload, iat: now() - 700, exp: now() - 100 }, signet.secretKey);
    assertError(await c1Bearer(expired), 401, 'unauthorized', 'expired_token');
  });
});

describe('gone -> 404 not_found (§3.4 step 4)', () => {
  test('user deleted after track', async () => {
    const f = await fresh();
    assertOk(await c1Bearer(f.token));
    assertOk(await http.server('DELETE', `/v1/users/${encodeURIComponent(f.userId)}`));
    assertError(await c1Bearer(f.token), 404, 'not_found');
    assertError(await c1Bearer(f.token, C1W), 404, 'not_found');
  });
  test('validly signed token naming an action that does not exist', async () => {
    const f = await fresh();
    const forged = signHS256({ ...f.payload, other: { ...f.payload.other, idempotencyKey: crypto.randomUUID() } }, signet.secretKey);
    assertError(await c1Bearer(forged), 404, 'not_found');
  });
  test('validly signed token naming a user that does not exist', async () => {
    const f = await fresh();
    const ghost = uniqueUserId('ghost');
    const forged = signHS256({ ...f.payload, sub: ghost, other: { ...f.payload.other, userId: ghost } }, signet.secretKey);
    assertError(await c1Bearer(forged), 404, 'not_found');
  });
  test('a new track for the deleted user creates a fresh user and works again', async () => {
    const f = await fresh();
    const before = assertOk(await c1Bearer(f.token)).options.user.id;
    assertOk(await http.server('DELETE', `/v1/users/${encodeURIComponent(f.userId)}`));
    const again = await fresh(f.userId);
    const after = assertOk(await c1Bearer(again.token)).options.user.id;
    assert.notEqual(after, before, 'a deleted user loses its user handle; the re-created user gets a new one');
  });
});

describe('§3.3 enrolment gate', () => {
  /** Enrol a user with one passkey (C1 + C2 with a software authenticator). */
  async function enrolled() {
    const userId = uniqueUserId('gate');
    const t = await track(signet, userId, 'createPasskey');
    const c1 = assertOk(await c1Bearer(t.token));
    const reg = new SoftAuthenticator({ origin: 'http://localhost:5173' }).register(c1.options);
    assertOk(await http.bearer(t.token, 'POST', '/v1/client/user-authenticators/passkey', {
      json: { registrationCredential: reg, conditionalCreate: false, challengeId: c1.challengeId },
    }));
    return userId;
  }
  test('enrolled user, track token without add:authenticators -> 401 insufficient_scope on C1 and C1w', async () => {
    const userId = await enrolled();
    const t = await track(signet, userId, 'createPasskey');
    assertError(await c1Bearer(t.token), 401, 'unauthorized', 'insufficient_scope');
    assertError(await c1Bearer(t.token, C1W), 401, 'unauthorized', 'insufficient_scope');
  });
  test('enrolled user, track token with add:authenticators -> 200', async () => {
    const userId = await enrolled();
    const t = await track(signet, userId, 'createPasskey', { scope: 'add:authenticators' });
    assertOk(await c1Bearer(t.token));
  });
  test('the gate comes after the token checks: an expired token of an enrolled user -> expired_token', async () => {
    const userId = await enrolled();
    const f = await fresh(userId);
    const expired = signHS256({ ...f.payload, iat: now() - 1200, exp: now() - 600 }, signet.secretKey);
    assertError(await c1Bearer(expired), 401, 'unauthorized', 'expired_token');
  });
});
