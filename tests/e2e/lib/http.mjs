// Raw HTTP over loopback with node:http, so that paths are sent byte-for-byte (`//`, `%40`),
// bodies can be invalid JSON or oversized, and nothing is normalised behind our back.
import http from 'node:http';

const REQUEST_TIMEOUT_MS = 10000;

/**
 * request(origin, method, path, {headers, body, json})
 *   origin: 'http://127.0.0.1:PORT'
 *   body:   string | Buffer (sent as is)   json: any (JSON.stringify'd, Content-Type set)
 * Resolves {status, headers, text, json (undefined if not JSON), contentType}.
 * A response received before the server stopped reading an oversized body still resolves.
 */
export function request(origin, method, path, { headers = {}, body, json, chunked = false } = {}) {
  const url = new URL(origin);
  const hdrs = { ...headers };
  let payload = body;
  if (json !== undefined) {
    payload = JSON.stringify(json);
    if (!Object.keys(hdrs).some((k) => k.toLowerCase() === 'content-type')) hdrs['Content-Type'] = 'application/json';
  }
  if (payload !== undefined && !Buffer.isBuffer(payload)) payload = Buffer.from(String(payload), 'utf8');
  // chunked: no Content-Length, so node:http sends Transfer-Encoding: chunked (in 8 KiB chunks).
  if (payload !== undefined && !chunked) hdrs['Content-Length'] = String(payload.length);

  return new Promise((resolve, reject) => {
    let settled = false;
    const done = (fn, v) => { if (!settled) { settled = true; clearTimeout(timer); fn(v); } };
    const req = http.request({
      host: url.hostname, port: url.port, method, path, headers: hdrs, agent: false,
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('error', (e) => done(reject, e));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed;
        try { parsed = text.length ? JSON.parse(text) : undefined; } catch { parsed = undefined; }
        done(resolve, {
          status: res.statusCode, headers: res.headers, text, json: parsed,
          contentType: res.headers['content-type'],
        });
      });
    });
    const timer = setTimeout(() => {
      req.destroy(new Error(`timeout after ${REQUEST_TIMEOUT_MS} ms: ${method} ${path}`));
    }, REQUEST_TIMEOUT_MS);
    // EPIPE/ECONNRESET while still writing an oversized body: if the response has already
    // arrived the 'response' handler wins; otherwise this is a real failure.
    req.on('error', (e) => setTimeout(() => done(reject, e), 200));
    if (payload !== undefined && chunked) {
      for (let i = 0; i < payload.length; i += 8192) req.write(payload.subarray(i, i + 8192));
    } else if (payload !== undefined) {
      req.write(payload);
    }
    req.end();
  });
}

export const basicAuth = (user, withColon = true) =>
  'Basic ' + Buffer.from(withColon ? `${user}:` : user, 'utf8').toString('base64');

/** Small client bound to one Signet instance. */
export function client(signet) {
  const origin = signet.origin;
  const serverAuth = basicAuth(signet.secretKey);
  return {
    raw: (method, path, opts) => request(origin, method, path, opts),
    /** Server API call with the first tenant's secret key (Basic secret:). */
    server: (method, path, opts = {}) =>
      request(origin, method, path, { ...opts, headers: { Authorization: serverAuth, ...(opts.headers || {}) } }),
    /** Server API call with an explicit secret key. */
    serverAs: (secretKey, method, path, opts = {}) =>
      request(origin, method, path, { ...opts, headers: { Authorization: basicAuth(secretKey), ...(opts.headers || {}) } }),
    /** Client API call with a Bearer token. */
    bearer: (token, method, path, opts = {}) =>
      request(origin, method, path, { ...opts, headers: { Authorization: `Bearer ${token}`, ...(opts.headers || {}) } }),
  };
}

export const C1 = '/v1/client/user-authenticators/passkey/registration-options';
export const C1W = '/v1/client/user-authenticators/passkey/registration-options/web';

let seq = 0;
/** A user id unique within the test run. */
export const uniqueUserId = (prefix = 'user') =>
  `${prefix}-${process.pid}-${Date.now().toString(36)}-${(seq++).toString(36)}`;

/** Track an action over raw HTTP with the tenant's secret key; asserts 200 and returns the body. */
export async function track(signet, userId, action = 'createPasskey', body = {}, secretKey = signet.secretKey) {
  const res = await request(signet.origin, 'POST', `/v1/users/${encodeURIComponent(userId)}/actions/${action}`, {
    headers: { Authorization: basicAuth(secretKey) }, json: body,
  });
  if (res.status !== 200 || !res.json || typeof res.json.token !== 'string') {
    throw new Error(`track ${userId}/${action} failed: ${res.status} ${res.text}`);
  }
  return res.json;
}
