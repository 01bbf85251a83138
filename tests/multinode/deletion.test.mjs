// Deletions through one node take effect on the other at once (contract §6.4 step 4, §8.5, §8.7,
// §3.4 step 4).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, TENANT_ORIGIN } from './lib/cluster.mjs';
import { SoftAuthenticator } from './lib/authenticator.mjs';
import { api, ok, isError, signUp } from './lib/api.mjs';

let cluster;
let A;
let B;

before(async () => {
  cluster = await startCluster();
  const tenant = await cluster.createTenant();
  A = api(cluster.a, tenant);
  B = api(cluster.b, tenant);
});

after(async () => {
  await cluster?.stop();
});

test('a passkey deleted through node A cannot sign in on node B (unknown_credential)', async () => {
  const auth = new SoftAuthenticator({ origin: TENANT_ORIGIN });
  const { userId, c2 } = await signUp(auth, { trackOn: B, optionsOn: B, finishOn: B });

  // Control: it signs in on B before the deletion.
  const before = ok(await B.c3(undefined, {}), 'C3 on B');
  ok(await B.c4(undefined, { authenticationCredential: auth.get(before.options), challengeId: before.challengeId }), 'C4 on B before deletion');

  // A ceremony already begun on B when the passkey is deleted through A.
  const inFlight = ok(await B.c3(undefined, {}), 'C3 on B (in flight)');

  await A.sdk().deleteAuthenticator({ userId, userAuthenticatorId: c2.userAuthenticatorId });

  isError(await B.c4(undefined, { authenticationCredential: auth.get(inFlight.options), challengeId: inFlight.challengeId }), 400,
    'invalid_credential', 'unknown_credential', 'in-flight C4 on B');
  for (const n of [B, A]) {
    const o = ok(await n.c3(undefined, {}), `C3 on ${n.node.name}`);
    isError(await n.c4(undefined, { authenticationCredential: auth.get(o.options), challengeId: o.challengeId }), 400,
      'invalid_credential', 'unknown_credential', `C4 on ${n.node.name} after deletion`);
  }

  // With a token: the user is no longer enrolled, C3 offers nothing, the old credential is unknown.
  const track = ok(await B.track(userId, 'signIn'), 'track on B');
  assert.equal(track.isEnrolled, false);
  assert.equal(track.state, 'ALLOW');
  const c3 = ok(await B.c3(track.token), 'C3 (Bearer) on B');
  assert.deepEqual(c3.options.allowCredentials, []);
  isError(await B.c4(track.token, { authenticationCredential: auth.get(c3.options, { credentialId: [...auth.credentials.keys()][0] }), challengeId: c3.challengeId }), 400,
    'invalid_credential', 'unknown_credential', 'Bearer C4 on B after deletion');

  assert.deepEqual(ok(await B.getAuthenticators(userId), 'authenticators on B'), []);
  // Deleting it again through B: it is gone there too.
  isError(await B.deleteAuthenticator(userId, c2.userAuthenticatorId), 404, 'not_found', 'not_found', 'second delete on B');
});

test('deleting one of two passkeys through node B leaves the other usable on node A', async () => {
  const phone = new SoftAuthenticator({ origin: TENANT_ORIGIN });
  const laptop = new SoftAuthenticator({ origin: TENANT_ORIGIN });
  const first = await signUp(phone, { trackOn: A, optionsOn: A, finishOn: B });
  const userId = first.userId;
  const t = ok(await A.track(userId, 'createPasskey', { scope: 'add:authenticators' }), 'track');
  const c1 = ok(await B.c1(t.token), 'C1 on B');
  const second = ok(await A.c2(t.token, { registrationCredential: laptop.create(c1.options), challengeId: c1.challengeId }), 'C2 on A');

  ok(await B.deleteAuthenticator(userId, first.c2.userAuthenticatorId), 'delete on B');

  const track = ok(await A.track(userId, 'signIn'), 'track on A');
  const c3 = ok(await A.c3(track.token), 'C3 on A');
  assert.deepEqual(c3.options.allowCredentials.map((c) => c.id), [...laptop.credentials.keys()]);
  const c4 = ok(await A.c4(track.token, { authenticationCredential: laptop.get(c3.options), challengeId: c3.challengeId }), 'laptop on A');
  assert.equal(c4.userAuthenticatorId, second.userAuthenticatorId);

  const o = ok(await A.c3(undefined, {}), 'C3 (Basic) on A');
  isError(await A.c4(undefined, { authenticationCredential: phone.get(o.options), challengeId: o.challengeId }), 400,
    'invalid_credential', 'unknown_credential', 'deleted phone passkey on A');
});

test('a user deleted through node B: tokens issued by node A fail on A, the passkey is unknown', async () => {
  const auth = new SoftAuthenticator({ origin: TENANT_ORIGIN });
  const { userId, c2 } = await signUp(auth, { trackOn: A, optionsOn: A, finishOn: A });
  const track = ok(await A.track(userId, 'signIn'), 'track on A');

  ok(await B.server('DELETE', `/v1/users/${encodeURIComponent(userId)}`), 'delete user on B');

  isError(await A.c3(track.token), 404, 'not_found', 'not_found', 'C3 with the old token on A');
  isError(await A.validate({ token: c2.accessToken }), 404, 'not_found', 'not_found', 'validate old token on A');
  const o = ok(await A.c3(undefined, {}), 'C3 (Basic) on A');
  isError(await A.c4(undefined, { authenticationCredential: auth.get(o.options), challengeId: o.challengeId }), 400,
    'invalid_credential', 'unknown_credential', 'C4 on A after user deletion');
  const user = ok(await A.server('GET', `/v1/users/${encodeURIComponent(userId)}`), 'get user on A');
  assert.equal(user.isEnrolled, false);
});
