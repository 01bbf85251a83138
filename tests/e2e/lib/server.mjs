// Starts a throwaway Signet server for one test file.
//
//   const s = await startSignet({ origins: ['http://localhost:5173'], extraTenants: 1 });
//   s.baseUrl            -> 'http://127.0.0.1:PORT/v1' (what both SDKs are configured with)
//   s.tenantId/secretKey -> the first tenant (rpId 'localhost' unless told otherwise)
//   s.tenants            -> every tenant created, [0] is the first one
//   await s.stop()       -> SIGTERM, then SIGKILL after a bounded wait; removes the temp dir
//
// Every wait here is bounded. The server process is also killed when the test process exits
// (normally or by a signal), so a failing test never leaves a server behind.
import { spawn, execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import net from 'node:net';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(here, '..', '..', '..');
export const SIGNET_BIN = process.env.SIGNET_BIN || path.join(REPO_ROOT, 'build', 'release', 'signet');

const HEALTH_TIMEOUT_MS = Number(process.env.SIGNET_HEALTH_TIMEOUT_MS || 15000);
const CLI_TIMEOUT_MS = 20000;
const STOP_TIMEOUT_MS = 5000;

/** Resolves to the promise's value, or to 'timeout' after ms; never leaves a timer behind. */
export function withTimeout(promise, ms) {
  let timer;
  return Promise.race([
    promise,
    new Promise((r) => { timer = setTimeout(() => r('timeout'), ms); }),
  ]).finally(() => clearTimeout(timer));
}

const live = new Set();
function killAllSync() {
  for (const child of live) {
    try { child.kill('SIGKILL'); } catch { /* already gone */ }
  }
}
process.once('exit', killAllSync);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => { killAllSync(); process.exit(130); });
}

/** A free TCP port on 127.0.0.1 (bind to 0, read it back, release it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function runCli(args) {
  return new Promise((resolve, reject) => {
    execFile(SIGNET_BIN, args, { timeout: CLI_TIMEOUT_MS, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`signet ${args.join(' ')} failed: ${err.message}\nstdout: ${stdout}\nstderr: ${stderr}`));
      } else {
        resolve({ stdout, stderr });
      }
    });
  });
}

/**
 * `signet tenant create` against a database; returns {tenantId, secretKey, rpId, origins, name}.
 * The CLI prints one JSON line; we take the last line that parses as JSON with both members.
 */
export async function createTenant(databaseUrl, { rpId = 'localhost', origins = [], name, userVerification } = {}) {
  const args = ['tenant', 'create', '--database', databaseUrl, '--rp-id', rpId];
  for (const o of origins) args.push('--origin', o);
  if (name !== undefined) args.push('--name', name);
  if (userVerification !== undefined) args.push('--user-verification', userVerification);
  const { stdout, stderr } = await runCli(args);
  const lines = [stdout.trim(), ...stdout.trim().split('\n').reverse()];
  for (const line of lines) {
    try {
      const j = JSON.parse(line);
      if (j && typeof j.tenantId === 'string' && typeof j.secretKey === 'string') {
        return { tenantId: j.tenantId, secretKey: j.secretKey, rpId, origins, name };
      }
    } catch { /* not JSON */ }
  }
  throw new Error(`signet tenant create printed no {"tenantId","secretKey"} JSON line.\nstdout: ${stdout}\nstderr: ${stderr}`);
}

function httpGet(url, timeoutMs) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, text }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

async function waitForHealth(url, child, output, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let lastErr = 'no attempt';
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`signet serve exited early (code ${child.exitCode}, signal ${child.signalCode}).\n` +
        `--- signet stderr ---\n${output.stderr}\n--- signet stdout ---\n${output.stdout}`);
    }
    try {
      // node:http without keep-alive (fetch's pooled sockets would keep the test process alive).
      const res = await httpGet(url, 1000);
      const text = res.text;
      if (res.status === 200) {
        let body;
        try { body = JSON.parse(text); } catch { body = undefined; }
        if (body && body.status === 'ok') return;
        lastErr = `GET /health 200 but body ${JSON.stringify(text)}`;
      } else {
        lastErr = `GET /health -> ${res.status} ${text}`;
      }
    } catch (e) {
      lastErr = e.code || e.message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`signet serve did not become healthy within ${timeoutMs} ms (last: ${lastErr}).\n` +
    `--- signet stderr ---\n${output.stderr}\n--- signet stdout ---\n${output.stdout}`);
}

