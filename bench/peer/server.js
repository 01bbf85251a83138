// Reference peer for scripts/bench: the passkey server a team would typically write with Node.js,
// Fastify, @simplewebauthn/server and better-sqlite3, over both cores with node:cluster. It speaks
// the same wire shapes as Signet for the benchmarked endpoints (contract §6.1-§6.4, §8.1):
//   POST /v1/users/:userId/actions/:action                              (Basic secretKey:) -> HS256 JWT
//   POST /v1/client/user-authenticators/passkey/registration-options    (Bearer)  C1
//   POST /v1/client/user-authenticators/passkey                         (Bearer)  C2
//   POST /v1/client/user-authenticators/passkey/authentication-options  (Bearer)  C3
//   POST /v1/client/verify/passkey                                      (Bearer)  C4
//   GET  /health
// Challenges live in SQLite and are consumed once (DELETE ... RETURNING). SQLite runs in WAL mode
// with synchronous=NORMAL, the same durability as Signet's SQLite store.
//
// Environment: PORT, HOST (127.0.0.1), DB (path), SECRET_KEY, RP_ID (localhost),
// ORIGIN (http://localhost:9), WORKERS (os.availableParallelism()).
import cluster from 'node:cluster';
import crypto from 'node:crypto';
import os from 'node:os';
import Database from 'better-sqlite3';
import Fastify from 'fastify';
import jwt from 'jsonwebtoken';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';

const cfg = {
  port: Number(process.env.PORT || 8080),
  host: process.env.HOST || '127.0.0.1',
  db: process.env.DB || 'peer.db',
  secretKey: process.env.SECRET_KEY || '',
  rpId: process.env.RP_ID || 'localhost',
  rpName: process.env.RP_NAME || 'Bench',
  origin: process.env.ORIGIN || 'http://localhost:9',
  workers: Number(process.env.WORKERS || os.availableParallelism()),
};
const TOKEN_TTL = 600;
const CHALLENGE_TTL = 600;
const ALL_SCOPES = 'read:authenticators add:authenticators update:authenticators remove:authenticators';

function openDb() {
  const db = new Database(cfg.db, { timeout: 5000 });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  return db;
}

