// Minimal compact-JWS helpers for crafting and inspecting Signet tokens (format: contract §3.2).
import crypto from 'node:crypto';

export const b64url = (buf) => Buffer.from(buf).toString('base64url'); // unpadded
export const b64urlJson = (obj) => b64url(Buffer.from(JSON.stringify(obj), 'utf8'));
export const fromB64url = (s) => Buffer.from(s, 'base64url');

/** Strict base64url check: alphabet A-Z a-z 0-9 - _ only, no padding. */
export const isB64urlUnpadded = (s) => typeof s === 'string' && /^[A-Za-z0-9_-]*$/.test(s) && s.length % 4 !== 1;

export function decode(token) {
  const parts = token.split('.');
  if (parts.length !== 3) throw new Error(`not a compact JWS: ${token}`);
  return {
    header: JSON.parse(fromB64url(parts[0]).toString('utf8')),
    payload: JSON.parse(fromB64url(parts[1]).toString('utf8')),
    signature: fromB64url(parts[2]),
    parts,
  };
}

const HMAC = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' };

/** Sign header+payload; header.alg decides the HMAC (HS256/384/512); any other alg signs with HS256. */
export function sign(header, payload, key) {
  const input = `${b64urlJson(header)}.${b64urlJson(payload)}`;
  const h = HMAC[header.alg] || 'sha256';
  const sig = crypto.createHmac(h, key).update(input).digest();
  return `${input}.${b64url(sig)}`;
}

export const signHS256 = (payload, key) => sign({ alg: 'HS256', typ: 'JWT' }, payload, key);

export function verifyHS256(token, key) {
  const [h, p, s] = token.split('.');
  const expected = crypto.createHmac('sha256', key).update(`${h}.${p}`).digest();
  const got = fromB64url(s);
  return got.length === expected.length && crypto.timingSafeEqual(got, expected);
}

/** `alg: none` token (empty signature part). */
export const unsigned = (payload) => `${b64urlJson({ alg: 'none', typ: 'JWT' })}.${b64urlJson(payload)}.`;

/** An RS256-signed token made with a throwaway RSA key. */
export function signRS256(payload) {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const input = `${b64urlJson({ alg: 'RS256', typ: 'JWT' })}.${b64urlJson(payload)}`;
  const sig = crypto.sign('sha256', Buffer.from(input), privateKey);
  return `${input}.${b64url(sig)}`;
}
