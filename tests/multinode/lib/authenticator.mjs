// A software WebAuthn authenticator + client (what a browser and a platform authenticator do
// together), with ES256 (ECDSA P-256) keys from node:crypto.
//
//   const auth = new SoftAuthenticator({ rpId: 'localhost', origin: 'http://localhost:9' });
//   const reg = auth.create(c1.options);                 // RegistrationResponseJSON (fmt "none")
//   const asr = auth.get(c3.options);                    // AuthenticationResponseJSON (DER ECDSA)
//
// create() keeps the new credential (private key, user handle, sign counter); get() picks one of
// them (from allowCredentials, or any discoverable one for rpId when the list is empty) and bumps its
// counter by one per assertion. Every binary member is base64url without padding.
import crypto from 'node:crypto';
import { encode as cbor } from './cbor.mjs';

export const FLAG_UP = 0x01;
export const FLAG_UV = 0x04;
export const FLAG_BE = 0x08;
export const FLAG_BS = 0x10;
export const FLAG_AT = 0x40;

export const b64u = (buf) => Buffer.from(buf).toString('base64url');
export const fromB64u = (s) => Buffer.from(s, 'base64url');
export const sha256 = (data) => crypto.createHash('sha256').update(data).digest();

const COSE_ALG_ES256 = -7;
// A fixed, made-up AAGUID so the server has something non-zero to store.
const AAGUID = Buffer.from('5167a1e0c5a84b3e9d2f7a1c0e6b4d38', 'hex');

/** COSE_Key (RFC 9053) for a P-256 public key: {1: 2 (EC2), 3: -7 (ES256), -1: 1 (P-256), -2: x, -3: y}. */
export function coseEc2Key(publicKey) {
  const jwk = publicKey.export({ format: 'jwk' });
  return cbor(new Map([
    [1, 2],
    [3, COSE_ALG_ES256],
    [-1, 1],
    [-2, fromB64u(jwk.x)],
    [-3, fromB64u(jwk.y)],
  ]));
}

/** authenticatorData: rpIdHash ‖ flags ‖ signCount (u32 BE) ‖ [attested credential data]. */
export function authenticatorData({ rpId, flags, counter, attested }) {
  const head = Buffer.alloc(37);
  sha256(rpId).copy(head, 0);
  head[32] = flags;
  head.writeUInt32BE(counter >>> 0, 33);
  if (!attested) return head;
  const len = Buffer.alloc(2);
  len.writeUInt16BE(attested.credentialId.length);
  return Buffer.concat([head, AAGUID, len, attested.credentialId, attested.cosePublicKey]);
}

export function clientDataJSON({ type, challenge, origin }) {
  return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }), 'utf8');
}

export class SoftAuthenticator {
  /**
   * rpId: the relying party this authenticator answers for; origin: put in clientDataJSON.
   * startCounter: the sign counter reported at registration (0 = "no counter" semantics, then
   * every assertion still increments it).
   */
  constructor({ rpId = 'localhost', origin, startCounter = 1 } = {}) {
    if (!origin) throw new Error('SoftAuthenticator needs the origin the tenant expects');
    this.rpId = rpId;
    this.origin = origin;
    this.startCounter = startCounter;
    /** base64url credential id -> { id, privateKey, publicKey, userHandle, counter, rpId } */
    this.credentials = new Map();
  }

