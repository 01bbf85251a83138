// Nothing is accepted twice across nodes: a challenge is single use whichever node takes it, the
// same assertion raced to both nodes wins exactly once, and a sign count can only move forward
// (contract §5 challenge "used", §6.2 step 3, §6.4 steps 3 and 10; docs/deploy.md §4).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, sql, TENANT_ORIGIN } from './lib/cluster.mjs';
import { SoftAuthenticator, tamperSignature } from './lib/authenticator.mjs';
import { api, ok, isError, signUp, uniqueUserId } from './lib/api.mjs';

const ROUNDS = Number(process.env.MULTINODE_RACE_ROUNDS || 50);

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

test('an authentication challenge consumed on node A is refused on node B', async () => {
  const auth = new SoftAuthenticator({ origin: TENANT_ORIGIN });
  const { userId } = await signUp(auth, { trackOn: A, optionsOn: A, finishOn: A });

  const c3 = ok(await A.c3(undefined, {}), 'C3 on A');
  const assertion = auth.get(c3.options);
  const body = { authenticationCredential: assertion, challengeId: c3.challengeId };
  const first = ok(await A.c4(undefined, body), 'C4 on A');
  assert.equal(first.userId, userId);

  // The very same request on B, and a fresh assertion (higher counter) over the same challenge.
  isError(await B.c4(undefined, body), 400, 'invalid_request', 'invalid_request', 'replay on B');
  const fresh = auth.get(c3.options);
  isError(await B.c4(undefined, { authenticationCredential: fresh, challengeId: c3.challengeId }), 400,
    'invalid_request', 'invalid_request', 'new assertion, used challenge, on B');
  // ...and on A itself, for completeness.
  isError(await A.c4(undefined, body), 400, 'invalid_request', 'invalid_request', 'replay on A');
});

test('a challenge begun on node A that has expired is refused on node B', async () => {
  const auth = new SoftAuthenticator({ origin: TENANT_ORIGIN });
  const { userId } = await signUp(auth, { trackOn: A, optionsOn: A, finishOn: A });
  const c3 = ok(await A.c3(undefined, {}), 'C3 on A');
  assert.match(c3.challengeId, /^[0-9a-f-]{36}$/);
  // Age it in the shared database (no tenant setting shortens the 10-minute lifetime from the CLI).
  const changed = await sql(cluster.databaseUrl,
    `UPDATE challenges SET expires_at = created_at WHERE id = '${c3.challengeId}' RETURNING id`);
  assert.equal(changed.trim(), c3.challengeId, 'the challenge row exists in the shared database');
  isError(await B.c4(undefined, { authenticationCredential: auth.get(c3.options), challengeId: c3.challengeId }), 400,
    'invalid_request', 'invalid_request', 'expired challenge on B');
  // Control: an unexpired one from A verifies on B.
  const fresh = ok(await A.c3(undefined, {}), 'C3 on A');
  assert.equal(ok(await B.c4(undefined, { authenticationCredential: auth.get(fresh.options), challengeId: fresh.challengeId }), 'C4 on B').userId, userId);
});

test('a challenge consumed by a failed verification on node B is refused on node A', async () => {
  const auth = new SoftAuthenticator({ origin: TENANT_ORIGIN });
  const { userId } = await signUp(auth, { trackOn: B, optionsOn: B, finishOn: B });
  const track = ok(await A.track(userId, 'stepUp'), 'track on A');

  const c3 = ok(await B.c3(track.token), 'C3 on B');
  const good = auth.get(c3.options);
  isError(await B.c4(track.token, { authenticationCredential: tamperSignature(good), challengeId: c3.challengeId }), 400,
    'invalid_credential', 'invalid_credential', 'bad signature on B');
  // The untampered assertion would have verified, but the challenge is gone (§5: consumed whether
  // the attempt succeeds or fails).
  isError(await A.c4(track.token, { authenticationCredential: good, challengeId: c3.challengeId }), 400,
    'invalid_request', 'invalid_request', 'good assertion, consumed challenge, on A');
  // The failed attempt did not complete the action (Q13).
  const v = ok(await A.validate({ token: track.token }), 'validate on A');
  assert.equal(v.isValid, false);
  assert.equal(v.state, 'CHALLENGE_REQUIRED');

  // Control: a new challenge from A verifies on B, so the refusals above were about the challenge.
  const c3b = ok(await A.c3(track.token), 'C3 on A');
  const c4 = ok(await B.c4(track.token, { authenticationCredential: auth.get(c3b.options), challengeId: c3b.challengeId }), 'C4 on B');
  assert.equal(c4.userId, userId);
});