/**
 * Start Signet with a fresh SQLite database in a temp dir (or on SIGNET_E2E_DATABASE_URL when set).
 * options:
 *   origins       origins of the first tenant (default ['http://localhost:5173'])
 *   rpId          rpId of the first tenant (default 'localhost')
 *   name          name of the first tenant (default 'Signet Test')
 *   extraTenants  array of tenant options (or a count) created before `serve` starts
 *   origins may also be a function port => [origins] (e.g. the server's own origin for the demo
 *   page); the port is then chosen before the tenants are created.
 *   serveArgs     function ({port, tenants}) => extra `signet serve` arguments
 */
export async function startSignet(options = {}) {
  if (!existsSync(SIGNET_BIN)) {
    throw new Error(`Signet binary not found at ${SIGNET_BIN}. Build it with scripts/build or set SIGNET_BIN.`);
  }
  const {
    origins = ['http://localhost:5173'],
    rpId = 'localhost',
    name = 'Signet Test',
  } = options;
  let extra = options.extraTenants ?? [];
  if (typeof extra === 'number') {
    extra = Array.from({ length: extra }, (_, i) => ({
      rpId: 'localhost', origins: [`http://localhost:${6000 + i}`], name: `Other Tenant ${i + 1}`,
    }));
  }

  const dir = await mkdtemp(path.join(os.tmpdir(), 'signet-e2e-'));
  const dbPath = path.join(dir, 'signet.db');
  // SIGNET_E2E_DATABASE_URL (e.g. postgresql://signet@127.0.0.1:PORT/signet_test) runs the same tests
  // on a shared PostgreSQL: every test still gets its own tenants, so tests stay independent.
  const databaseUrl = process.env.SIGNET_E2E_DATABASE_URL || `sqlite://${dbPath}`; // sqlite:///tmp/...
  const createAll = async (o) => {
    const list = [await createTenant(databaseUrl, { rpId, origins: o, name })];
    for (const t of extra) list.push(await createTenant(databaseUrl, t));
    return list;
  };
  const portFirst = typeof origins === 'function';
  let tenants = portFirst ? [] : await createAll(origins);

  let attempt = 0;
  for (;;) {
    attempt += 1;
    const port = await freePort();
    if (portFirst) tenants = await createAll(origins(port));
    const output = { stdout: '', stderr: '' };
    const extraArgs = options.serveArgs ? options.serveArgs({ port, tenants }) : [];
    const child = spawn(SIGNET_BIN, ['serve', '--listen', `127.0.0.1:${port}`, '--database', databaseUrl, ...extraArgs], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(child);
    child.stdout.setEncoding('utf8').on('data', (d) => { output.stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d) => { output.stderr += d; });
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    child.once('exit', () => live.delete(child));
    try {
      await waitForHealth(`http://127.0.0.1:${port}/health`, child, output, HEALTH_TIMEOUT_MS);
    } catch (e) {
      try { child.kill('SIGKILL'); } catch { /* gone */ }
      await withTimeout(exited, STOP_TIMEOUT_MS);
      // A port grabbed by someone else between freePort() and bind(): try another one, twice.
      if (attempt < 3 && /address already in use|EADDRINUSE/i.test(output.stderr)) continue;
      await rm(dir, { recursive: true, force: true });
      throw e;
    }

    let stopped = false;
    const stop = async () => {
      if (stopped) return;
      stopped = true;
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const t = await withTimeout(exited.then(() => 'exited'), STOP_TIMEOUT_MS);
        if (t === 'timeout') {
          child.kill('SIGKILL');
          await withTimeout(exited, STOP_TIMEOUT_MS);
        }
      }
      await rm(dir, { recursive: true, force: true });
    };

    return {
      port,
      origin: `http://127.0.0.1:${port}`,
      baseUrl: `http://127.0.0.1:${port}/v1`,
      databaseUrl,
      dir,
      tenantId: tenants[0].tenantId,
      secretKey: tenants[0].secretKey,
      tenant: tenants[0],
      tenants,
      /** Creates a tenant in the running server's database (the server may need to pick it up). */
      createTenant: async (opts) => {
        const t = await createTenant(databaseUrl, opts);
        tenants.push(t);
        return t;
      },
      output,
      process: child,
      /** Resolves {code, signal} when the server process exits. */
      exited,
      stop,
    };
  }
}
