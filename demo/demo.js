// Signet demo page. Plain browser JavaScript, no build step.
//
// The official SDK (@authsignal/browser 1.16.0, served by Signet at /demo/sdk.js) defines the global
// `authsignal`. The app-backend calls go to /demo/api/*, which Signet answers with the demo tenant's
// secret key on the server side:
//   GET  api/config                       -> {tenantId, baseUrl}
//   POST api/track    {userId, action, scope?} -> Server API track response (token, state, …)
//   POST api/validate {token}             -> Server API validate response (isValid, userId, …)
//   GET  api/users/{userId}/authenticators -> Server API get authenticators
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  let client = null; // the authsignal.Authsignal instance
  let session = null; // {userId, action, state, verificationMethod} once validated

  // ---------------------------------------------------------------- small helpers

  function setStatus(text, kind = 'info') {
    const el = $('status');
    el.textContent = text;
    el.dataset.kind = kind;
  }

  function log(step, detail) {
    const li = document.createElement('li');
    const time = new Date().toLocaleTimeString();
    li.textContent = `${time} · ${step}${detail === undefined ? '' : ` · ${typeof detail === 'string' ? detail : JSON.stringify(detail)}`}`;
    $('log').append(li);
    $('log').scrollTop = $('log').scrollHeight;
  }

  async function api(method, path, body) {
    const res = await fetch(`/demo/api/${path}`, {
      method,
      headers: body ? { 'Content-Type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(json.errorDescription || json.error || `HTTP ${res.status}`);
    return json;
  }

  function busy(on) {
    for (const id of ['signup', 'signin', 'add-passkey']) $(id).disabled = on;
  }

  /** Turns an SDK error result or a thrown WebAuthn error into one readable sentence. */
  function explain(err) {
    const code = err?.errorCode || err?.code || err?.name;
    switch (code) {
      case 'insufficient_scope':
        return 'This username already has a passkey. Sign in with it, then add another one.';
      case 'ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED':
      case 'InvalidStateError':
        return 'This device already holds a passkey for this account.';
      case 'NotAllowedError':
      case 'ERROR_PASSTHROUGH_SEE_CAUSE_PROPERTY':
        return 'The passkey prompt was closed or timed out.';
      case 'unknown_credential':
        return 'That passkey is not known here any more (it may have been deleted).';
      case 'expired_token':
        return 'The request took too long. Please try again.';
      default:
        return err?.errorDescription || err?.message || String(code || 'Something went wrong.');
    }
  }

  const formatDate = (iso) => (iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : '—');

  // ---------------------------------------------------------------- views

  function render() {
    $('signed-out').hidden = !!session;
    $('signed-in').hidden = !session;
    $('passkeys-card').hidden = !session;
    if (!session) return;
    $('current-user').textContent = session.userId;
    $('current-action').textContent = session.action;
    $('current-state').textContent = session.state;
    $('current-method').textContent = session.verificationMethod || '—';
  }

  async function loadPasskeys() {
    const tbody = $('passkeys').querySelector('tbody');
    const list = await api('GET', `users/${encodeURIComponent(session.userId)}/authenticators`);
    tbody.replaceChildren();
    for (const a of list) {
      const w = a.webauthnCredential || {};
      const tr = document.createElement('tr');
      tr.dataset.credentialId = w.credentialId || '';
      const synced = w.credentialDeviceType === 'multiDevice';
      const cells = [
        a.verificationMethod === 'SECURITY_KEY' ? `${w.name || 'Security key'}` : (w.name || 'Passkey'),
        formatDate(a.createdAt),
        formatDate(a.lastVerifiedAt),
      ];
      for (const text of cells) {
        const td = document.createElement('td');
        td.textContent = text;
        tr.append(td);
      }
      const kind = document.createElement('td');
      const badge = document.createElement('span');
      badge.className = `badge ${synced ? 'synced' : 'bound'}`;
      badge.textContent = synced ? 'synced' : 'device-bound';
      kind.append(badge);
      tr.append(kind);
      tr.cells[0].title = w.credentialId || '';
      tbody.append(tr);
    }
    if (list.length === 0) {
      const tr = document.createElement('tr');
      const td = document.createElement('td');
      td.colSpan = 4;
      td.className = 'muted';
      td.textContent = 'No passkeys.';
      tr.append(td);
      tbody.append(tr);
    }
  }

  /** Hands a token from the SDK to the backend, which decides whether the user is signed in. */
  async function finish(token, what) {
    const v = await api('POST', 'validate', { token });
    log('backend validate', { isValid: v.isValid, state: v.state, userId: v.userId, action: v.actionCode });
    if (!v.isValid) throw new Error(`The backend did not accept the token (state ${v.state}).`);
    session = { userId: v.userId, action: v.actionCode || v.action, state: v.state, verificationMethod: v.verificationMethod };
    render();
    setStatus(`${what} — welcome, ${v.userId}.`, 'ok');
    await loadPasskeys();
  }

  // ---------------------------------------------------------------- flows

  async function signUp(userId, { scope } = {}) {
    const t = await api('POST', 'track', { userId, action: 'createPasskey', ...(scope ? { scope } : {}) });
    log('backend track createPasskey', { state: t.state, isEnrolled: t.isEnrolled });
    const res = await client.passkey.signUp({ token: t.token, username: userId });
    if (res.error || !res.data) throw res;
    log('passkey.signUp', `credential ${res.data.registrationResponse?.id}`);
    return res.data.token;
  }

  async function onSignUp(event) {
    event.preventDefault();
    const userId = $('username').value.trim();
    if (!userId) { setStatus('Enter a username or email first.', 'error'); $('username').focus(); return; }
    busy(true);
    setStatus('Creating your passkey…');
    try {
      await finish(await signUp(userId), 'Passkey created');
    } catch (e) {
      log('sign-up failed', e?.errorCode || e?.code || e?.name || String(e));
      setStatus(explain(e), 'error');
      startAutofill();
    } finally { busy(false); }
  }

  async function onSignIn() {
    busy(true);
    setStatus('Waiting for your passkey…');
    try {
      const res = await client.passkey.signIn();
      if (res.error || !res.data) throw res;
      log('passkey.signIn', { userId: res.data.userId });
      await finish(res.data.token, 'Signed in');
    } catch (e) {
      log('sign-in failed', e?.errorCode || e?.code || e?.name || String(e));
      setStatus(explain(e), 'error');
      startAutofill();
    } finally { busy(false); }
  }

  async function onAddPasskey() {
    busy(true);
    setStatus('Creating another passkey…');
    try {
      // The user is signed in, so the backend may grant the scope that adds a passkey to an
      // account that already has one.
      await finish(await signUp(session.userId, { scope: 'add:authenticators' }), 'Passkey added');
    } catch (e) {
      log('add passkey failed', e?.errorCode || e?.code || e?.name || String(e));
      setStatus(explain(e), 'error');
    } finally { busy(false); }
  }

  /** Offer passkeys in the username field's autofill menu (conditional mediation). */
  async function startAutofill() {
    if (session || !client) return;
    let res;
    document.body.dataset.autofill = 'pending';
    try {
      res = await client.passkey.signIn({ autofill: true });
    } catch (e) {
      // Cancelled (e.g. the sign-in button started a modal request) or not supported: the buttons still work.
      log('autofill ended', e?.name || String(e));
      document.body.dataset.autofill = 'idle';
      return;
    }
    if (res && !res.data && !res.error) return; // {}: an earlier autofill request is still pending
    document.body.dataset.autofill = 'idle';
    if (res?.error) { log('autofill ended', res.errorCode); return; }
    log('passkey.signIn (autofill)', { userId: res.data.userId });
    try {
      await finish(res.data.token, 'Signed in from autofill');
    } catch (e) {
      setStatus(explain(e), 'error');
    }
  }

  function onSignOut() {
    session = null;
    render();
    setStatus('Signed out.');
    startAutofill();
  }

  // ---------------------------------------------------------------- start

  async function main() {
    $('signup-form').addEventListener('submit', onSignUp);
    $('signin').addEventListener('click', onSignIn);
    $('add-passkey').addEventListener('click', onAddPasskey);
    $('signout').addEventListener('click', onSignOut);
    try {
      if (!window.authsignal) throw new Error('The SDK (sdk.js) did not load: run npm ci in demo/.');
      if (!window.PublicKeyCredential) throw new Error('This browser does not support passkeys.');
      const config = await api('GET', 'config');
      client = new window.authsignal.Authsignal({ tenantId: config.tenantId, baseUrl: config.baseUrl });
      $('config-line').textContent = `tenant ${config.tenantId} · API ${config.baseUrl}`;
      log('ready', config);
      document.body.dataset.ready = 'true';
      startAutofill();
    } catch (e) {
      busy(true);
      setStatus(e.message, 'error');
      $('config-line').textContent = 'not configured';
      document.body.dataset.ready = 'error';
    }
  }

  main();
})();
