// Test page module. Exposes window.signetTest for Playwright's page.evaluate, and sets
// window.signetTestReady = true once loaded.
//
// Two ways of driving registration:
//  * low level (issue 2): fetch C1 ourselves with the Bearer token, then hand `options` to
//    @simplewebauthn/browser's startRegistration — the very function @authsignal/browser 1.16.0's
//    passkey.signUp calls with `{ optionsJSON: response.options }`. It base64url-decodes `challenge`,
//    `user.id` and `excludeCredentials[].id`, passes everything else to navigator.credentials.create
//    unchanged, and encodes the response as RegistrationResponseJSON.
//  * official SDK (issue 4): `new Authsignal({ tenantId, baseUrl })` from the @authsignal/browser dist
//    bundle; sdkSignUp / sdkSignIn wrap its passkey methods.
import { startRegistration, startAuthentication, base64URLStringToBuffer } from '/vendor/simplewebauthn/index.js';
import { Authsignal } from '/vendor/authsignal.mjs';

const log = (msg) => { document.getElementById('log').textContent += `${msg}\n`; };

function errorInfo(e) {
  return {
    name: e?.name, message: e?.message, code: e?.code,
    cause: e?.cause ? { name: e.cause.name, message: e.cause.message } : undefined,
  };
}

let sdk = null;

window.signetTest = {
  /** POST C1 (or C1w) with a Bearer token, exactly the request SDK 1.16.0 makes. */
  async fetchRegistrationOptions({ baseUrl, token, body = {}, web = false }) {
    const url = `${baseUrl}/client/user-authenticators/passkey/registration-options${web ? '/web' : ''}`;
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: await res.json() };
  },

  /** Fetch C1, but report a network/CORS failure instead of throwing. */
  async tryFetchRegistrationOptions(args) {
    try { return { ok: true, ...(await this.fetchRegistrationOptions(args)) }; }
    catch (e) { return { ok: false, error: errorInfo(e) }; }
  },

  /** The SDK's decoding, exposed so a test can check it byte for byte. */
  decodeB64url(s) { return Array.from(new Uint8Array(base64URLStringToBuffer(s))); },

  /** startRegistration({optionsJSON}) as signUp does; resolves {ok, response} or {ok:false, error}. */
  async register(optionsJSON) {
    try {
      const response = await startRegistration({ optionsJSON });
      log(`registered ${response.id}`);
      return { ok: true, response };
    } catch (e) {
      log(`registration failed: ${e?.name} ${e?.message}`);
      return { ok: false, error: errorInfo(e) };
    }
  },

  /** startAuthentication({optionsJSON}) as signIn does (issue 4). */
  async authenticate(optionsJSON) {
    try { return { ok: true, response: await startAuthentication({ optionsJSON }) }; }
    catch (e) { return { ok: false, error: errorInfo(e) }; }
  },

  /** Official SDK instance for this page (issue 4). */
  initSdk({ tenantId, baseUrl, onTokenExpired }) {
    sdk = new Authsignal({
      tenantId, baseUrl,
      onTokenExpired: onTokenExpired ? () => { window.signetTest.tokenExpiredCalls += 1; } : undefined,
    });
    return true;
  },
  tokenExpiredCalls: 0,
  /**
   * The SDK's own C1 request: passkey.api.registrationOptions is what passkey.signUp calls first
   * (same URL building from baseUrl, same headers, same body rules, same onTokenExpired handling).
   * It is an internal member of the 1.16.0 bundle, used here to drive C1 before C2 exists.
   */
  async sdkRegistrationOptions(args) {
    try { return { ok: true, result: await sdk.passkey.api.registrationOptions(args) }; }
    catch (e) { return { ok: false, error: errorInfo(e) }; }
  },
  async sdkSignUp(args) {
    try { return { ok: true, result: await sdk.passkey.signUp(args) }; }
    catch (e) { return { ok: false, error: errorInfo(e) }; }
  },
  async sdkSignIn(args) {
    try { return { ok: true, result: await sdk.passkey.signIn(args) }; }
    catch (e) { return { ok: false, error: errorInfo(e) }; }
  },
  /** Start signIn without awaiting it (autofill); collect the outcome with sdkPendingResult(). */
  sdkSignInStart(args) {
    const id = (this.pendingSeq += 1);
    this.pending[id] = { done: false };
    sdk.passkey.signIn(args).then(
      (result) => { this.pending[id] = { done: true, ok: true, result }; },
      (e) => { this.pending[id] = { done: true, ok: false, error: errorInfo(e) }; },
    );
    return id;
  },
  pending: {},
  pendingSeq: 0,
  sdkPendingResult(id) { return this.pending[id]; },
  async isConditionalMediationAvailable() {
    return !!(await window.PublicKeyCredential?.isConditionalMediationAvailable?.());
  },
  setToken(token) { sdk.setToken(token); return true; },
  passkeyMap() { return JSON.parse(localStorage.getItem('as_user_passkey_map') || '{}'); },
  async sdkSecurityKeyEnroll(args) {
    try { return { ok: true, result: await sdk.securityKey.enroll(args) }; }
    catch (e) { return { ok: false, error: errorInfo(e) }; }
  },
  async sdkSecurityKeyVerify() {
    try { return { ok: true, result: await sdk.securityKey.verify() }; }
    catch (e) { return { ok: false, error: errorInfo(e) }; }
  },
  async sdkIsAvailableOnDevice(args) {
    try { return { ok: true, result: await sdk.passkey.isAvailableOnDevice(args) }; }
    catch (e) { return { ok: false, error: errorInfo(e) }; }
  },
};
window.signetTestReady = true;
