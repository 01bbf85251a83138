// Node and tenant life cycle in a cluster: nodes starting together on an empty database (numbered
// migrations under an advisory lock, docs/deploy.md §8), a node replaced in the middle of a
// ceremony, and a tenant created while the nodes run.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, startNode, createDatabase, TENANT_ORIGIN } from './lib/cluster.mjs';
import { SoftAuthenticator } from './lib/authenticator.mjs';
import { api, ok, isError, signUp, uniqueUserId } from './lib/api.mjs';

const clusters = [];
after(async () => {
  await Promise.all(clusters.map((c) => c.stop()));
});

/** Full round trip for a tenant across two nodes: sign-up A→B, token-less sign-in B→A, validate. */
async function roundTrip(X, Y) {
  const auth = new SoftAuthenticator({ origin: TENANT_ORIGIN });
  const { userId, c2 } = await signUp(auth, { trackOn: Y, optionsOn: X, finishOn: Y });
  const v1 = ok(await X.validate({ token: c2.accessToken }), `validate on ${X.node.name}`);
  assert.equal(v1.isValid, true);
  const c3 = ok(await Y.c3(undefined, {}), `C3 (Basic) on ${Y.node.name}`);
  const c4 = ok(await X.c4(undefined, { authenticationCredential: auth.get(c3.options), challengeId: c3.challengeId }), `C4 on ${X.node.name}`);
  assert.equal(c4.userId, userId);
  const v2 = ok(await Y.validate({ token: c4.accessToken }), `validate on ${Y.node.name}`);
  assert.equal(v2.isValid, true);
  assert.equal(v2.userId, userId);
  return { auth, userId };
}

test('three nodes started at once on an empty database all come up and share it', async () => {
  const database = await createDatabase();
  const cluster = await startCluster({ count: 3, database });
  clusters.push(cluster);
  const tenant = await cluster.createTenant();
  const [X, Y, Z] = cluster.nodes.map((n) => api(n, tenant));
  await roundTrip(X, Y);
  await roundTrip(Z, X);
  for (const n of cluster.nodes) {
    assert.doesNotMatch(n.output.stderr, /\[(error|critical)\]/, `node ${n.name} logged an error:\n${n.output.stderr}`);
  }
});

test('a node replaced mid-ceremony: C1 on A, A killed, C2 on a new node C', async () => {
  const cluster = await startCluster();
  clusters.push(cluster);
  const tenant = await cluster.createTenant();
  const A = api(cluster.a, tenant);
  const B = api(cluster.b, tenant);
  const auth = new SoftAuthenticator({ origin: TENANT_ORIGIN });
  const userId = uniqueUserId('replace');
  const track = ok(await A.track(userId, 'createPasskey'), 'track on A');
  const c1 = ok(await A.c1(track.token), 'C1 on A');
  const reg = auth.create(c1.options);

  cluster.a.process.kill('SIGKILL');
  await cluster.a.exited;
  const nodeC = await startNode('C', cluster.databaseUrl);
  clusters.push({ stop: () => nodeC.stop() });
  const C = api(nodeC, tenant);

  const c2 = ok(await C.c2(track.token, { registrationCredential: reg, challengeId: c1.challengeId }), 'C2 on C');
  assert.equal(c2.userId, userId);
  const c3 = ok(await B.c3(track.token), 'C3 on B');
  ok(await C.c4(track.token, { authenticationCredential: auth.get(c3.options), challengeId: c3.challengeId }), 'C4 on C');
  const v = ok(await B.validate({ token: c2.accessToken }), 'validate on B');
  assert.equal(v.isValid, true);
});

test('a tenant created while both nodes run is usable on both at once', async () => {
  const cluster = await startCluster();
  clusters.push(cluster);
  // Both nodes are busy with a first tenant (its entries cached) when the second one appears.
  const first = await cluster.createTenant({ name: 'First' });
  await roundTrip(api(cluster.a, first), api(cluster.b, first));

  const second = await cluster.createTenant({ origins: ['http://localhost:10'], name: 'Second' });
  const A2 = api(cluster.a, second);
  const B2 = api(cluster.b, second);
  // Every auth scheme on both nodes, immediately: secret key (track), tenant id (C3 Basic), and a
  // token signed with the new tenant's key (C1 on the other node).
  const auth = new SoftAuthenticator({ origin: 'http://localhost:10' });
  const userId = uniqueUserId('newtenant');
  const tB = ok(await B2.track(userId, 'createPasskey'), 'track on B, new tenant');
  const tA = ok(await A2.track(`${userId}-2`, 'createPasskey'), 'track on A, new tenant');
  ok(await A2.c1(tB.token), 'C1 on A with a token from B');
  ok(await B2.c1(tA.token), 'C1 on B with a token from A');
  ok(await A2.c3(undefined, {}), 'C3 (Basic) on A, new tenant');
  ok(await B2.c3(undefined, {}), 'C3 (Basic) on B, new tenant');
  const c1 = ok(await A2.c1(tB.token), 'C1 on A');
  assert.equal(c1.options.rp.name, 'Second');
  const c2 = ok(await B2.c2(tB.token, { registrationCredential: auth.create(c1.options), challengeId: c1.challengeId }), 'C2 on B');
  const c3 = ok(await B2.c3(undefined, {}), 'C3 on B');
  const c4 = ok(await A2.c4(undefined, { authenticationCredential: auth.get(c3.options), challengeId: c3.challengeId }), 'C4 on A');
  assert.equal(c4.userAuthenticatorId, c2.userAuthenticatorId);
  assert.equal(ok(await B2.validate({ token: c4.accessToken }), 'validate on B').isValid, true);

  // Tenants stay apart across nodes: the new tenant's passkey is unknown to the first tenant, and
  // the first tenant's key cannot validate the new tenant's token.
  const A1 = api(cluster.a, first);
  const B1 = api(cluster.b, first);
  const o = ok(await B1.c3(undefined, {}), 'C3 on B, first tenant');
  isError(await B1.c4(undefined, { authenticationCredential: auth.get(o.options), challengeId: o.challengeId }), 400,
    'invalid_credential', 'unknown_credential', 'new tenant passkey under the first tenant on B');
  const cross = await A1.validate({ token: c4.accessToken });
  isError(cross, 400, 'invalid_request', 'invalid_token', 'validate with the other tenant key on A');
});
