// Other writes raced across the two nodes: each must land once, and no race may end in a 5xx
// (contract §5, §6.2 step 8, §6.3, §8.1 idempotencyKey, §8.7; docs/deploy.md §4).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startCluster, TENANT_ORIGIN } from './lib/cluster.mjs';
import { SoftAuthenticator } from './lib/authenticator.mjs';
import { api, ok, isError, signUp, uniqueUserId } from './lib/api.mjs';

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

const show = (r) => `${r.status} ${r.text}`;

test('one credential id registered for two users at once, through A and B: exactly one is stored', async () => {
  for (let round = 0; round < 15; round++) {
    const u1 = uniqueUserId('dup1');
    const u2 = uniqueUserId('dup2');
    const t1 = ok(await A.track(u1, 'createPasskey'), 'track u1');
    const t2 = ok(await B.track(u2, 'createPasskey'), 'track u2');
    const o1 = ok(await A.c1(t1.token), 'C1 u1 on A');
    const o2 = ok(await B.c1(t2.token), 'C1 u2 on B');
    const id = crypto.randomBytes(16).toString('base64url');
    const r1 = new SoftAuthenticator({ origin: TENANT_ORIGIN }).create(o1.options, { credentialId: id });
    const r2 = new SoftAuthenticator({ origin: TENANT_ORIGIN }).create(o2.options, { credentialId: id });
    const [x, y] = await Promise.all([
      A.c2(t1.token, { registrationCredential: r1, challengeId: o1.challengeId }),
      B.c2(t2.token, { registrationCredential: r2, challengeId: o2.challengeId }),
    ]);
    assert.deepEqual([x.status, y.status].sort(), [200, 400], `round ${round}: ${show(x)} / ${show(y)}`);
    isError(x.status === 400 ? x : y, 400, 'invalid_credential', 'invalid_credential', `round ${round} loser`);
    const owners = [];
    for (const u of [u1, u2]) {
      const list = ok(await A.getAuthenticators(u), 'authenticators');
      if (list.some((a) => a.webauthnCredential.credentialId === id)) owners.push(u);
    }
    assert.deepEqual(owners, [x.status === 200 ? u1 : u2], `round ${round}: owners ${owners}`);
  }
});

test('track with one idempotencyKey on A and B at once: one action, the same key on both answers', async () => {
  const auth = new SoftAuthenticator({ origin: TENANT_ORIGIN });
  const { userId } = await signUp(auth, { trackOn: A, optionsOn: A, finishOn: A });
  const keys = [];
  for (let round = 0; round < 15; round++) {
    const key = `idem-${round}-${crypto.randomUUID()}`;
    keys.push(key);
    const [x, y] = await Promise.all([
      A.track(userId, 'mnPay', { idempotencyKey: key }),
      B.track(userId, 'mnPay', { idempotencyKey: key }),
    ]);
    const jx = ok(x, `round ${round} track on A`);
    const jy = ok(y, `round ${round} track on B`);
    assert.equal(jx.idempotencyKey, key);
    assert.equal(jy.idempotencyKey, key);
    assert.equal(jx.state, jy.state);
  }
  const actions = ok(await B.queryActions(userId, '?codes=mnPay'), 'query actions');
  assert.deepEqual(actions.map((a) => a.idempotencyKey).sort(), keys.slice().sort());
});

test('one authenticator deleted through A and B at once: one 200, one 404', async () => {
  for (let round = 0; round < 10; round++) {
    const auth = new SoftAuthenticator({ origin: TENANT_ORIGIN });
    const { userId, c2 } = await signUp(auth, { trackOn: A, optionsOn: B, finishOn: A });
    const [x, y] = await Promise.all([
      A.deleteAuthenticator(userId, c2.userAuthenticatorId),
      B.deleteAuthenticator(userId, c2.userAuthenticatorId),
    ]);
    assert.deepEqual([x.status, y.status].sort(), [200, 404], `round ${round}: ${show(x)} / ${show(y)}`);
    isError(x.status === 404 ? x : y, 404, 'not_found', 'not_found', `round ${round} loser`);
    assert.deepEqual(ok(await B.getAuthenticators(userId), 'authenticators'), []);
  }
});

