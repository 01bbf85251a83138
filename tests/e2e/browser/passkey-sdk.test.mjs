// Issue 4, end to end: the official, unmodified @authsignal/browser 1.16.0 in headless Debian chromium
// (CDP virtual authenticator) against Signet, with the official @authsignal/node 2.21.0 as the app
// backend. Sequences of contract §11: sign-up, sign-in with a token, token-less, named action,
// autofill, enrolment gate, excludeCredentials, isAvailableOnDevice, token expiry, replays, tenant
// isolation, deleted authenticators, the server view of the passkey, and security keys (§7).
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Authsignal, AuthsignalError } from '@authsignal/node';
import { startBrowserEnv } from '../lib/env.mjs';
import { client, uniqueUserId } from '../lib/http.mjs';
import { decode, signHS256 } from '../lib/jwt.mjs';
import { assertOk, assertError, UUID_V4, ISO_MS_Z } from '../lib/assertions.mjs';

let env;
let signet;
let backend;
let http;
let tenantB;

before(async () => {
  // Tenant B shares rpId localhost and the page origin, so the very same browser credential is
  // presented to both tenants: isolation must come from the server, not from the browser.
  env = await startBrowserEnv({
    name: 'Signet SDK Test',
    extraTenants: (pageOrigin) => [{ rpId: 'localhost', origins: [pageOrigin], name: 'Tenant B' }],
  });
  ({ signet, backend } = env);
  http = client(signet);
  tenantB = signet.tenants[1];
});
after(async () => { await env?.stop(); });

const C2 = '/v1/client/user-authenticators/passkey';
const C4 = '/v1/client/verify/passkey';

/** window.signetTest[fn](args) in the page. */
const call = (p, fn, args, timeoutMs) => p.evaluate(([f, a]) => window.signetTest[f](a), [fn, args], timeoutMs);

/** Records every non-preflight request the page makes to Signet (path, body, headers). */
function recordRequests(p) {
  const seen = [];
  p.page.on('request', (r) => {
    if (!r.url().startsWith(signet.origin) || r.method() === 'OPTIONS') return;
    const entry = { path: new URL(r.url()).pathname, query: new URL(r.url()).search, method: r.method(), body: r.postData() };
    entry.headers = r.allHeaders().catch(() => r.headers());
    entry.status = r.response().then((res) => res?.status()).catch(() => undefined);
    seen.push(entry);
  });
  return seen;
}
const paths = (seen) => seen.map((r) => `${r.method} ${r.path}`);

/** Open the page with the SDK configured for tenant A (or the given tenant). */
function withSdkPage(fn, { authenticator, tenant } = {}) {
  return env.withPage(async (p) => {
    await env.initSdk(p, tenant ? { tenant } : {});
    return fn(p);
  }, { authenticator });
}

/** Backend track + SDK signUp; asserts success and returns {userId, track, data}. */
async function signUp(p, { userId = uniqueUserId('sdk'), scope, username } = {}) {
  const t = await backend.track({ userId, action: 'createPasskey', attributes: scope ? { scope } : {} });
  const out = await call(p, 'sdkSignUp', { token: t.token, username });
  assert.ok(out.ok, `signUp rejected: ${JSON.stringify(out.error)}\n${p.consoleLines.join('\n')}`);
  assert.equal(out.result.error, undefined, `signUp error: ${JSON.stringify(out.result)}`);
  return { userId, track: t, data: out.result.data };
}

