// The test tools themselves (no server): the CBOR encoder against RFC 8949 Appendix A examples,
// and the software authenticator's output read back with an independent decoder
// (tests/e2e/lib/cbor.mjs, imported read-only) and verified with node:crypto.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { encode } from './lib/cbor.mjs';
import { SoftAuthenticator, sha256, fromB64u, tamperSignature, FLAG_UP, FLAG_UV, FLAG_AT } from './lib/authenticator.mjs';
import { decodeCbor, parseAuthData } from '../e2e/lib/cbor.mjs';

test('CBOR encoder matches RFC 8949 Appendix A', () => {
  const cases = [
    [0, '00'], [1, '01'], [10, '0a'], [23, '17'], [24, '1818'], [25, '1819'], [100, '1864'],
    [1000, '1903e8'], [1000000, '1a000f4240'], [1000000000000n, '1b000000e8d4a51000'],
    [18446744073709551615n, '1bffffffffffffffff'],
    [-1, '20'], [-10, '29'], [-100, '3863'], [-1000, '3903e7'],
    [false, 'f4'], [true, 'f5'], [null, 'f6'],
    [new Uint8Array([]), '40'], [new Uint8Array([1, 2, 3, 4]), '4401020304'],
    ['', '60'], ['a', '6161'], ['IETF', '6449455446'], ['\u00fc', '62c3bc'], ['\u6c34', '63e6b0b4'],
    [[], '80'], [[1, 2, 3], '83010203'], [[1, [2, 3], [4, 5]], '8301820203820405'],
    [Array.from({ length: 25 }, (_, i) => i + 1), '98190102030405060708090a0b0c0d0e0f101112131415161718181819'],
    [{}, 'a0'], [new Map([[1, 2], [3, 4]]), 'a201020304'], [{ a: 1, b: [2, 3] }, 'a26161016162820203'],
    [['a', { b: 'c' }], '826161a161626163'],
  ];
  for (const [value, hex] of cases) assert.equal(encode(value).toString('hex'), hex, `encode(${String(value)})`);
  assert.throws(() => encode(1.5));
});

test('software authenticator: attestation object, authenticator data and assertion signatures', () => {
  const origin = 'http://localhost:9';
  const auth = new SoftAuthenticator({ origin });
  const options = {
    challenge: Buffer.from('registration-challenge-0123456789').toString('base64url'),
    rp: { id: 'localhost', name: 'x' },
    user: { id: Buffer.from('user-handle').toString('base64url'), name: 'u', displayName: 'U' },
    pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
    excludeCredentials: [],
  };
  const reg = auth.create(options);
  assert.equal(reg.id, reg.rawId);

  const cd = JSON.parse(fromB64u(reg.response.clientDataJSON).toString('utf8'));
  assert.deepEqual(cd, { type: 'webauthn.create', challenge: options.challenge, origin, crossOrigin: false });

  const { value: att, length } = decodeCbor(fromB64u(reg.response.attestationObject));
  assert.equal(length, fromB64u(reg.response.attestationObject).length);
  assert.deepEqual([...att.keys()], ['fmt', 'attStmt', 'authData']);
  assert.equal(att.get('fmt'), 'none');
  assert.equal(att.get('attStmt').size, 0);
  const ad = parseAuthData(att.get('authData'));
  assert.ok(ad.rpIdHash.equals(sha256('localhost')));
  assert.deepEqual([ad.flags.up, ad.flags.uv, ad.flags.at, ad.flags.be, ad.flags.ed], [true, true, true, false, false]);
  assert.equal(ad.signCount, 1);
  assert.equal(ad.attested.credentialId.toString('base64url'), reg.id);
  assert.equal(ad.attested.extensionsBytes, 0);
  const cose = ad.attested.coseKey;
  assert.deepEqual([cose.get(1), cose.get(3), cose.get(-1)], [2, -7, 1]);
  // The COSE key is the same public key as the SPKI convenience copy.
  const spki = crypto.createPublicKey({ key: fromB64u(reg.response.publicKey), format: 'der', type: 'spki' }).export({ format: 'jwk' });
  assert.equal(cose.get(-2).toString('base64url'), spki.x);
  assert.equal(cose.get(-3).toString('base64url'), spki.y);

  // Assertion: signature over authData ‖ SHA-256(clientDataJSON), DER, with that key.
  const get = { challenge: Buffer.from('authentication-challenge').toString('base64url'), rpId: 'localhost', allowCredentials: [] };
  const a1 = auth.get(get);
  const a2 = auth.get(get);
  const authData = fromB64u(a1.response.authenticatorData);
  const p = parseAuthData(authData);
  assert.equal(authData.length, 37);
  assert.equal(authData[32], FLAG_UP | FLAG_UV);
  assert.equal(p.signCount, 2);
  assert.equal(parseAuthData(fromB64u(a2.response.authenticatorData)).signCount, 3);
  assert.equal(a1.response.userHandle, options.user.id);
  const cdj = fromB64u(a1.response.clientDataJSON);
  assert.equal(JSON.parse(cdj.toString('utf8')).type, 'webauthn.get');
  const key = crypto.createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: spki.x, y: spki.y }, format: 'jwk' });
  const signed = Buffer.concat([authData, sha256(cdj)]);
  const sig = fromB64u(a1.response.signature);
  assert.equal(sig[0], 0x30, 'DER SEQUENCE');
  assert.ok(crypto.verify('sha256', signed, { key, dsaEncoding: 'der' }, sig));
  assert.ok(!crypto.verify('sha256', signed, { key, dsaEncoding: 'der' }, fromB64u(tamperSignature(a1).response.signature)));

  // Excluded credential -> InvalidStateError; unknown allowCredentials -> NotAllowedError.
  assert.throws(() => auth.create({ ...options, excludeCredentials: [{ id: reg.id, type: 'public-key' }] }), /InvalidStateError/);
  assert.throws(() => auth.get({ ...get, allowCredentials: [{ id: 'AAAA', type: 'public-key' }] }), /NotAllowedError/);
  assert.equal(FLAG_AT, 0x40);
});