if (cluster.isPrimary) {
  if (!cfg.secretKey) {
    console.error('peer: SECRET_KEY is required');
    process.exit(2);
  }
  const db = openDb();
  db.exec(`
    CREATE TABLE IF NOT EXISTS users (
      id TEXT PRIMARY KEY, username TEXT, display_name TEXT, user_handle TEXT UNIQUE);
    CREATE TABLE IF NOT EXISTS actions (
      user_id TEXT NOT NULL REFERENCES users(id), code TEXT NOT NULL, idempotency_key TEXT NOT NULL,
      state TEXT NOT NULL, verified_by TEXT, device_id TEXT, updated_at INTEGER NOT NULL,
      PRIMARY KEY (user_id, code, idempotency_key));
    CREATE TABLE IF NOT EXISTS challenges (
      id TEXT PRIMARY KEY, type TEXT NOT NULL, user_id TEXT NOT NULL, action_code TEXT NOT NULL,
      idempotency_key TEXT NOT NULL, challenge TEXT NOT NULL, username TEXT, display_name TEXT,
      expires_at INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS authenticators (
      id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id), credential_id TEXT NOT NULL UNIQUE,
      public_key BLOB NOT NULL, counter INTEGER NOT NULL, transports TEXT, aaguid TEXT,
      backup_eligible INTEGER, backup_state INTEGER, attachment TEXT, username TEXT, display_name TEXT,
      created_at INTEGER NOT NULL, last_verified_at INTEGER);
    CREATE INDEX IF NOT EXISTS authenticators_user ON authenticators(user_id);
  `);
  db.close();
  for (let i = 0; i < cfg.workers; i++) cluster.fork();
  cluster.on('exit', (w, code, signal) => {
    if (!shuttingDown) console.error(`peer: worker ${w.process.pid} died (${signal || code})`);
  });
  let shuttingDown = false;
  const stop = () => {
    shuttingDown = true;
    for (const w of Object.values(cluster.workers)) w.kill('SIGTERM');
    setTimeout(() => process.exit(0), 2000).unref();
    cluster.on('exit', () => {
      if (Object.keys(cluster.workers).length === 0) process.exit(0);
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} else {
  startWorker();
}

function startWorker() {
  const db = openDb();
  const q = {
    upsertUser: db.prepare(
      `INSERT INTO users (id, username) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET username = COALESCE(users.username, excluded.username)`),
    getUser: db.prepare('SELECT * FROM users WHERE id = ?'),
    setHandle: db.prepare('UPDATE users SET user_handle = ? WHERE id = ? AND user_handle IS NULL'),
    insertAction: db.prepare(
      `INSERT INTO actions (user_id, code, idempotency_key, state, updated_at) VALUES (?, ?, ?, ?, ?)`),
    getAction: db.prepare('SELECT state FROM actions WHERE user_id = ? AND code = ? AND idempotency_key = ?'),
    completeAction: db.prepare(
      `UPDATE actions SET state = 'CHALLENGE_SUCCEEDED', verified_by = ?, device_id = COALESCE(?, device_id), updated_at = ?
       WHERE user_id = ? AND code = ? AND idempotency_key = ?`),
    insertChallenge: db.prepare(
      `INSERT INTO challenges (id, type, user_id, action_code, idempotency_key, challenge, username, display_name, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    takeChallenge: db.prepare('DELETE FROM challenges WHERE id = ? RETURNING *'),
    credsOfUser: db.prepare('SELECT credential_id, transports FROM authenticators WHERE user_id = ?'),
    countCreds: db.prepare('SELECT COUNT(*) AS n FROM authenticators WHERE user_id = ?'),
    credById: db.prepare('SELECT * FROM authenticators WHERE credential_id = ?'),
    insertAuthenticator: db.prepare(
      `INSERT INTO authenticators (id, user_id, credential_id, public_key, counter, transports, aaguid, backup_eligible,
         backup_state, attachment, username, display_name, created_at, last_verified_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    updateCounter: db.prepare(
      'UPDATE authenticators SET counter = ?, backup_state = ?, last_verified_at = ? WHERE id = ? AND counter = ?'),
    fillNames: db.prepare(
      'UPDATE users SET username = COALESCE(username, ?), display_name = COALESCE(display_name, ?) WHERE id = ?'),
  };
  const now = () => Math.floor(Date.now() / 1000);

  const app = Fastify({ logger: false, bodyLimit: 65536 });

  class HttpError extends Error {
    constructor(status, error, description, errorCode) {
      super(description);
      this.status = status;
      this.body = { error, errorDescription: description };
      if (errorCode) this.body.errorCode = errorCode;
    }
  }
  app.setErrorHandler((err, req, reply) => {
    if (err instanceof HttpError) return reply.code(err.status).send(err.body);
    if (err.validation || err.statusCode === 400) {
      return reply.code(400).send({ error: 'invalid_request', errorDescription: 'Malformed request.' });
    }
    req.log.error(err);
    return reply.code(500).send({ error: 'internal_error', errorDescription: 'Internal error.' });
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: 'not_found', errorDescription: 'Not found.' }));

  function issueToken(userId, actionCode, idempotencyKey, scope) {
    return jwt.sign(
      {
        sub: userId,
        jti: crypto.randomUUID(),
        scope,
        other: { tenantId: 'peer', publishableKey: 'peer', userId, actionCode, idempotencyKey },
      },
      cfg.secretKey,
      { algorithm: 'HS256', expiresIn: TOKEN_TTL, issuer: 'http://127.0.0.1/v1' },
    );
  }

  function basicSecret(req) {
    const h = req.headers.authorization || '';
    if (!/^basic /i.test(h)) throw new HttpError(401, 'unauthorized', 'Missing credentials.');
    const decoded = Buffer.from(h.slice(6).trim(), 'base64').toString();
    const key = decoded.split(':')[0];
    const a = Buffer.from(key);
    const b = Buffer.from(cfg.secretKey);
    if (a.length !== b.length || !crypto.timingSafeEqual(a, b)) throw new HttpError(401, 'unauthorized', 'Bad key.');
  }

  function bearer(req) {
    const h = req.headers.authorization || '';
    if (!/^bearer /i.test(h)) throw new HttpError(401, 'unauthorized', 'Bearer token required.');
    let claims;
    try {
      claims = jwt.verify(h.slice(7).trim(), cfg.secretKey, { algorithms: ['HS256'], clockTolerance: 5 });
    } catch (e) {
      if (e.name === 'TokenExpiredError') throw new HttpError(401, 'expired_token', 'Token expired.');
      throw new HttpError(401, 'invalid_token', 'Invalid token.');
    }
    const o = claims.other || {};
    if (claims.sub !== o.userId) throw new HttpError(401, 'invalid_token', 'Invalid token.');
    const action = q.getAction.get(o.userId, o.actionCode, o.idempotencyKey);
    if (!action) throw new HttpError(404, 'not_found', 'Action not found.');
    if (action.state === 'BLOCK') throw new HttpError(401, 'unauthorized', 'Action blocked.');
    return { userId: o.userId, actionCode: o.actionCode, idempotencyKey: o.idempotencyKey, scope: claims.scope || '' };
  }

  function enrolmentGate(tok) {
    if (!tok.scope.split(' ').includes('add:authenticators') && q.countCreds.get(tok.userId).n > 0) {
      throw new HttpError(401, 'insufficient_scope', 'Token lacks add:authenticators.');
    }
  }

  function takeChallenge(id, type, tok) {
    const c = q.takeChallenge.get(id);
    if (!c || c.type !== type || c.expires_at < now() || c.user_id !== tok.userId || c.action_code !== tok.actionCode ||
        c.idempotency_key !== tok.idempotencyKey) {
      throw new HttpError(400, 'invalid_request', 'Unknown or expired challenge.');
    }
    return c;
  }

  app.get('/health', async () => ({ status: 'ok' }));

  // §8.1 track
  app.post('/v1/users/:userId/actions/:action', async (req) => {
    basicSecret(req);
    const { userId, action } = req.params;
    if (!/^[a-zA-Z0-9_-]{1,64}$/.test(action) || userId.length < 1 || userId.length > 256) {
      throw new HttpError(400, 'invalid_request', 'Bad path.');
    }
    const body = req.body || {};
    const idempotencyKey = body.idempotencyKey || crypto.randomUUID();
    const scope = ['read:authenticators', ...String(body.scope || '').split(' ').filter(Boolean)].join(' ');
    const enrolled = db.transaction(() => {
      q.upsertUser.run(userId, body.username ?? null);
      const isEnrolled = q.countCreds.get(userId).n > 0;
      q.insertAction.run(userId, action, idempotencyKey, isEnrolled ? 'CHALLENGE_REQUIRED' : 'ALLOW', now());
      return isEnrolled;
    })();
    const token = issueToken(userId, action, idempotencyKey, scope);
    return {
      state: enrolled ? 'CHALLENGE_REQUIRED' : 'ALLOW',
      idempotencyKey,
      token,
      url: `http://127.0.0.1/v1/prebuilt?token=${token}`,
      isEnrolled: enrolled,
      enrolledVerificationMethods: enrolled ? ['PASSKEY'] : [],
      allowedVerificationMethods: ['PASSKEY'],
      ...(enrolled ? { defaultVerificationMethod: 'PASSKEY' } : {}),
      ruleIds: [],
    };
  });

  // §6.1 C1
  app.post('/v1/client/user-authenticators/passkey/registration-options', async (req) => {
    const tok = bearer(req);
    enrolmentGate(tok);
    const body = req.body || {};
    const att = body.authenticatorAttachment;
    if (att !== undefined && att !== null && att !== 'platform' && att !== 'cross-platform') {
      throw new HttpError(400, 'invalid_request', 'Bad authenticatorAttachment.');
    }
    let user = q.getUser.get(tok.userId);
    if (!user.user_handle) {
      q.setHandle.run(crypto.randomBytes(32).toString('base64url'), tok.userId);
      user = q.getUser.get(tok.userId);
    }
    const username = body.username || user.username || tok.userId;
    const displayName = body.displayName || user.display_name || username;
    const options = await generateRegistrationOptions({
      rpName: cfg.rpName,
      rpID: cfg.rpId,
      userID: Buffer.from(user.user_handle, 'base64url'),
      userName: username,
      userDisplayName: displayName,
      timeout: 300000,
      attestationType: 'none',
      excludeCredentials: q.credsOfUser.all(tok.userId).map((c) => ({
        id: c.credential_id,
        transports: c.transports ? JSON.parse(c.transports) : undefined,
      })),
      authenticatorSelection: {
        residentKey: 'required',
        requireResidentKey: true,
        userVerification: 'preferred',
        ...(att ? { authenticatorAttachment: att } : {}),
      },
      supportedAlgorithmIDs: [-8, -7, -257],
    });
    const challengeId = crypto.randomUUID();
    q.insertChallenge.run(challengeId, 'passkey-registration', tok.userId, tok.actionCode, tok.idempotencyKey,
      options.challenge, username, displayName, now() + CHALLENGE_TTL);
    return { challengeId, options };
  });

  // §6.2 C2
  app.post('/v1/client/user-authenticators/passkey', async (req) => {
    const tok = bearer(req);
    enrolmentGate(tok);
    const { registrationCredential: cred, challengeId, deviceId, conditionalCreate } = req.body || {};
    if (!cred || typeof cred !== 'object' || typeof challengeId !== 'string') {
      throw new HttpError(400, 'invalid_request', 'Missing registrationCredential or challengeId.');
    }
    const ch = takeChallenge(challengeId, 'passkey-registration', tok);
    let verification;
    try {
      verification = await verifyRegistrationResponse({
        response: cred,
        expectedChallenge: ch.challenge,
        expectedOrigin: cfg.origin,
        expectedRPID: cfg.rpId,
        requireUserPresence: conditionalCreate !== true,
        requireUserVerification: false,
      });
    } catch (e) {
      throw new HttpError(400, 'invalid_credential', e.message);
    }
    if (!verification.verified) throw new HttpError(400, 'invalid_credential', 'Registration not verified.');
    const info = verification.registrationInfo;
    const id = crypto.randomUUID();
    const t = now();
    try {
      db.transaction(() => {
        q.insertAuthenticator.run(id, tok.userId, info.credential.id, Buffer.from(info.credential.publicKey),
          info.credential.counter, JSON.stringify(cred.response?.transports || []), info.aaguid,
          info.credentialDeviceType === 'multiDevice' ? 1 : 0, info.credentialBackedUp ? 1 : 0,
          cred.authenticatorAttachment ?? null, ch.username, ch.display_name, t, t);
        q.fillNames.run(ch.username, ch.display_name, tok.userId);
        q.completeAction.run(id, deviceId ?? null, t, tok.userId, tok.actionCode, tok.idempotencyKey);
      })();
    } catch (e) {
      if (String(e.code).startsWith('SQLITE_CONSTRAINT')) throw new HttpError(400, 'invalid_credential', 'Credential already registered.');
      throw e;
    }
    return {
      isVerified: true,
      accessToken: issueToken(tok.userId, tok.actionCode, tok.idempotencyKey, ALL_SCOPES),
      userAuthenticatorId: id,
      userId: tok.userId,
      userAuthenticator: {
        userAuthenticatorId: id,
        verificationMethod: 'PASSKEY',
        createdAt: new Date(t * 1000).toISOString(),
        verifiedAt: new Date(t * 1000).toISOString(),
        webauthnCredential: { credentialId: info.credential.id, aaguid: info.aaguid },
      },
    };
  });

  // §6.3 C3 (Bearer)
  app.post('/v1/client/user-authenticators/passkey/authentication-options', async (req) => {
    const tok = bearer(req);
    const options = await generateAuthenticationOptions({
      rpID: cfg.rpId,
      timeout: 300000,
      userVerification: 'preferred',
      allowCredentials: q.credsOfUser.all(tok.userId).map((c) => ({
        id: c.credential_id,
        transports: c.transports ? JSON.parse(c.transports) : undefined,
      })),
    });
    const challengeId = crypto.randomUUID();
    q.insertChallenge.run(challengeId, 'passkey-authentication', tok.userId, tok.actionCode, tok.idempotencyKey,
      options.challenge, null, null, now() + CHALLENGE_TTL);
    return { challengeId, options };
  });

  // §6.4 C4 (Bearer)
  app.post('/v1/client/verify/passkey', async (req) => {
    const tok = bearer(req);
    const { authenticationCredential: cred, challengeId, deviceId } = req.body || {};
    if (!cred || typeof cred !== 'object' || typeof challengeId !== 'string') {
      throw new HttpError(400, 'invalid_request', 'Missing authenticationCredential or challengeId.');
    }
    const ch = takeChallenge(challengeId, 'passkey-authentication', tok);
    if (cred.id !== cred.rawId) throw new HttpError(400, 'invalid_credential', 'id and rawId differ.');
    const auth = q.credById.get(cred.rawId);
    if (!auth) throw new HttpError(400, 'invalid_credential', 'Unknown credential.', 'unknown_credential');
    if (auth.user_id !== tok.userId) throw new HttpError(400, 'invalid_credential', 'Credential of another user.');
    const user = q.getUser.get(auth.user_id);
    if (cred.response?.userHandle && cred.response.userHandle !== user.user_handle) {
      throw new HttpError(400, 'invalid_credential', 'userHandle mismatch.');
    }
    let verification;
    try {
      verification = await verifyAuthenticationResponse({
        response: cred,
        expectedChallenge: ch.challenge,
        expectedOrigin: cfg.origin,
        expectedRPID: cfg.rpId,
        requireUserVerification: false,
        credential: {
          id: auth.credential_id,
          publicKey: new Uint8Array(auth.public_key),
          counter: auth.counter,
          transports: auth.transports ? JSON.parse(auth.transports) : undefined,
        },
      });
    } catch (e) {
      throw new HttpError(400, 'invalid_credential', e.message);
    }
    if (!verification.verified) throw new HttpError(400, 'invalid_credential', 'Assertion not verified.');
    const info = verification.authenticationInfo;
    const t = now();
    db.transaction(() => {
      const r = q.updateCounter.run(info.newCounter, info.credentialBackedUp ? 1 : 0, t, auth.id, auth.counter);
      if (r.changes !== 1) throw new HttpError(400, 'invalid_credential', 'Concurrent use of the credential.');
      q.completeAction.run(auth.id, deviceId ?? null, t, tok.userId, tok.actionCode, tok.idempotencyKey);
    })();
    const res = {
      isVerified: true,
      accessToken: issueToken(tok.userId, tok.actionCode, tok.idempotencyKey, ALL_SCOPES),
      userId: auth.user_id,
      userAuthenticatorId: auth.id,
    };
    const username = auth.username || user.username;
    const displayName = auth.display_name || user.display_name;
    if (username) res.username = username;
    if (displayName) res.userDisplayName = displayName;
    return res;
  });

  app.listen({ port: cfg.port, host: cfg.host }).catch((e) => {
    console.error(`peer: ${e.message}`);
    process.exit(1);
  });
  process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
}