describe('passkey sign-up and sign-in with @authsignal/browser + @authsignal/node', () => {
  test('sign-up then validate (§11.1)', async () => {
    await withSdkPage(async (p) => {
      const seen = recordRequests(p);
      const { userId, track, data } = await signUp(p, { username: 'jane@example.com' });
      assert.deepEqual(paths(seen), [
        'POST /v1/client/user-authenticators/passkey/registration-options',
        'POST /v1/client/user-authenticators/passkey',
      ]);
      assert.deepEqual(JSON.parse(seen[0].body), { username: 'jane@example.com', authenticatorAttachment: 'platform' });
      assert.equal((await seen[1].headers).authorization, `Bearer ${track.token}`);
      assert.equal(typeof data.token, 'string');
      assert.equal(data.userAuthenticator.verificationMethod, 'PASSKEY');
      assert.equal(data.userAuthenticator.webauthnCredential.credentialId, data.registrationResponse.id);
      // The SDK recorded the credential for isAvailableOnDevice.
      assert.deepEqual((await call(p, 'passkeyMap'))[userId], [data.registrationResponse.id]);
      // The credential really lives in the virtual authenticator, as a resident key.
      const creds = await p.credentials();
      assert.equal(creds.length, 1);
      assert.equal(Buffer.from(creds[0].credentialId, 'base64').toString('base64url'), data.registrationResponse.id);
      assert.equal(creds[0].isResidentCredential, true);

      const v = await backend.validateChallenge({ token: data.token });
      assert.equal(v.isValid, true);
      assert.equal(v.state, 'CHALLENGE_SUCCEEDED');
      assert.equal(v.userId, userId);
      assert.equal(v.action, 'createPasskey');
      assert.equal(v.idempotencyKey, track.idempotencyKey);
      assert.equal(v.verificationMethod, 'PASSKEY');
    });
  });

  test('sign-in with a track token then validate (§11.4)', async () => {
    await withSdkPage(async (p) => {
      const { userId } = await signUp(p);
      const t = await backend.track({ userId, action: 'reauthenticate' });
      assert.equal(t.state, 'CHALLENGE_REQUIRED');
      const seen = recordRequests(p);
      const out = await call(p, 'sdkSignIn', { token: t.token });
      assert.ok(out.ok, JSON.stringify(out.error));
      const d = out.result.data;
      assert.ok(d, JSON.stringify(out.result));
      assert.equal(d.isVerified, true);
      assert.equal(d.userId, userId);
      assert.deepEqual(paths(seen), [
        'POST /v1/client/user-authenticators/passkey/authentication-options',
        'POST /v1/client/verify/passkey',
      ]);
      assert.equal((await seen[0].headers).authorization, `Bearer ${t.token}`);
      const v = await backend.validateChallenge({ token: d.token, userId });
      assert.equal(v.isValid, true);
      assert.equal(v.action, 'reauthenticate');
      assert.equal(v.idempotencyKey, t.idempotencyKey);
      // The original track token validates the same way (state lookup, §3.1).
      assert.equal((await backend.validateChallenge({ token: t.token })).state, 'CHALLENGE_SUCCEEDED');
    });
  });

  test('token-less sign-in (§11.2): Basic tenant, userId = passkey owner, action signInWithPasskey', async () => {
    await withSdkPage(async (p) => {
      const { userId } = await signUp(p, { username: 'owner@example.com' });
      const seen = recordRequests(p);
      const out = await call(p, 'sdkSignIn', undefined);
      assert.ok(out.ok, JSON.stringify(out.error));
      const d = out.result.data;
      assert.ok(d, JSON.stringify(out.result));
      assert.equal(d.userId, userId);
      assert.equal(d.username, 'owner@example.com');
      assert.match(d.userAuthenticatorId, UUID_V4);
      assert.match((await seen[0].headers).authorization, /^Basic /);
      const c4 = JSON.parse(seen[1].body);
      assert.match(c4.deviceId, UUID_V4, 'the SDK sends its anonymous device id');
      assert.equal(typeof c4.authenticationCredential.response.userHandle, 'string', 'discoverable: userHandle returned');
      const v = await backend.validateChallenge({ token: d.token });
      assert.equal(v.isValid, true);
      assert.equal(v.userId, userId);
      assert.equal(v.action, 'signInWithPasskey');
      assert.equal(v.verificationMethod, 'PASSKEY');
    });
  });

  test('sign-in under a named action: signIn({action}) calls C5 first; validate reports the action', async () => {
    await withSdkPage(async (p) => {
      const { userId } = await signUp(p);
      const seen = recordRequests(p);
      const out = await call(p, 'sdkSignIn', { action: 'approvePayment' });
      assert.ok(out.ok && out.result.data, JSON.stringify(out));
      assert.deepEqual(paths(seen), [
        'POST /v1/client/challenge',
        'POST /v1/client/user-authenticators/passkey/authentication-options',
        'POST /v1/client/verify/passkey',
      ]);
      assert.deepEqual(JSON.parse(seen[0].body), { action: 'approvePayment' });
      const c3Body = JSON.parse(seen[1].body);
      assert.match(c3Body.challengeId, UUID_V4);
      assert.equal(JSON.parse(seen[2].body).challengeId, c3Body.challengeId, 'C3 echoed the C5 challengeId');
      const v = await backend.validateChallenge({ token: out.result.data.token, action: 'approvePayment' });
      assert.equal(v.isValid, true);
      assert.equal(v.userId, userId);
      assert.equal(v.action, 'approvePayment');
    });
  });

  test('autofill sign-in (§11.3): signIn({autofill: true}) with conditional mediation', async () => {
    // How autofill is driven here: Chromium's CDP virtual authenticator answers a conditional-
    // mediation get() by itself — there is no autofill dropdown in headless mode and nothing to
    // click. With automaticPresenceSimulation on (lib/browser.mjs default) and a discoverable
    // credential for the RP it picks that credential and the request resolves within milliseconds;
    // with no credential for the RP it rejects with NotAllowedError (a real browser would keep the
    // request pending until the user picks a passkey). Checked with Debian's chromium 156, where
    // isConditionalMediationAvailable() is true. The first half shows that without a credential the
    // very same call fails, so the second half cannot pass through some non-conditional path; the
    // recorded `mediation` proves the SDK asked for conditional UI.
    const recordMediation = (p) => p.evaluate(() => {
      const orig = navigator.credentials.get.bind(navigator.credentials);
      window.mediations = [];
      navigator.credentials.get = (o) => { window.mediations.push(o?.mediation ?? null); return orig(o); };
    });
    const waitDone = async (p, id) => {
      for (let i = 0; i < 100; i++) {
        const r = await call(p, 'sdkPendingResult', id);
        if (r.done) return r;
        await new Promise((res) => setTimeout(res, 100));
      }
      assert.fail('autofill sign-in did not settle within 10 s');
    };
    await withSdkPage(async (p) => {
      assert.equal(await call(p, 'isConditionalMediationAvailable'), true);
      await recordMediation(p);
      // 1. No credential on the authenticator: the conditional request fails, nothing reaches C4.
      let seen = recordRequests(p);
      const none = await waitDone(p, await call(p, 'sdkSignInStart', { autofill: true }));
      assert.equal(none.ok, false, JSON.stringify(none));
      assert.equal(none.error.name, 'NotAllowedError');
      assert.deepEqual(paths(seen), ['POST /v1/client/user-authenticators/passkey/authentication-options']);

      // 2. With a passkey: autofill resolves and signs the owner in. Two calls in the same tick:
      //    the SDK allows one pending autofill request, the second resolves to {} at once.
      const { userId } = await signUp(p, { username: 'autofill@example.com' });
      seen = recordRequests(p);
      const [id, id2] = await p.evaluate(() => [
        window.signetTest.sdkSignInStart({ autofill: true }), window.signetTest.sdkSignInStart({ autofill: true }),
      ]);
      const r = await waitDone(p, id);
      assert.ok(r.ok && r.result.data, JSON.stringify(r));
      assert.deepEqual(await call(p, 'sdkPendingResult', id2), { done: true, ok: true, result: {} });
      assert.deepEqual(await p.evaluate(() => window.mediations), ['conditional', 'conditional']);
      assert.deepEqual(paths(seen), [
        'POST /v1/client/user-authenticators/passkey/authentication-options',
        'POST /v1/client/verify/passkey',
      ]);
      assert.deepEqual(JSON.parse(seen[0].body), {}, 'C3 with no challengeId');
      assert.match((await seen[0].headers).authorization, /^Basic /);
      assert.equal(r.result.data.userId, userId);
      const v = await backend.validateChallenge({ token: r.result.data.token });
      assert.equal(v.isValid, true);
      assert.equal(v.userId, userId);
      assert.equal(v.action, 'signInWithPasskey');
    });
  });

  test('a second passkey needs add:authenticators: without scope the SDK gets insufficient_scope; with scope it works', async () => {
    await withSdkPage(async (p) => {
      const { userId } = await signUp(p);
      const t = await backend.track({ userId, action: 'createPasskey' });
      const seen = recordRequests(p);
      const out = await call(p, 'sdkSignUp', { token: t.token });
      assert.ok(out.ok, JSON.stringify(out.error));
      assert.equal(out.result.errorCode, 'insufficient_scope', JSON.stringify(out.result));
      assert.equal(out.result.data, undefined);
      assert.deepEqual(paths(seen), ['POST /v1/client/user-authenticators/passkey/registration-options'], 'no create() after the refusal');
      assert.equal(await seen[0].status, 401);
      // A second device (new virtual authenticator, the first removed) with the scope: works.
      await p.removeAuthenticator();
      await p.addAuthenticator({ transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true });
      const second = await signUp(p, { userId, scope: 'add:authenticators' });
      assert.equal(second.data.userAuthenticator.isDefault, false);
      const list = await backend.getAuthenticators({ userId });
      assert.equal(list.length, 2);
    });
  });

  test('an excluded credential is refused by the browser: the SDK rejects with InvalidStateError', async () => {
    await withSdkPage(async (p) => {
      const { userId } = await signUp(p);
      const t = await backend.track({ userId, action: 'createPasskey', attributes: { scope: 'add:authenticators' } });
      const seen = recordRequests(p);
      const out = await call(p, 'sdkSignUp', { token: t.token });
      assert.equal(out.ok, false, `expected a rejection, got ${JSON.stringify(out.result)}`);
      assert.equal(out.error.name, 'InvalidStateError');
      assert.equal(out.error.code, 'ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED');
      assert.deepEqual(paths(seen), ['POST /v1/client/user-authenticators/passkey/registration-options'], 'no C2 after the refusal');
      assert.equal((await p.credentials()).length, 1);
      assert.equal((await backend.getAuthenticators({ userId })).length, 1);
    });
  });

  test('isAvailableOnDevice: true after sign-up, false for an unknown user, false after the passkey is deleted', async () => {
    await withSdkPage(async (p) => {
      const { userId, data } = await signUp(p);
      const seen = recordRequests(p);
      assert.deepEqual(await call(p, 'sdkIsAvailableOnDevice', { userId }), { ok: true, result: true });
      assert.equal(seen.length, 1);
      assert.equal(seen[0].path, '/v1/client/user-authenticators/passkey');
      assert.equal(seen[0].query, `?credentialIds=${data.registrationResponse.id}`);
      assert.deepEqual(await call(p, 'sdkIsAvailableOnDevice', { userId: uniqueUserId('unknown') }), { ok: true, result: false });
      await backend.deleteAuthenticator({ userId, userAuthenticatorId: data.userAuthenticator.userAuthenticatorId });
      assert.deepEqual(await call(p, 'sdkIsAvailableOnDevice', { userId }), { ok: true, result: false }, 'C6 404 after the delete');
    });
  });

  test('an expired token fires onTokenExpired (signUp and signIn) and resolves to expired_token', async () => {
    await withSdkPage(async (p) => {
      const userId = uniqueUserId('expired');
      const t = await backend.track({ userId, action: 'createPasskey' });
      const { payload } = decode(t.token);
      const now = Math.floor(Date.now() / 1000);
      const expired = signHS256({ ...payload, iat: now - 1200, exp: now - 600 }, signet.secretKey);
      const up = await call(p, 'sdkSignUp', { token: expired });
      assert.ok(up.ok, JSON.stringify(up.error));
      assert.equal(up.result.errorCode, 'expired_token', JSON.stringify(up.result));
      assert.equal(await p.evaluate(() => window.signetTest.tokenExpiredCalls), 1);
      const inn = await call(p, 'sdkSignIn', { token: expired });
      assert.equal(inn.result.errorCode, 'expired_token', JSON.stringify(inn));
      assert.equal(await p.evaluate(() => window.signetTest.tokenExpiredCalls), 2);
      // A valid token does not fire it.
      await signUp(p, { userId });
      assert.equal(await p.evaluate(() => window.signetTest.tokenExpiredCalls), 2);
    });
  });
});

