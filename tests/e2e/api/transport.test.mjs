// Transport rules (contract §2): JSON 404 for unknown routes, 413 for oversized bodies, CORS for the
// Client API only (§2.8), percent-decoded path parameters and collapsed repeated slashes (§1.1, §2.5).
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startSignet } from '../lib/server.mjs';
import { client, track, uniqueUserId, C1, C1W } from '../lib/http.mjs';
import { decode } from '../lib/jwt.mjs';
import { assertOk, assertError, assertJson, assertNoCors, varyIncludesOrigin } from '../lib/assertions.mjs';

const ORIGIN_A1 = 'http://localhost:5173';
const ORIGIN_A2 = 'https://app.example.com';
const ORIGIN_B = 'http://localhost:6100';
const FOREIGN = 'https://evil.example';

let signet;
let http;

before(async () => {
  signet = await startSignet({
    origins: [ORIGIN_A1, ORIGIN_A2],
    extraTenants: [{ rpId: 'localhost', origins: [ORIGIN_B], name: 'Tenant B' }],
  });
  http = client(signet);
});
after(async () => { await signet?.stop(); });

describe('unknown routes and methods -> 404 JSON (§2.9)', () => {
  const cases = [
    ['GET', '/'],
    ['GET', '/nothing-here'],
    ['GET', '/v1'],
    ['GET', '/v1/'],
    ['GET', '/v2/validate'],
    ['POST', '/v1/client/unknown'],
    ['POST', '/v1/client/user-authenticators/passkey/registration-options/other'],
    ['GET', C1],
    ['PUT', C1],
    ['DELETE', C1],
    ['GET', '/v1/validate'],
    ['PUT', '/v1/validate'],
    ['PUT', '/v1/users/someone'],
    ['POST', '/v1/users/someone'],
    ['GET', '/v1/users/someone/actions/signIn'],
    ['POST', '/v1/challenge'],
    ['POST', '/v1/verify'],
    ['POST', '/v1/claim'],
    ['POST', '/v1/sessions'],
  ];
  for (const [method, path] of cases) {
    test(`${method} ${path} (with valid Server API credentials)`, async () => {
      const res = await http.server(method, path, method === 'GET' || method === 'DELETE' ? {} : { json: {} });
      assertError(res, 404, 'not_found', 'not_found');
    });
  }
  test('unknown route without credentials is still 404 JSON (not 401, not HTML)', async () => {
    const res = await http.raw('GET', '/does/not/exist');
    assertError(res, 404, 'not_found', 'not_found');
  });
  test('GET /health is 200 {"status":"ok"} JSON', async () => {
    const res = await http.raw('GET', '/health');
    assert.equal(res.status, 200);
    assertJson(res);
    assert.equal(res.json.status, 'ok');
  });
});

describe('HTTP/1.1 keep-alive', () => {
  test('several requests on one connection (including an error response)', async () => {
    const httpMod = await import('node:http');
    const agent = new httpMod.Agent({ keepAlive: true, maxSockets: 1 });
    const u = new URL(signet.origin);
    const get = (path) => new Promise((resolve, reject) => {
      const req = httpMod.request({ host: u.hostname, port: u.port, path, method: 'GET', agent }, (res) => {
        let text = '';
        res.on('data', (d) => { text += d; });
        res.on('end', () => resolve({ status: res.statusCode, reused: req.reusedSocket, text }));
      });
      req.setTimeout(5000, () => req.destroy(new Error('timeout')));
      req.on('error', reject);
      req.end();
    });
    try {
      const r = [];
      for (const path of ['/health', '/health', '/v1/unknown', '/health']) r.push(await get(path));
      assert.deepEqual(r.map((x) => x.status), [200, 200, 404, 200]);
      assert.deepEqual(r.map((x) => x.reused), [false, true, true, true], 'the connection is kept alive');
    } finally {
      agent.destroy();
    }
  });
});

