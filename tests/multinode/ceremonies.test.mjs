// A ceremony begun on one node finishes on the other, and the result validates on either
// (issue 5 point 4; contract §6.1–§6.4, §8.1, §8.2, sequences §11.1, §11.2, §11.4).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, TENANT_ORIGIN } from './lib/cluster.mjs';
import { SoftAuthenticator } from './lib/authenticator.mjs';
import { api, ok, isError, signUp, uniqueUserId } from './lib/api.mjs';

let cluster;
let A;
let B;
let tenant;

before(async () => {
  cluster = await startCluster();
  tenant = await cluster.createTenant();
  A = api(cluster.a, tenant);
  B = api(cluster.b, tenant);
});

after(async () => {
  await cluster?.stop();
});

test('sign-up: C1 on node A, C2 on node B, validate on node A', async () => {
  const auth = new SoftAuthenticator({ origin: TENANT_ORIGIN });
  const userId = uniqueUserId('signup');
  const track = ok(await A.track(userId, 'createPasskey', { username: `${userId}@example.com` }), 'track on A');
  assert.equal(track.state, 'ALLOW');

  const c1 = ok(await A.c1(track.token, { username: `${userId}@example.com`, authenticatorAttachment: 'platform' }), 'C1 on A');
  assert.equal(c1.options.rp.id, 'localhost');
  assert.deepEqual(c1.options.excludeCredentials, []);
  const registration = auth.create(c1.options);

  const c2 = ok(await B.c2(track.token, { registrationCredential: registration, challengeId: c1.challengeId, conditionalCreate: false }), 'C2 on B');
  assert.equal(c2.isVerified, true);
  assert.equal(c2.userId, userId);
  assert.equal(typeof c2.accessToken, 'string');
  assert.equal(typeof c2.userAuthenticatorId, 'string');
  assert.equal(c2.userAuthenticator.webauthnCredential.credentialId, registration.id);

  // Validate the post-challenge token on A, which did not finish the ceremony (§11.1 step 7).
  const v = ok(await A.validate({ token: c2.accessToken }), 'validate on A');
  assert.equal(v.isValid, true);
  assert.equal(v.state, 'CHALLENGE_SUCCEEDED');
  assert.equal(v.userId, userId);
  assert.equal(v.actionCode, 'createPasskey');
  assert.equal(v.idempotencyKey, track.idempotencyKey);
  assert.equal(v.verificationMethod, 'PASSKEY');
  // The track token of the same action reports the same state on B (§3.1).
  const vTrack = ok(await B.validate({ token: track.token }), 'validate track token on B');
  assert.equal(vTrack.isValid, true);
  assert.equal(vTrack.state, 'CHALLENGE_SUCCEEDED');

  // Both nodes see the new passkey.
  for (const n of [A, B]) {
    const list = ok(await n.getAuthenticators(userId), `authenticators on ${n.node.name}`);
    assert.equal(list.length, 1);
    assert.equal(list[0].userAuthenticatorId, c2.userAuthenticatorId);
    assert.equal(list[0].webauthnCredential.credentialId, registration.id);
  }

  // A second C1 on B lists the passkey registered through B in excludeCredentials.
  const again = ok(await B.track(userId, 'createPasskey', { scope: 'add:authenticators' }), 'track on B');
  const c1b = ok(await B.c1(again.token), 'C1 on B');
  assert.deepEqual(c1b.options.excludeCredentials.map((c) => c.id), [registration.id]);
});

test('sign-in with a token: C3 on node B, C4 on node A, validate on node B', async () => {
  const auth = new SoftAuthenticator({ origin: TENANT_ORIGIN });
  const { userId, c2 } = await signUp(auth, { trackOn: A, optionsOn: B, finishOn: A });

  const track = ok(await B.track(userId, 'reauthenticate'), 'track on B');
  assert.equal(track.state, 'CHALLENGE_REQUIRED');
  const c3 = ok(await B.c3(track.token), 'C3 on B');
  assert.deepEqual(c3.options.allowCredentials.map((c) => c.id), [...auth.credentials.keys()]);
  const assertion = auth.get(c3.options);

  const c4 = ok(await A.c4(track.token, { authenticationCredential: assertion, challengeId: c3.challengeId, deviceId: 'dev-1' }), 'C4 on A');
  assert.equal(c4.isVerified, true);
  assert.equal(c4.userId, userId);
  assert.equal(c4.userAuthenticatorId, c2.userAuthenticatorId);

  const v = ok(await B.validate({ token: c4.accessToken, userId }), 'validate on B');
  assert.equal(v.isValid, true);
  assert.equal(v.state, 'CHALLENGE_SUCCEEDED');
  assert.equal(v.actionCode, 'reauthenticate');
  assert.equal(v.idempotencyKey, track.idempotencyKey);
  assert.equal(v.verificationMethod, 'PASSKEY');
  // A mismatching userId is refused on either node (§8.2).
  isError(await A.validate({ token: c4.accessToken, userId: `${userId}-other` }), 400, 'invalid_request', 'invalid_request', 'validate wrong user on A');
});