describe('useCookies variants (T2 /web routes, credentials: "include")', () => {
  test('signUp, token-less signIn and signIn({action}) with useCookies: the /web routes, then validate', async () => {
    await withSdkPage(async (p) => {
      const userId = uniqueUserId('cookies');
      const t = await backend.track({ userId, action: 'createPasskey' });
      let seen = recordRequests(p);
      const up = await call(p, 'sdkSignUp', { token: t.token, useCookies: true });
      assert.ok(up.ok && up.result.data, JSON.stringify(up));
      assert.deepEqual(paths(seen), [
        'POST /v1/client/user-authenticators/passkey/registration-options/web',
        'POST /v1/client/user-authenticators/passkey',
      ]);
      assert.equal((await backend.validateChallenge({ token: up.result.data.token })).isValid, true);

      seen = recordRequests(p);
      const inn = await call(p, 'sdkSignIn', { useCookies: true });
      assert.ok(inn.ok && inn.result.data, JSON.stringify(inn));
      assert.deepEqual(paths(seen), [
        'POST /v1/client/user-authenticators/passkey/authentication-options/web',
        'POST /v1/client/verify/passkey',
      ]);
      let v = await backend.validateChallenge({ token: inn.result.data.token });
      assert.equal(v.isValid, true);
      assert.equal(v.userId, userId);

      seen = recordRequests(p);
      const named = await call(p, 'sdkSignIn', { action: 'cookieAction', useCookies: true });
      assert.ok(named.ok && named.result.data, JSON.stringify(named));
      assert.deepEqual(paths(seen), [
        'POST /v1/client/challenge/web',
        'POST /v1/client/user-authenticators/passkey/authentication-options',
        'POST /v1/client/verify/passkey',
      ]);
      v = await backend.validateChallenge({ token: named.result.data.token });
      assert.equal(v.action, 'cookieAction');
      assert.equal(v.userId, userId);
    });
  });
});

