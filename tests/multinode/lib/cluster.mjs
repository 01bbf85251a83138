// Several `signet serve` processes on loopback sharing one PostgreSQL database.
//
//   const c = await startCluster();               // nodes A and B on SIGNET_MULTINODE_DATABASE_URL
//   const t = await c.createTenant();             // `signet tenant create` (rpId localhost, origin http://localhost:9)
//   await c.nodes[0].request('GET', '/health');   // keep-alive HTTP to node A
//   await c.stop();                               // SIGTERM, bounded, then SIGKILL
//
// The database: SIGNET_MULTINODE_DATABASE_URL (scripts/test-multinode starts a throwaway PostgreSQL
// with scripts/pg-test-server and sets it). Without it, the first startCluster() of a test process
// starts its own throwaway server the same way and stops it when the process exits.
//
// Every wait is bounded; every child is SIGKILLed when the test process exits for any reason.
import { spawn, execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createTenant as cliCreateTenant, SIGNET_BIN, withTimeout } from '../../e2e/lib/server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(here, '..', '..', '..');
export { SIGNET_BIN };

/** The origin every test tenant expects in clientDataJSON. Nothing listens there; none needs to. */
export const TENANT_ORIGIN = 'http://localhost:9';
/** What the nodes are told their public URL is (a load balancer in front of them, in a deployment). */
export const PUBLIC_URL = 'http://localhost:9/v1';

const START_TIMEOUT_MS = Number(process.env.SIGNET_HEALTH_TIMEOUT_MS || 15000);
const STOP_TIMEOUT_MS = 5000;
const REQUEST_TIMEOUT_MS = 10000;
const PGBIN = process.env.PGBIN || '/usr/lib/postgresql/15/bin';

const live = new Set();
let ownPg; // { dir, url } when this process started its own PostgreSQL

function cleanupSync() {
  for (const child of live) {
    try { child.kill('SIGKILL'); } catch { /* gone */ }
  }
  if (ownPg) {
    try {
      execFileSync(path.join(REPO_ROOT, 'scripts', 'pg-test-server'), ['stop', ownPg.dir], { stdio: 'ignore', timeout: 40000 });
    } catch { /* best effort */ }
    ownPg = undefined;
  }
}
process.once('exit', cleanupSync);
for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, () => { cleanupSync(); process.exit(130); });

/** The shared database URL (starting a private PostgreSQL if the environment names none). */
export function databaseUrl() {
  const env = process.env.SIGNET_MULTINODE_DATABASE_URL;
  if (env) return env;
  if (!ownPg) {
    // pg-test-server takes an empty directory and hands it to the server's user.
    const base = mkdtempSync(path.join('/tmp', 'signet-multinode-pg-'));
    const url = execFileSync(path.join(REPO_ROOT, 'scripts', 'pg-test-server'), ['start', base], {
      encoding: 'utf8', timeout: 60000, stdio: ['ignore', 'pipe', 'inherit'],
    }).trim();
    ownPg = { dir: base, url };
  }
  return ownPg.url;
}