test('a registration challenge consumed on node A is refused on node B', async () => {
  const auth = new SoftAuthenticator({ origin: TENANT_ORIGIN });
  const userId = uniqueUserId('reg');
  const track = ok(await A.track(userId, 'createPasskey', { scope: 'add:authenticators' }), 'track on A');
  const c1 = ok(await A.c1(track.token), 'C1 on A');
  const reg = auth.create(c1.options);
  ok(await A.c2(track.token, { registrationCredential: reg, challengeId: c1.challengeId }), 'C2 on A');

  // Same body on B, and a brand-new credential created over the same options on B.
  isError(await B.c2(track.token, { registrationCredential: reg, challengeId: c1.challengeId }), 400,
    'invalid_request', 'invalid_request', 'C2 replay on B');
  const other = new SoftAuthenticator({ origin: TENANT_ORIGIN }).create(c1.options);
  isError(await B.c2(track.token, { registrationCredential: other, challengeId: c1.challengeId }), 400,
    'invalid_request', 'invalid_request', 'new credential, used challenge, on B');
  const list = ok(await B.getAuthenticators(userId), 'authenticators on B');
  assert.deepEqual(list.map((a) => a.webauthnCredential.credentialId), [reg.id]);
});

test('two registrations raced to both nodes over one challenge: exactly one is stored', async () => {
  const auth = new SoftAuthenticator({ origin: TENANT_ORIGIN });
  for (let round = 0; round < 10; round++) {
    const userId = uniqueUserId('regrace');
    // add:authenticators, so the loser is not stopped earlier by the enrolment gate (§3.3) once the
    // winner has stored the user's first passkey.
    const track = ok(await A.track(userId, 'createPasskey', { scope: 'add:authenticators' }), 'track');
    const c1 = ok(await (round % 2 ? B : A).c1(track.token), 'C1');
    const r1 = auth.create(c1.options);
    const r2 = auth.create(c1.options);
    const [x, y] = await Promise.all([
      A.c2(track.token, { registrationCredential: r1, challengeId: c1.challengeId }),
      B.c2(track.token, { registrationCredential: r2, challengeId: c1.challengeId }),
    ]);
    assert.deepEqual([x.status, y.status].sort(), [200, 400], `round ${round}: ${x.status} ${x.text} / ${y.status} ${y.text}`);
    isError(x.status === 400 ? x : y, 400, 'invalid_request', 'invalid_request', `round ${round} loser`);
    const list = ok(await B.getAuthenticators(userId), 'authenticators');
    assert.equal(list.length, 1, `round ${round}: ${JSON.stringify(list)}`);
  }
});

test(`the same assertion sent concurrently to both nodes is accepted exactly once (${ROUNDS} rounds, token-less)`, async (t) => {
  const auth = new SoftAuthenticator({ origin: TENANT_ORIGIN });
  const { userId } = await signUp(auth, { trackOn: A, optionsOn: B, finishOn: A });
  const winners = { A: 0, B: 0 };
  const tokens = [];

  for (let round = 0; round < ROUNDS; round++) {
    const c3 = ok(await (round % 2 ? A : B).c3(undefined, {}), `round ${round} C3`);
    const body = { authenticationCredential: auth.get(c3.options), challengeId: c3.challengeId };
    // Alternate which node gets its request written first.
    const [ra, rb] = round % 2
      ? await Promise.all([A.c4(undefined, body), B.c4(undefined, body)])
      : await Promise.all([B.c4(undefined, body), A.c4(undefined, body)]).then(([b, a]) => [a, b]);
    const statuses = [ra.status, rb.status].sort();
    assert.deepEqual(statuses, [200, 400], `round ${round}: A ${ra.status} ${ra.text} / B ${rb.status} ${rb.text}`);
    const [win, lose, winner] = ra.status === 200 ? [ra, rb, 'A'] : [rb, ra, 'B'];
    winners[winner] += 1;
    assert.equal(win.json.userId, userId);
    isError(lose, 400, 'invalid_request', 'invalid_request', `round ${round} loser`);
    tokens.push(win.json.accessToken);
  }
  t.diagnostic(`winners: A ${winners.A}, B ${winners.B}`);

  // Exactly one completed sign-in action per round, none twice (each win creates one, §6.4 step 12).
  const actions = ok(await B.queryActions(userId, '?codes=signInWithPasskey'), 'query actions');
  assert.equal(actions.length, ROUNDS, `expected ${ROUNDS} signInWithPasskey actions, got ${actions.length}`);
  assert.equal(new Set(actions.map((a) => a.idempotencyKey)).size, ROUNDS);
  assert.ok(actions.every((a) => a.state === 'CHALLENGE_SUCCEEDED'));
  // Every winner's token validates, on either node.
  for (const [i, t] of tokens.entries()) {
    const v = ok(await (i % 2 ? A : B).validate({ token: t }), `validate token ${i}`);
    assert.equal(v.isValid, true);
    assert.equal(v.userId, userId);
  }
});