test('a sign-in on B racing the deletion of its passkey through A: no 5xx, and the passkey is gone after', async () => {
  const seen = {};
  for (let round = 0; round < 15; round++) {
    const auth = new SoftAuthenticator({ origin: TENANT_ORIGIN });
    const { userId, c2 } = await signUp(auth, { trackOn: A, optionsOn: A, finishOn: B });
    const track = ok(await A.track(userId, 'signIn'), 'track');
    const o = ok(await A.c3(track.token), 'C3 on A');
    const body = { authenticationCredential: auth.get(o.options), challengeId: o.challengeId };
    const [signIn, del] = await Promise.all([B.c4(track.token, body), A.deleteAuthenticator(userId, c2.userAuthenticatorId)]);
    ok(del, `round ${round} delete on A`);
    const key = `${signIn.status} ${signIn.json?.errorCode ?? ''}`.trim();
    seen[key] = (seen[key] ?? 0) + 1;
    assert.ok(signIn.status === 200 || signIn.status === 400, `round ${round}: C4 answered ${show(signIn)}`);
    if (signIn.status === 400) {
      assert.equal(signIn.json.error, 'invalid_credential', `round ${round}: ${show(signIn)}`);
      // A refused sign-in leaves the Bearer action as it was (Q13).
      assert.equal(ok(await B.validate({ token: track.token }), 'validate').state, 'CHALLENGE_REQUIRED');
    } else {
      assert.equal(ok(await B.validate({ token: signIn.json.accessToken }), 'validate').isValid, true);
    }
    const o2 = ok(await B.c3(undefined, {}), 'C3 on B');
    isError(await B.c4(undefined, { authenticationCredential: auth.get(o2.options), challengeId: o2.challengeId }), 400,
      'invalid_credential', 'unknown_credential', `round ${round}: after the deletion`);
  }
  assert.ok(Object.keys(seen).length > 0);
});

// Server bug (reported to the lead): passkey_service C3 with a C5 challengeId peeks the challenge
// (type "action"), then takes it by id without re-checking the type of the row it took, then
// inserts the passkey-authentication challenge under the same id. A second C3 whose peek saw the
// action row can therefore take the first C3's freshly inserted passkey-authentication challenge
// and replace it: both C3 calls answer 200, and the first caller's options can never verify
// (its C4 gets invalid_credential, a challenge mismatch). Contract §6.3: the challengeId must be
// an unused action challenge, else 400 invalid_request. Race-dependent (usually a few rounds in 30).
test('C3 calls converting one C5 challenge on A and B at once: exactly one succeeds', async () => {
  const auth = new SoftAuthenticator({ origin: TENANT_ORIGIN });
  await signUp(auth, { trackOn: B, optionsOn: B, finishOn: B });
  const failures = [];
  for (let round = 0; round < 30; round++) {
    const c5 = ok(await (round % 2 ? A : B).c5({ action: 'mnRace' }), 'C5');
    // Two calls per node, so that the window is hit more often.
    const rs = await Promise.all([A, B, A, B].map((n) => n.c3(undefined, { challengeId: c5.challengeId })));
    const statuses = rs.map((r) => r.status).sort().join(' ');
    if (statuses !== '200 400 400 400') {
      failures.push(`round ${round}: C3 answered ${statuses}`);
      continue;
    }
    for (const r of rs.filter((r) => r.status === 400)) isError(r, 400, 'invalid_request', 'invalid_request', `round ${round} loser`);
    const win = rs.find((r) => r.status === 200);
    const c4 = await A.c4(undefined, { authenticationCredential: auth.get(win.json.options), challengeId: win.json.challengeId });
    if (c4.status !== 200) failures.push(`round ${round}: the winner's options did not verify: ${show(c4)}`);
  }
  assert.deepEqual(failures, []);
});