function runFile(file, args, timeout = 20000) {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${file} ${args.join(' ')} failed: ${err.message}\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** A new, empty database next to the shared one (same server); returns its URL. */
export async function createDatabase(baseUrl = databaseUrl()) {
  const u = new URL(baseUrl);
  const name = `mn_${crypto.randomBytes(6).toString('hex')}`;
  await runFile(path.join(PGBIN, 'createdb'), ['-h', u.hostname, '-p', u.port || '5432', '-U', decodeURIComponent(u.username), name]);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Runs one SQL statement with psql on a database URL; resolves its output (unaligned, tuples only). */
export function sql(dbUrl, statement) {
  return runFile(process.env.PSQL || 'psql', ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-d', dbUrl, '-c', statement]);
}

/** One JSON-over-HTTP request on a keep-alive agent. Resolves {status, json, text, headers}. */
function httpRequest(agent, port, method, urlPath, { headers = {}, json } = {}) {
  const hdrs = { ...headers };
  let payload;
  if (json !== undefined) {
    payload = Buffer.from(JSON.stringify(json), 'utf8');
    hdrs['Content-Type'] = 'application/json';
    hdrs['Content-Length'] = String(payload.length);
  }
  return new Promise((resolve, reject) => {
    let settled = false;
    const done = (fn, v) => { if (!settled) { settled = true; clearTimeout(timer); fn(v); } };
    const req = http.request({ host: '127.0.0.1', port, method, path: urlPath, headers: hdrs, agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('error', (e) => done(reject, e));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed;
        try { parsed = text.length ? JSON.parse(text) : undefined; } catch { parsed = undefined; }
        done(resolve, { status: res.statusCode, json: parsed, text, headers: res.headers });
      });
    });
    const timer = setTimeout(() => req.destroy(new Error(`timeout after ${REQUEST_TIMEOUT_MS} ms: ${method} ${urlPath} on :${port}`)),
      REQUEST_TIMEOUT_MS);
    req.on('error', (e) => done(reject, e));
    if (payload) req.write(payload);
    req.end();
  });
}

async function waitHealthy(node, deadline) {
  let last = 'no attempt';
  const agent = new http.Agent({ keepAlive: false });
  try {
    while (Date.now() < deadline) {
      if (node.process.exitCode !== null || node.process.signalCode !== null) {
        throw new Error(`node ${node.name} exited early (code ${node.process.exitCode}, signal ${node.process.signalCode})\n${node.output.stderr}`);
      }
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(node.output.stderr);
      if (m) {
        node.port = Number(m[1]);
        try {
          const res = await httpRequest(agent, node.port, 'GET', '/health');
          if (res.status === 200) return;
          last = `GET /health -> ${res.status} ${res.text}`;
        } catch (e) {
          last = e.code || e.message;
        }
      } else {
        last = 'no "listening on" line yet';
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    agent.destroy();
  }
  throw new Error(`node ${node.name} not healthy within ${START_TIMEOUT_MS} ms (last: ${last})\n--- stderr ---\n${node.output.stderr}`);
}

/** Spawns one `signet serve` on 127.0.0.1, any free port (read back from its log line). */
export async function startNode(name, dbUrl, { publicUrl = PUBLIC_URL, extraArgs = [] } = {}) {
  if (!existsSync(SIGNET_BIN)) throw new Error(`no Signet binary at ${SIGNET_BIN} (scripts/build, or set SIGNET_BIN)`);
  const args = ['serve', '--listen', '127.0.0.1:0', '--database', dbUrl, '--log-level', 'info', ...extraArgs];
  if (publicUrl) args.push('--public-url', publicUrl);
  const child = spawn(SIGNET_BIN, args, { cwd: os.tmpdir(), stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  const output = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (d) => { output.stdout += d; });
  child.stderr.setEncoding('utf8').on('data', (d) => { output.stderr += d; });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => { live.delete(child); resolve({ code, signal }); }));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const node = {
    name, port: 0, process: child, output, exited, agent,
    get origin() { return `http://127.0.0.1:${this.port}`; },
    get baseUrl() { return `http://127.0.0.1:${this.port}/v1`; },
    request(method, urlPath, opts) { return httpRequest(agent, this.port, method, urlPath, opts); },
    async stop() {
      agent.destroy();
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        if ((await withTimeout(exited, STOP_TIMEOUT_MS)) === 'timeout') {
          child.kill('SIGKILL');
          await withTimeout(exited, STOP_TIMEOUT_MS);
        }
      }
      return exited;
    },
  };
  try {
    await waitHealthy(node, Date.now() + START_TIMEOUT_MS);
  } catch (e) {
    child.kill('SIGKILL');
    await withTimeout(exited, STOP_TIMEOUT_MS);
    throw e;
  }
  return node;
}

/**
 * Starts `count` nodes at the same time on one database (default: the shared one).
 * Returns { databaseUrl, nodes, a, b, createTenant(opts), stop() }.
 */
export async function startCluster({ count = 2, database, publicUrl = PUBLIC_URL } = {}) {
  const dbUrl = database ?? databaseUrl();
  const names = ['A', 'B', 'C', 'D', 'E'];
  const settled = await Promise.allSettled(
    Array.from({ length: count }, (_, i) => startNode(names[i] ?? `N${i}`, dbUrl, { publicUrl })));
  const nodes = settled.filter((s) => s.status === 'fulfilled').map((s) => s.value);
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) {
    await Promise.all(nodes.map((n) => n.stop()));
    throw failed.reason;
  }
  return {
    databaseUrl: dbUrl,
    nodes,
    a: nodes[0],
    b: nodes[1],
    /** `signet tenant create` on the shared database while the nodes run. */
    createTenant: ({ origins = [TENANT_ORIGIN], rpId = 'localhost', name } = {}) =>
      cliCreateTenant(dbUrl, { rpId, origins, name }),
    async stop() {
      await Promise.all(nodes.map((n) => n.stop()));
    },
  };
}