test('the same assertion sent concurrently to both nodes is accepted exactly once (20 rounds, with a token)', async () => {
  const auth = new SoftAuthenticator({ origin: TENANT_ORIGIN });
  const { userId } = await signUp(auth, { trackOn: B, optionsOn: A, finishOn: B });
  for (let round = 0; round < 20; round++) {
    const track = ok(await (round % 2 ? A : B).track(userId, 'stepUp'), 'track');
    const c3 = ok(await (round % 2 ? B : A).c3(track.token), 'C3');
    const body = { authenticationCredential: auth.get(c3.options), challengeId: c3.challengeId };
    const [ra, rb] = await Promise.all([A.c4(track.token, body), B.c4(track.token, body)]);
    assert.deepEqual([ra.status, rb.status].sort(), [200, 400], `round ${round}: A ${ra.status} ${ra.text} / B ${rb.status} ${rb.text}`);
    isError(ra.status === 400 ? ra : rb, 400, 'invalid_request', 'invalid_request', `round ${round} loser`);
    const v = ok(await (round % 2 ? B : A).validate({ token: track.token }), 'validate');
    assert.equal(v.state, 'CHALLENGE_SUCCEEDED');
  }
});

/** Races two assertions carrying the same counter value, over two challenges, one to each node. */
async function raceSameCounter(auth, credId, counter) {
  const [pa, pb] = await Promise.all([A.c3(undefined, {}), B.c3(undefined, {})]);
  const oa = ok(pa, 'C3 on A');
  const ob = ok(pb, 'C3 on B');
  const ba = { authenticationCredential: auth.get(oa.options, { credentialId: credId, counter }), challengeId: oa.challengeId };
  const bb = { authenticationCredential: auth.get(ob.options, { credentialId: credId, counter }), challengeId: ob.challengeId };
  return Promise.all([A.c4(undefined, ba), B.c4(undefined, bb)]);
}

test('a sign count can only move forward across nodes: two assertions with one counter value win once', async () => {
  const auth = new SoftAuthenticator({ origin: TENANT_ORIGIN });
  const { userId } = await signUp(auth, { trackOn: A, optionsOn: A, finishOn: B });
  const credId = [...auth.credentials.keys()][0];

  // Sequential: counter 5 on A, then counter 5 (a cloned authenticator) on B -> refused.
  const o1 = ok(await A.c3(undefined, {}), 'C3 on A');
  ok(await A.c4(undefined, { authenticationCredential: auth.get(o1.options, { counter: 5 }), challengeId: o1.challengeId }), 'counter 5 on A');
  const o2 = ok(await B.c3(undefined, {}), 'C3 on B');
  isError(await B.c4(undefined, { authenticationCredential: auth.get(o2.options, { counter: 5 }), challengeId: o2.challengeId }), 400,
    'invalid_credential', 'invalid_credential', 'counter 5 again on B');
  const o3 = ok(await B.c3(undefined, {}), 'C3 on B');
  isError(await A.c4(undefined, { authenticationCredential: auth.get(o3.options, { counter: 4 }), challengeId: o3.challengeId }), 400,
    'invalid_credential', 'invalid_credential', 'counter 4 on A');
  const o4 = ok(await A.c3(undefined, {}), 'C3 on A');
  ok(await B.c4(undefined, { authenticationCredential: auth.get(o4.options, { counter: 6 }), challengeId: o4.challengeId }), 'counter 6 on B');

  // Concurrent: two challenges, two assertions with the same next counter, one per node.
  let counter = 6;
  for (let round = 0; round < 20; round++) {
    counter += 1;
    const [ra, rb] = await raceSameCounter(auth, credId, counter);
    assert.deepEqual([ra.status, rb.status].sort(), [200, 400],
      `round ${round} (counter ${counter}): A ${ra.status} ${ra.text} / B ${rb.status} ${rb.text}`);
    isError(ra.status === 400 ? ra : rb, 400, 'invalid_credential', 'invalid_credential', `round ${round} loser`);
  }
  const actions = ok(await A.queryActions(userId, '?codes=signInWithPasskey'), 'query actions');
  const succeeded = actions.filter((a) => a.state === 'CHALLENGE_SUCCEEDED');
  assert.equal(succeeded.length, 2 + 20, 'one completed sign-in per accepted assertion');
});

// Server bug (reported to the lead): passkey_service::verify_authentication creates the token-less
// sign-in's new action (create_action) before record_sign_in's compare-and-set; the request that
// loses the race answers 400 but leaves a signInWithPasskey action in CHALLENGE_REQUIRED behind
// for the user (contract §6.4: step 12 follows a successful step 10; a failed verification
// changes no action). Race-dependent, so it shows up in most but not every run of 20 rounds.
test('a sign-in that loses the sign-count race leaves no action behind', async () => {
  const auth = new SoftAuthenticator({ origin: TENANT_ORIGIN });
  const { userId } = await signUp(auth, { trackOn: B, optionsOn: A, finishOn: A });
  const credId = [...auth.credentials.keys()][0];
  let accepted = 0;
  for (let round = 0; round < 20; round++) {
    const [ra, rb] = await raceSameCounter(auth, credId, 10 + round);
    accepted += [ra, rb].filter((r) => r.status === 200).length;
  }
  assert.equal(accepted, 20);
  const actions = ok(await B.queryActions(userId, '?codes=signInWithPasskey'), 'query actions');
  const stray = actions.filter((a) => a.state !== 'CHALLENGE_SUCCEEDED');
  assert.equal(stray.length, 0, `${stray.length} action(s) left behind by losing requests, e.g. ${JSON.stringify(stray[0])}`);
  assert.equal(actions.length, accepted);
});