test('token-less sign-in (Basic tenant): C3 on node A, C4 on node B, validate on node A', async () => {
  const auth = new SoftAuthenticator({ origin: TENANT_ORIGIN });
  const { userId, c2 } = await signUp(auth, { trackOn: B, optionsOn: A, finishOn: B, username: 'basic-user@example.com' });

  const c3 = ok(await A.c3(undefined, {}), 'C3 (Basic) on A');
  assert.deepEqual(c3.options.allowCredentials, []);
  const assertion = auth.get(c3.options);
  const c4 = ok(await B.c4(undefined, { authenticationCredential: assertion, challengeId: c3.challengeId, deviceId: 'dev-2' }), 'C4 (Basic) on B');
  assert.equal(c4.isVerified, true);
  assert.equal(c4.userId, userId);
  assert.equal(c4.userAuthenticatorId, c2.userAuthenticatorId);
  assert.equal(c4.username, 'basic-user@example.com');

  const v = ok(await A.validate({ token: c4.accessToken }), 'validate on A');
  assert.equal(v.isValid, true);
  assert.equal(v.userId, userId);
  assert.equal(v.actionCode, 'signInWithPasskey');
  assert.equal(v.verificationMethod, 'PASSKEY');
});

test('token-less sign-in under a named action: C5 on B, C3 on A, C4 on B, validate on A', async () => {
  const auth = new SoftAuthenticator({ origin: TENANT_ORIGIN });
  const { userId } = await signUp(auth, { trackOn: A, optionsOn: A, finishOn: B });

  const c5 = ok(await B.c5({ action: 'mnCheckout' }), 'C5 on B');
  const c3 = ok(await A.c3(undefined, { challengeId: c5.challengeId }), 'C3 on A');
  assert.equal(c3.challengeId, c5.challengeId);
  const c4 = ok(await B.c4(undefined, { authenticationCredential: auth.get(c3.options), challengeId: c3.challengeId }), 'C4 on B');
  assert.equal(c4.userId, userId);

  const v = ok(await A.validate({ token: c4.accessToken, action: 'mnCheckout' }), 'validate on A');
  assert.equal(v.isValid, true);
  assert.equal(v.userId, userId);
  assert.equal(v.actionCode, 'mnCheckout');
  // The pending action now belongs to the user on every node.
  const actions = ok(await B.queryActions(userId, '?codes=mnCheckout'), 'query actions on B');
  assert.equal(actions.length, 1);
  assert.equal(actions[0].state, 'CHALLENGE_SUCCEEDED');
  assert.equal(actions[0].idempotencyKey, v.idempotencyKey);
});

test('official @authsignal/node 2.21.0: track on A, ceremony split across nodes, validateChallenge on B', async () => {
  const auth = new SoftAuthenticator({ origin: TENANT_ORIGIN });
  const sdkA = A.sdk();
  const sdkB = B.sdk();
  const userId = uniqueUserId('sdk');

  const t0 = await sdkA.track({ userId, action: 'createPasskey', attributes: { username: 'sdk@example.com' } });
  const c1 = ok(await B.c1(t0.token), 'C1 on B');
  const c2 = ok(await A.c2(t0.token, { registrationCredential: auth.create(c1.options), challengeId: c1.challengeId, conditionalCreate: false }), 'C2 on A');
  const r0 = await sdkB.validateChallenge({ token: c2.accessToken });
  assert.equal(r0.isValid, true);
  assert.equal(r0.action, 'createPasskey');
  assert.equal(r0.userId, userId);

  const t1 = await sdkB.track({ userId, action: 'signIn' });
  assert.equal(t1.state, 'CHALLENGE_REQUIRED');
  assert.equal(t1.isEnrolled, true);
  const c3 = ok(await A.c3(t1.token), 'C3 on A');
  const c4 = ok(await B.c4(t1.token, { authenticationCredential: auth.get(c3.options), challengeId: c3.challengeId }), 'C4 on B');
  const r1 = await sdkA.validateChallenge({ token: c4.accessToken, action: 'signIn', userId });
  assert.equal(r1.isValid, true);
  assert.equal(r1.state, 'CHALLENGE_SUCCEEDED');
  assert.equal(r1.verificationMethod, 'PASSKEY');

  const list = await sdkA.getAuthenticators({ userId });
  assert.equal(list.length, 1);
  assert.equal(list[0].userAuthenticatorId, c2.userAuthenticatorId);
  assert.ok(list[0].lastVerifiedAt, 'lastVerifiedAt set by the sign-in through B');
});