describe('HTTP/1.1 pipelining', () => {
  test('two requests in one write get two responses, in order', async () => {
    const net = await import('node:net');
    const text = await new Promise((resolve, reject) => {
      const sock = net.connect(signet.port, '127.0.0.1', () => {
        sock.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'
          + 'GET /v1/pipelined-unknown HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
      });
      let buf = '';
      sock.setEncoding('utf8');
      sock.on('data', (d) => { buf += d; });
      sock.on('end', () => resolve(buf));
      sock.on('error', reject);
      sock.setTimeout(5000, () => { sock.destroy(); reject(new Error(`timeout; got ${JSON.stringify(buf)}`)); });
    });
    const statuses = [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
    assert.deepEqual(statuses, [200, 404], text);
  });
});

describe('oversized bodies -> 413 JSON (64 KiB limit)', () => {
  const big = (n) => JSON.stringify({ username: 'x', padding: 'p'.repeat(n) });

  test('C1 with a 100 KiB body', async () => {
    const t = await track(signet, uniqueUserId(), 'createPasskey');
    const res = await http.bearer(t.token, 'POST', C1, { body: big(100 * 1024), headers: { 'Content-Type': 'application/json' } });
    assertError(res, 413, null, null);
  });
  test('track with a 1 MiB body', async () => {
    const res = await http.server('POST', `/v1/users/${uniqueUserId()}/actions/signIn`, {
      body: big(1024 * 1024), headers: { 'Content-Type': 'application/json' },
    });
    assertError(res, 413, null, null);
  });
  test('just over the limit (64 KiB + 1 byte)', async () => {
    const t = await track(signet, uniqueUserId(), 'createPasskey');
    const base = JSON.stringify({ username: 'x', padding: '' });
    const body = big(64 * 1024 + 1 - base.length);
    assert.equal(Buffer.byteLength(body), 64 * 1024 + 1);
    const res = await http.bearer(t.token, 'POST', C1, { body, headers: { 'Content-Type': 'application/json' } });
    assertError(res, 413, null, null);
  });
  test('a body under the limit (60 KiB, unknown field) is processed normally', async () => {
    const t = await track(signet, uniqueUserId(), 'createPasskey');
    const res = await http.bearer(t.token, 'POST', C1, { body: big(60 * 1024), headers: { 'Content-Type': 'application/json' } });
    assert.equal(assertOk(res).options.user.name, 'x');
  });
  test('chunked request bodies: a small one is processed, one over 64 KiB gets 413', async () => {
    const t = await track(signet, uniqueUserId(), 'createPasskey');
    const small = await http.bearer(t.token, 'POST', C1, { body: big(20 * 1024), chunked: true, headers: { 'Content-Type': 'application/json' } });
    assert.equal(assertOk(small).options.user.name, 'x');
    const large = await http.bearer(t.token, 'POST', C1, { body: big(200 * 1024), chunked: true, headers: { 'Content-Type': 'application/json' } });
    assertError(large, 413, null, null);
  });
  test('the server keeps serving after oversized requests', async () => {
    const t = await track(signet, uniqueUserId(), 'createPasskey');
    assertOk(await http.bearer(t.token, 'POST', C1, { json: {} }));
  });
});

describe('oversized headers -> JSON error', () => {
  test('a 100 KiB header gets 431 (or 413) with the JSON error envelope', async () => {
    const res = await http.raw('GET', '/health', { headers: { 'X-Big': 'a'.repeat(100 * 1024) } });
    assert.ok([413, 431].includes(res.status), `status ${res.status} ${res.text}`);
    assertError(res, res.status, null, null);
  });
  test('the server keeps serving afterwards', async () => {
    assert.equal((await http.raw('GET', '/health')).status, 200);
  });
});

describe('CORS for the Client API (§2.8)', () => {
  const preflight = (path, origin, reqHeaders = 'authorization,content-type') => http.raw('OPTIONS', path, {
    headers: {
      Origin: origin,
      'Access-Control-Request-Method': 'POST',
      ...(reqHeaders ? { 'Access-Control-Request-Headers': reqHeaders } : {}),
    },
  });
  const list = (v) => (v || '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);

  function assertPreflightAllowed(res, origin) {
    assert.equal(res.status, 204, `preflight status ${res.status} ${res.text}`);
    assert.equal(res.text, '', 'preflight has no body');
    assert.equal(res.headers['access-control-allow-origin'], origin);
    for (const m of ['get', 'post', 'options']) {
      assert.ok(list(res.headers['access-control-allow-methods']).includes(m), `Allow-Methods has ${m}: ${res.headers['access-control-allow-methods']}`);
    }
    for (const h of ['authorization', 'content-type']) {
      assert.ok(list(res.headers['access-control-allow-headers']).includes(h), `Allow-Headers has ${h}: ${res.headers['access-control-allow-headers']}`);
    }
    assert.equal(res.headers['access-control-allow-credentials'], 'true');
    assert.equal(res.headers['access-control-max-age'], '600');
    assert.ok(varyIncludesOrigin(res), `Vary: Origin (got ${res.headers.vary})`);
  }

  for (const path of [C1, C1W, '/v1/client/user-authenticators/passkey', '/v1/client/verify/passkey', '/v1/client/anything']) {
    test(`preflight ${path} from an allowed origin -> 204 with the §2.8 headers`, async () => {
      assertPreflightAllowed(await preflight(path, ORIGIN_A1), ORIGIN_A1);
    });
  }
  test("preflight from the tenant's second origin and from another tenant's origin", async () => {
    assertPreflightAllowed(await preflight(C1, ORIGIN_A2), ORIGIN_A2);
    assertPreflightAllowed(await preflight(C1, ORIGIN_B), ORIGIN_B);
  });
  test('preflight without Access-Control-Request-Headers still allows Authorization, Content-Type', async () => {
    assertPreflightAllowed(await preflight(C1, ORIGIN_A1, null), ORIGIN_A1);
  });
  test('preflight from a foreign origin -> 204 without CORS headers', async () => {
    for (const o of [FOREIGN, 'http://localhost:5174', 'http://localhost:5173.evil.example', 'null', 'https://localhost:5173']) {
      const res = await preflight(C1, o);
      assert.equal(res.status, 204, `status for ${o}`);
      assert.equal(res.text, '');
      assertNoCors(res);
    }
  });
  test('actual C1 response (200) from an allowed origin echoes it with credentials', async () => {
    const t = await track(signet, uniqueUserId(), 'createPasskey');
    const res = await http.bearer(t.token, 'POST', C1, { json: {}, headers: { Origin: ORIGIN_A1 } });
    assertOk(res);
    assert.equal(res.headers['access-control-allow-origin'], ORIGIN_A1);
    assert.equal(res.headers['access-control-allow-credentials'], 'true');
    assert.ok(varyIncludesOrigin(res), `Vary: Origin (got ${res.headers.vary})`);
  });
  test('actual C1 error responses (401, 400) carry the CORS headers too', async () => {
    const e401 = await http.raw('POST', C1, { json: {}, headers: { Origin: ORIGIN_A1 } });
    assertError(e401, 401, 'unauthorized');
    assert.equal(e401.headers['access-control-allow-origin'], ORIGIN_A1);
    assert.equal(e401.headers['access-control-allow-credentials'], 'true');
    assert.ok(varyIncludesOrigin(e401));
    const t = await track(signet, uniqueUserId(), 'createPasskey');
    const e400 = await http.bearer(t.token, 'POST', C1, { json: { username: 1 }, headers: { Origin: ORIGIN_A2 } });
    assertError(e400, 400, 'invalid_request');
    assert.equal(e400.headers['access-control-allow-origin'], ORIGIN_A2);
  });
  test('actual C1 response to a foreign origin has no CORS headers', async () => {
    const t = await track(signet, uniqueUserId(), 'createPasskey');
    const res = await http.bearer(t.token, 'POST', C1, { json: {}, headers: { Origin: FOREIGN } });
    assertOk(res);
    assertNoCors(res);
  });
  test('no Origin header -> no Access-Control-Allow-Origin', async () => {
    const t = await track(signet, uniqueUserId(), 'createPasskey');
    const res = await http.bearer(t.token, 'POST', C1, { json: {} });
    assertOk(res);
    assert.equal(res.headers['access-control-allow-origin'], undefined);
  });
  test('preflight on a path with repeated slashes is still a Client API preflight', async () => {
    assertPreflightAllowed(await preflight('/v1//client/user-authenticators/passkey/registration-options', ORIGIN_A1), ORIGIN_A1);
  });
  test('a JSON 404 under /v1/client carries the CORS headers for an allowed origin', async () => {
    const res = await http.raw('POST', '/v1/client/no-such-thing', { json: {}, headers: { Origin: ORIGIN_A1 } });
    assertError(res, 404, 'not_found');
    assert.equal(res.headers['access-control-allow-origin'], ORIGIN_A1);
    assert.equal(res.headers['access-control-allow-credentials'], 'true');
  });
  test('never a wildcard Access-Control-Allow-Origin', async () => {
    const res = await preflight(C1, ORIGIN_A1);
    assert.notEqual(res.headers['access-control-allow-origin'], '*');
  });
  test('Server API: no CORS headers on responses or preflights', async () => {
    const paths = ['/v1/validate', '/v1/users/x', '/v1/users/x/actions/signIn'];
    for (const p of paths) {
      const pre = await http.raw('OPTIONS', p, { headers: { Origin: ORIGIN_A1, 'Access-Control-Request-Method': 'POST' } });
      assertNoCors(pre);
    }
    const res = await http.server('GET', '/v1/users/x', { headers: { Origin: ORIGIN_A1 } });
    assertOk(res);
    assertNoCors(res);
  });
});

describe('path handling (§1.1, §2.5)', () => {
  test('percent-encoded userId: a%40b.com is the same user as a@b.com (both directions)', async () => {
    const id = `${uniqueUserId('pct')}@b.com`;
    const enc = id.replace('@', '%40');
    const t = assertOk(await http.server('POST', `/v1/users/${enc}/actions/signIn`, { json: { email: 'one@example.com' } }));
    assert.equal(decode(t.token).payload.sub, id, 'token sub is the decoded userId');
    const raw = assertOk(await http.server('GET', `/v1/users/${id}`));
    assert.equal(raw.email, 'one@example.com');
    assertOk(await http.server('PATCH', `/v1/users/${id}`, { json: { displayName: 'Raw' } }));
    const viaEnc = assertOk(await http.server('GET', `/v1/users/${enc}`));
    assert.equal(viaEnc.displayName, 'Raw');
    const v = assertOk(await http.server('POST', '/v1/validate', { json: { token: t.token, userId: id } }));
    assert.equal(v.userId, id);
  });
  test('other percent-encodings: space, plus, unicode, encoded letters', async () => {
    for (const [enc, dec] of [['a%20b', 'a b'], ['a+b', 'a+b'], ['%C3%A9t%C3%A9', 'été'], ['%61bc', 'abc']]) {
      const u = `${uniqueUserId('enc')}-`;
      const t = assertOk(await http.server('POST', `/v1/users/${u}${enc}/actions/signIn`, { json: {} }));
      assert.equal(decode(t.token).payload.sub, u + dec, `${enc} decodes to ${dec}`);
    }
  });
  test('percent-encoded action code is decoded before validation', async () => {
    const t = assertOk(await http.server('POST', `/v1/users/${uniqueUserId()}/actions/sign%2Din`, { json: {} }));
    assert.equal(decode(t.token).payload.other.actionCode, 'sign-in');
  });
  test('repeated slashes are collapsed on the Server API', async () => {
    const userId = uniqueUserId('slash');
    const t = assertOk(await http.server('POST', `/v1//users//${userId}///actions/signIn`, { json: { email: 's@example.com' } }));
    assert.equal(decode(t.token).payload.sub, userId);
    assert.equal(assertOk(await http.server('GET', `/v1//users/${userId}`)).email, 's@example.com');
    assertOk(await http.server('POST', '/v1//validate', { json: { token: t.token } }));
    assertOk(await http.server('POST', '//v1/validate', { json: { token: t.token } }));
  });
  test('repeated slashes are collapsed on the Client API (base URL with a trailing slash)', async () => {
    const t = await track(signet, uniqueUserId(), 'createPasskey');
    const b = assertOk(await http.bearer(t.token, 'POST', '/v1//client/user-authenticators/passkey/registration-options', { json: {} }));
    assert.ok(b.challengeId);
    assertOk(await http.bearer(t.token, 'POST', '/v1//client//user-authenticators/passkey/registration-options/web', { json: {} }));
  });
  test('query strings do not break routing', async () => {
    const t = await track(signet, uniqueUserId(), 'createPasskey');
    assertOk(await http.bearer(t.token, 'POST', `${C1}?x=1`, { json: {} }));
  });
});
