// A software WebAuthn authenticator for API-level tests (no browser): ES256 credentials with "none"
// attestation, producing RegistrationResponseJSON / AuthenticationResponseJSON the way a browser would
// for a given origin. Written for these tests from the WebAuthn Level 3 data layouts.
//
//   const auth = new SoftAuthenticator({ origin: 'http://localhost:5173' });
//   const reg = auth.register(c1.options);             // -> RegistrationResponseJSON (credential kept)
//   const asr = auth.assert(c3.options, { credentialId }); // -> AuthenticationResponseJSON
import crypto from 'node:crypto';

// ---- minimal CBOR encoder (definite lengths; uint, negint, bytes, text, array, map, bool) ----
function head(major, n) {
  if (n < 24) return Buffer.from([(major << 5) | n]);
  if (n < 0x100) return Buffer.from([(major << 5) | 24, n]);
  if (n < 0x10000) { const b = Buffer.alloc(3); b[0] = (major << 5) | 25; b.writeUInt16BE(n, 1); return b; }
  const b = Buffer.alloc(5); b[0] = (major << 5) | 26; b.writeUInt32BE(n, 1); return b;
}
export function encodeCbor(v) {
  if (typeof v === 'number') return v >= 0 ? head(0, v) : head(1, -1 - v);
  if (typeof v === 'boolean') return Buffer.from([v ? 0xf5 : 0xf4]);
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) return Buffer.concat([head(2, v.length), Buffer.from(v)]);
  if (typeof v === 'string') { const s = Buffer.from(v, 'utf8'); return Buffer.concat([head(3, s.length), s]); }
  if (Array.isArray(v)) return Buffer.concat([head(4, v.length), ...v.map(encodeCbor)]);
  if (v instanceof Map) {
    const parts = [head(5, v.size)];
    for (const [k, x] of v) parts.push(encodeCbor(k), encodeCbor(x));
    return Buffer.concat(parts);
  }
  if (v && typeof v === 'object') return encodeCbor(new Map(Object.entries(v)));
  throw new Error(`encodeCbor: unsupported ${typeof v}`);
}

const sha256 = (b) => crypto.createHash('sha256').update(b).digest();
const b64u = (b) => Buffer.from(b).toString('base64url');
const FLAG = { UP: 0x01, UV: 0x04, BE: 0x08, BS: 0x10, AT: 0x40 };

export class SoftAuthenticator {
  /** origin: clientDataJSON.origin; backup: set BE+BS (a "synced" passkey); uv: set UV. */
  constructor({ origin, backup = false, uv = true, aaguid = Buffer.alloc(16) } = {}) {
    this.origin = origin;
    this.backup = backup;
    this.uv = uv;
    this.aaguid = aaguid;
    this.credentials = new Map(); // id (b64url) -> {privateKey, rpId, userHandle, signCount}
  }

  flags(extra = 0) {
    let f = FLAG.UP | extra;
    if (this.uv) f |= FLAG.UV;
    if (this.backup) f |= FLAG.BE | FLAG.BS;
    return f;
  }

  /** navigator.credentials.create() for C1's `options` (PublicKeyCredentialCreationOptionsJSON).
   *  credentialId: reuse this id (base64url) instead of a random one; uv: override the UV flag. */
  register(options, { origin = this.origin, type = 'webauthn.create', challenge = options.challenge, credentialId, uv = this.uv } = {}) {
    const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const cose = new Map([[1, 2], [3, -7], [-1, 1], [-2, Buffer.from(jwk.x, 'base64url')], [-3, Buffer.from(jwk.y, 'base64url')]]);
    const credId = credentialId ? Buffer.from(credentialId, 'base64url') : crypto.randomBytes(16);
    const rpId = options.rp?.id ?? options.rpId;
    const counter = Buffer.alloc(4);
    const idLen = Buffer.alloc(2); idLen.writeUInt16BE(credId.length);
    const flags = this.flags(FLAG.AT) & (uv ? 0xff : ~FLAG.UV);
    const authData = Buffer.concat([sha256(rpId), Buffer.from([flags]), counter, this.aaguid, idLen, credId, encodeCbor(cose)]);
    const clientDataJSON = Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
    const attestationObject = encodeCbor(new Map([['fmt', 'none'], ['attStmt', new Map()], ['authData', authData]]));
    const id = b64u(credId);
    this.credentials.set(id, { privateKey, rpId, userHandle: options.user?.id, signCount: 0 });
    return {
      id, rawId: id, type: 'public-key',
      response: {
        clientDataJSON: b64u(clientDataJSON),
        attestationObject: b64u(attestationObject),
        transports: ['internal'],
        publicKeyAlgorithm: -7,
        authenticatorData: b64u(authData),
      },
      clientExtensionResults: { credProps: { rk: true } },
      authenticatorAttachment: 'platform',
    };
  }

  /** navigator.credentials.get() for C3's `options`; credentialId defaults to the only/first credential. */
  assert(options, { credentialId, origin = this.origin, type = 'webauthn.get', counterStep = 1, userHandle, uv = this.uv, clientDataExtra = {} } = {}) {
    const id = credentialId ?? [...this.credentials.keys()][0];
    const cred = this.credentials.get(id);
    if (!cred) throw new Error(`SoftAuthenticator: no credential ${id}`);
    cred.signCount += counterStep;
    const counter = Buffer.alloc(4); counter.writeUInt32BE(cred.signCount);
    const flags = this.flags() & (uv ? 0xff : ~FLAG.UV);
    const authData = Buffer.concat([sha256(options.rpId ?? cred.rpId), Buffer.from([flags]), counter]);
    const clientDataJSON = Buffer.from(JSON.stringify({ type, challenge: options.challenge, origin, crossOrigin: false, ...clientDataExtra }));
    const signature = crypto.sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), cred.privateKey);
    const response = { authenticatorData: b64u(authData), clientDataJSON: b64u(clientDataJSON), signature: b64u(signature) };
    const uh = userHandle === undefined ? cred.userHandle : userHandle;
    if (uh) response.userHandle = uh;
    return { id, rawId: id, type: 'public-key', response, clientExtensionResults: {}, authenticatorAttachment: 'platform' };
  }
}