  /** navigator.credentials.create() with C1's options -> RegistrationResponseJSON. */
  create(options, { flags = FLAG_UP | FLAG_UV | FLAG_AT, origin = this.origin, credentialId } = {}) {
    if (!options || typeof options.challenge !== 'string') throw new Error('creation options without a challenge');
    if (options.rp?.id !== undefined && options.rp.id !== this.rpId) {
      throw new Error(`rp.id ${options.rp.id} does not match this authenticator's rpId ${this.rpId}`);
    }
    if (!(options.pubKeyCredParams || []).some((p) => p.type === 'public-key' && p.alg === COSE_ALG_ES256)) {
      throw new Error('ES256 not offered in pubKeyCredParams');
    }
    for (const ex of options.excludeCredentials || []) {
      if (this.credentials.has(ex.id)) {
        const e = new Error('InvalidStateError: credential excluded');
        e.name = 'InvalidStateError';
        throw e;
      }
    }
    const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    // credentialId (base64url) forces a credential id, e.g. to register one id twice.
    const id = credentialId !== undefined ? fromB64u(credentialId) : crypto.randomBytes(16);
    const cosePublicKey = coseEc2Key(publicKey);
    const counter = this.startCounter;
    const authData = authenticatorData({ rpId: this.rpId, flags, counter, attested: { credentialId: id, cosePublicKey } });
    const attestationObject = cbor({ fmt: 'none', attStmt: {}, authData });
    const cdj = clientDataJSON({ type: 'webauthn.create', challenge: options.challenge, origin });
    const idB64 = b64u(id);
    this.credentials.set(idB64, {
      id, privateKey, publicKey, counter, rpId: this.rpId,
      userHandle: options.user?.id,
    });
    return {
      id: idB64,
      rawId: idB64,
      type: 'public-key',
      response: {
        clientDataJSON: b64u(cdj),
        attestationObject: b64u(attestationObject),
        transports: ['internal', 'hybrid'],
        publicKeyAlgorithm: COSE_ALG_ES256,
        publicKey: b64u(publicKey.export({ format: 'der', type: 'spki' })),
        authenticatorData: b64u(authData),
      },
      clientExtensionResults: { credProps: { rk: true } },
      authenticatorAttachment: 'platform',
    };
  }

  /** Which stored credential get() would use for these options (credentialId forces one). */
  pick(options, credentialId) {
    if (credentialId !== undefined) {
      const c = this.credentials.get(credentialId);
      if (!c) throw new Error(`no credential ${credentialId}`);
      return c;
    }
    const allow = (options.allowCredentials || []).map((c) => c.id);
    const candidates = [...this.credentials.entries()]
      .filter(([id, c]) => c.rpId === (options.rpId ?? this.rpId) && (allow.length === 0 || allow.includes(id)));
    if (candidates.length === 0) throw new Error('NotAllowedError: no matching credential');
    return candidates[candidates.length - 1][1];
  }

  /**
   * navigator.credentials.get() with C3's options -> AuthenticationResponseJSON.
   * opts.credentialId picks a credential; opts.counter overrides the reported counter (without it
   * the counter goes up by one); opts.flags / origin / challenge / userHandle override for
   * negative tests.
   */
  get(options, opts = {}) {
    const cred = this.pick(options, opts.credentialId);
    const counter = opts.counter ?? cred.counter + 1;
    cred.counter = Math.max(cred.counter, counter);
    const authData = authenticatorData({ rpId: this.rpId, flags: opts.flags ?? (FLAG_UP | FLAG_UV), counter });
    const cdj = clientDataJSON({
      type: 'webauthn.get', challenge: opts.challenge ?? options.challenge, origin: opts.origin ?? this.origin,
    });
    const signature = crypto.sign('sha256', Buffer.concat([authData, sha256(cdj)]), { key: cred.privateKey, dsaEncoding: 'der' });
    const idB64 = b64u(cred.id);
    const response = {
      authenticatorData: b64u(authData),
      clientDataJSON: b64u(cdj),
      signature: b64u(signature),
    };
    const userHandle = opts.userHandle === undefined ? cred.userHandle : opts.userHandle;
    if (userHandle !== null && userHandle !== undefined) response.userHandle = userHandle;
    return {
      id: idB64,
      rawId: idB64,
      type: 'public-key',
      response,
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }
}

/** A copy of an assertion with one byte of its signature changed (still valid DER framing). */
export function tamperSignature(assertion) {
  const sig = fromB64u(assertion.response.signature);
  sig[sig.length - 1] ^= 0x01;
  return { ...assertion, response: { ...assertion.response, signature: b64u(sig) } };
}