describe('replays, tenant isolation, deletion, server view', () => {
  test('replayed verification: the browser\'s own C4 body sent again -> 400 invalid_request', async () => {
    await withSdkPage(async (p) => {
      await signUp(p);
      const seen = recordRequests(p);
      const out = await call(p, 'sdkSignIn', undefined);
      assert.ok(out.result?.data, JSON.stringify(out));
      const c4 = seen.find((r) => r.path === C4);
      const auth = (await c4.headers).authorization;
      const replay = await http.raw('POST', C4, { headers: { Authorization: auth, 'Content-Type': 'application/json' }, body: c4.body });
      assertError(replay, 400, 'invalid_request');
    });
  });

  test('replayed registration: the browser\'s own C2 body sent again -> refused (400 invalid_request; 401 insufficient_scope without the scope)', async () => {
    await withSdkPage(async (p) => {
      const seen = recordRequests(p);
      const scoped = await signUp(p, { scope: 'add:authenticators' });
      const c2 = seen.find((r) => r.path === C2 && r.method === 'POST');
      assertError(await http.bearer(scoped.track.token, 'POST', C2, { headers: { 'Content-Type': 'application/json' }, body: c2.body }), 400, 'invalid_request');
      // Same body, the enrolled user's track token without add:authenticators: the scope gate answers first.
      const t = await backend.track({ userId: scoped.userId, action: 'createPasskey' });
      assertError(await http.bearer(t.token, 'POST', C2, { headers: { 'Content-Type': 'application/json' }, body: c2.body }), 401, 'unauthorized', 'insufficient_scope');
      assert.equal((await backend.getAuthenticators({ userId: scoped.userId })).length, 1);
    });
  });

  test("tenant isolation: A's passkey at tenant B's Basic -> unknown_credential; A's token at B's validate -> refused", async () => {
    await withSdkPage(async (p) => {
      const a = await signUp(p);
      // Same page, SDK now configured for tenant B; the authenticator offers A's credential.
      await env.initSdk(p, { tenant: tenantB });
      const seen = recordRequests(p);
      const out = await call(p, 'sdkSignIn', undefined);
      assert.ok(out.ok, JSON.stringify(out.error));
      assert.equal(out.result.errorCode, 'unknown_credential', JSON.stringify(out.result));
      assert.equal((await seen[0].headers).authorization, `Basic ${Buffer.from(encodeURIComponent(tenantB.tenantId)).toString('base64')}`);
      // A's post-sign-up token validated with B's secret key.
      const backendB = new Authsignal({ apiSecretKey: tenantB.secretKey, apiUrl: signet.baseUrl });
      await assert.rejects(backendB.validateChallenge({ token: a.data.token }), (e) => {
        assert.ok(e instanceof AuthsignalError, String(e));
        assert.equal(e.statusCode, 400);
        assert.equal(e.errorCode, 'invalid_request');
        return true;
      });
      const raw = await http.serverAs(tenantB.secretKey, 'POST', '/v1/validate', { json: { token: a.data.token } });
      assert.equal(assertError(raw, 400, 'invalid_request', 'invalid_token').isValid, false);
      // A's token at the Client API is bound to tenant A whatever page config: B's users are untouched.
      assert.deepEqual(await backendB.getAuthenticators({ userId: a.userId }), []);
    });
  });

  test('a deleted authenticator (node deleteAuthenticator) can no longer sign in: C4 -> 400 unknown_credential', async () => {
    await withSdkPage(async (p) => {
      const { userId, data } = await signUp(p);
      await backend.deleteAuthenticator({ userId, userAuthenticatorId: data.userAuthenticator.userAuthenticatorId });
      const seen = recordRequests(p);
      const out = await call(p, 'sdkSignIn', undefined);
      assert.ok(out.ok, JSON.stringify(out.error));
      assert.equal(out.result.errorCode, 'unknown_credential', JSON.stringify(out.result));
      const c4 = seen.find((r) => r.path === C4);
      assert.ok(c4, 'the browser still produced an assertion and sent it');
      assert.equal(await c4.status, 400);
      const user = await backend.getUser({ userId });
      assert.equal(user.isEnrolled, false);
    });
  });

  test('getUser and getAuthenticators show the passkey with its §9.1 fields (synced and device-bound)', async () => {
    for (const [label, authenticator, deviceType, backedUp] of [
      ['device-bound', {}, 'singleDevice', false],
      ['synced', { defaultBackupEligibility: true, defaultBackupState: true }, 'multiDevice', true],
    ]) {
      await withSdkPage(async (p) => {
        const { userId, data } = await signUp(p, { username: `${label}@example.com` });
        const user = await backend.getUser({ userId });
        assert.equal(user.isEnrolled, true);
        assert.deepEqual(user.enrolledVerificationMethods, ['PASSKEY']);
        assert.equal(user.defaultVerificationMethod, 'PASSKEY');
        assert.equal(user.username, `${label}@example.com`);
        let [a, ...rest] = await backend.getAuthenticators({ userId });
        assert.equal(rest.length, 0);
        assert.equal(a.userId, userId);
        assert.equal(a.userAuthenticatorId, data.userAuthenticator.userAuthenticatorId);
        assert.equal(a.verificationMethod, 'PASSKEY');
        assert.match(a.createdAt, ISO_MS_Z);
        assert.match(a.verifiedAt, ISO_MS_Z);
        assert.equal(a.lastVerifiedAt, undefined);
        assert.equal(a.username, `${label}@example.com`);
        const w = a.webauthnCredential;
        assert.equal(w.credentialId, data.registrationResponse.id);
        assert.match(w.aaguid, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
        assert.equal(typeof w.name, 'string');
        assert.equal(w.authenticatorAttachment, 'platform');
        assert.equal(w.credentialDeviceType, deviceType, label);
        assert.equal(w.credentialBackedUp, backedUp, label);
        assert.match(w.deviceId, UUID_V4);
        assert.match(w.verifiedAt, ISO_MS_Z);
        if (w.parsedUserAgent !== undefined) assert.match(w.parsedUserAgent.ua, /Chrome/);
        // A sign-in sets lastVerifiedAt.
        const out = await call(p, 'sdkSignIn', undefined);
        assert.ok(out.result?.data, JSON.stringify(out));
        [a] = await backend.getAuthenticators({ userId });
        assert.match(a.lastVerifiedAt, ISO_MS_Z);
      }, { authenticator });
    }
  });
});

describe('security keys with the SDK (§7): cross-platform authenticator, usb, no resident key', () => {
  const KEY = { transport: 'usb', hasResidentKey: false, hasUserVerification: false, isUserVerified: false };

  test('securityKey.enroll() then securityKey.verify(); validate reports SECURITY_KEY', async () => {
    await env.withPage(async (p) => {
      await env.initSdk(p);
      const userId = uniqueUserId('sk');
      const enrollNoToken = await call(p, 'sdkSecurityKeyEnroll', {});
      assert.equal(enrollNoToken.result.errorCode, 'token_not_set', 'no cached token -> token_not_set');

      const t = await backend.track({ userId, action: 'addSecurityKey' });
      await call(p, 'setToken', t.token);
      const seen = recordRequests(p);
      const en = await call(p, 'sdkSecurityKeyEnroll', {});
      assert.ok(en.ok, JSON.stringify(en.error));
      assert.ok(en.result.data, JSON.stringify(en.result));
      assert.deepEqual(paths(seen), [
        'POST /v1/client/user-authenticators/security-key/registration-options',
        'POST /v1/client/user-authenticators/security-key',
      ]);
      const creds = await p.credentials();
      assert.equal(creds.length, 1);
      assert.equal(creds[0].isResidentCredential, false, 'residentKey discouraged -> a non-discoverable credential');
      const v = await backend.validateChallenge({ token: en.result.data.token });
      assert.equal(v.isValid, true);
      assert.equal(v.verificationMethod, 'SECURITY_KEY');

      const t2 = await backend.track({ userId, action: 'stepUp' });
      await call(p, 'setToken', t2.token);
      const ve = await call(p, 'sdkSecurityKeyVerify');
      assert.ok(ve.ok, JSON.stringify(ve.error));
      assert.equal(ve.result.data?.isVerified, true, JSON.stringify(ve.result));
      const v2 = await backend.validateChallenge({ token: ve.result.data.token, userId, action: 'stepUp' });
      assert.equal(v2.isValid, true);
      assert.equal(v2.verificationMethod, 'SECURITY_KEY');

      const [a] = await backend.getAuthenticators({ userId });
      assert.equal(a.verificationMethod, 'SECURITY_KEY');
      assert.equal(a.webauthnCredential.credentialId, en.result.data.registrationResponse.id);
      // Security keys are not recorded for passkey.isAvailableOnDevice (only passkey flows do that).
      assert.deepEqual(await call(p, 'passkeyMap'), {});
    }, { authenticator: KEY });
  });
});
