// Shared assertions on the wire contract (§2, §4).
import assert from 'node:assert/strict';

export const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
export const ISO_MS_Z = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const show = (res) => `${res.status} ${res.contentType} ${res.text.slice(0, 500)}`;

/** §2.2: Content-Type exactly application/json; body parses as JSON. */
export function assertJson(res) {
  assert.equal(res.contentType, 'application/json', `Content-Type must be exactly application/json: ${show(res)}`);
  assert.notEqual(res.json, undefined, `body must be JSON: ${show(res)}`);
}

/** §4.1: status, error category, specific code, and all three members as strings.
 *  Pass null for error/errorCode to accept any string value. errorCode defaults to error. */
export function assertError(res, status, error, errorCode = error) {
  assert.equal(res.status, status, `status: ${show(res)}`);
  assertJson(res);
  const b = res.json;
  assert.equal(typeof b, 'object', `error body must be an object: ${show(res)}`);
  assert.ok(b !== null && !Array.isArray(b), `error body must be an object: ${show(res)}`);
  assert.equal(typeof b.error, 'string', `error must be a string: ${show(res)}`);
  assert.equal(typeof b.errorCode, 'string', `errorCode must be a string: ${show(res)}`);
  assert.equal(typeof b.errorDescription, 'string', `errorDescription must be a string: ${show(res)}`);
  if (error !== null) assert.equal(b.error, error, `error: ${show(res)}`);
  if (errorCode !== null) assert.equal(b.errorCode, errorCode, `errorCode: ${show(res)}`);
  return b;
}

/** §2.4: 200, JSON, no top-level `error`. */
export function assertOk(res) {
  assert.equal(res.status, 200, `status: ${show(res)}`);
  assertJson(res);
  assert.ok(res.json !== null && typeof res.json === 'object', `success body must be an object/array: ${show(res)}`);
  if (!Array.isArray(res.json)) assert.ok(!('error' in res.json), `success body must not contain "error": ${show(res)}`);
  return res.json;
}

/** No CORS headers at all. */
export function assertNoCors(res) {
  for (const h of ['access-control-allow-origin', 'access-control-allow-credentials',
    'access-control-allow-methods', 'access-control-allow-headers', 'access-control-max-age']) {
    assert.equal(res.headers[h], undefined, `unexpected ${h}: ${res.headers[h]}`);
  }
}

export function varyIncludesOrigin(res) {
  const v = res.headers.vary;
  return typeof v === 'string' && v.split(',').map((s) => s.trim().toLowerCase()).includes('origin');
}
