// A tiny static HTTP server for the browser tests. It serves, on a loopback port:
//   /                         page/index.html
//   /app.mjs                  page/app.mjs (the test page's module)
//   /vendor/authsignal.mjs    @authsignal/browser 1.16.0 dist bundle (self-contained ESM)
//   /vendor/simplewebauthn/*  @simplewebauthn/browser ESM build (what that bundle inlines)
// Open it as http://localhost:PORT (a WebAuthn secure context whose rpId is `localhost`).
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = path.dirname(fileURLToPath(import.meta.url));
const e2eRoot = path.resolve(here, '..');
const require = createRequire(import.meta.url);

const authsignalDist = path.join(path.dirname(require.resolve('@authsignal/browser/package.json')), 'dist', 'index.js');
// @simplewebauthn/browser is a dependency of @authsignal/browser (locked in package-lock.json);
// look for it where npm puts it: hoisted, or nested under @authsignal/browser.
const swaEsm = [
  path.join(e2eRoot, 'node_modules', '@simplewebauthn', 'browser', 'esm'),
  path.join(path.dirname(authsignalDist), '..', 'node_modules', '@simplewebauthn', 'browser', 'esm'),
].find((d) => existsSync(path.join(d, 'index.js')));
if (!swaEsm) throw new Error('@simplewebauthn/browser (dependency of @authsignal/browser) not installed; run scripts/setup');

const TYPES = { '.html': 'text/html; charset=utf-8', '.mjs': 'text/javascript', '.js': 'text/javascript', '.map': 'application/json' };

function resolvePath(urlPath) {
  if (urlPath === '/' || urlPath === '/index.html') return path.join(e2eRoot, 'page', 'index.html');
  if (urlPath === '/app.mjs') return path.join(e2eRoot, 'page', 'app.mjs');
  if (urlPath === '/vendor/authsignal.mjs') return authsignalDist;
  if (urlPath.startsWith('/vendor/simplewebauthn/')) {
    const rel = path.normalize(urlPath.slice('/vendor/simplewebauthn/'.length));
    if (rel.startsWith('..') || path.isAbsolute(rel)) return null;
    return path.join(swaEsm, rel);
  }
  return null;
}

/** Start on 127.0.0.1:port (0 = any). Resolves {port, origin, close()}. */
export function startPageServer(port = 0) {
  const server = http.createServer(async (req, res) => {
    const urlPath = new URL(req.url, 'http://x').pathname;
    const file = resolvePath(urlPath);
    if (!file) { res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found'); return; }
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream', 'Cache-Control': 'no-store' });
      res.end(body);
    } catch {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const actual = server.address().port;
      resolve({
        port: actual,
        origin: `http://localhost:${actual}`,
        close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }),
      });
    });
  });
}
