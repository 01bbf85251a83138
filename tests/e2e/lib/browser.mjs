// Headless Debian chromium via playwright-core (no downloaded browser), plus Chrome DevTools
// Protocol WebAuthn virtual authenticators. Every wait is bounded; close() kills the browser.
import { chromium } from 'playwright-core';
import { existsSync } from 'node:fs';
import { withTimeout } from './server.mjs';

export const CHROMIUM = process.env.SIGNET_CHROMIUM || '/usr/bin/chromium';
const LAUNCH_TIMEOUT_MS = 30000;
const EVAL_TIMEOUT_MS = 30000;

/** extraArgs: appended to the standard flags (e.g. --enable-features=...). */
export async function launchBrowser(extraArgs = []) {
  if (!existsSync(CHROMIUM)) throw new Error(`chromium not found at ${CHROMIUM} (scripts/setup installs Debian's chromium)`);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: LAUNCH_TIMEOUT_MS,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', ...extraArgs],
  });
  const closeBrowser = async () => {
    const r = await withTimeout(browser.close().catch(() => {}), 10000);
    if (r === 'timeout') { try { browser.process?.()?.kill('SIGKILL'); } catch { /* gone */ } }
  };
  process.once('exit', () => { try { browser.process?.()?.kill('SIGKILL'); } catch { /* gone */ } });
  return { browser, close: closeBrowser };
}

/**
 * A fresh context + page on `url`, with a CDP session and a virtual authenticator attached.
 * authenticator: options merged into WebAuthn.addVirtualAuthenticator's `options`.
 */
/**
 * opts.ready: a page function that returns true once the page is ready (default: the e2e test
 * page's window.signetTestReady). opts.authenticatorFirst: attach the virtual authenticator to the
 * blank page before navigating (for pages that start a WebAuthn request while loading, e.g. the
 * demo's autofill); the authenticator stays attached across navigations of the page.
 */
export async function openPage(browser, url, authenticator = {}, { ready = () => window.signetTestReady === true, authenticatorFirst = false } = {}) {
  const context = await browser.newContext();
  context.setDefaultTimeout(EVAL_TIMEOUT_MS);
  const page = await context.newPage();
  const consoleLines = [];
  page.on('console', (m) => consoleLines.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => consoleLines.push(`[pageerror] ${e.message}`));
  const load = async () => {
    await page.goto(url, { timeout: EVAL_TIMEOUT_MS });
    await page.waitForFunction(ready, null, { timeout: EVAL_TIMEOUT_MS });
  };
  if (!authenticatorFirst) await load();
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      ctap2Version: 'ctap2_1',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
      ...authenticator,
    },
  });
  if (authenticatorFirst) await load();
  return {
    context, page, cdp, authenticatorId, consoleLines,
    /** page.evaluate with a bounded wait. */
    evaluate: (fn, arg, timeoutMs = EVAL_TIMEOUT_MS) => {
      let timer;
      const timeout = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`page.evaluate timed out after ${timeoutMs} ms\n${consoleLines.join('\n')}`)), timeoutMs);
      });
      return Promise.race([page.evaluate(fn, arg), timeout]).finally(() => clearTimeout(timer));
    },
    /** Credentials held by the page's (first) virtual authenticator, or by another one. */
    credentials: async (id = authenticatorId) => (await cdp.send('WebAuthn.getCredentials', { authenticatorId: id })).credentials,
    /** Add another virtual authenticator (e.g. {protocol:'ctap2', transport:'usb'}); returns its id. */
    addAuthenticator: async (options) => (await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', ctap2Version: 'ctap2_1', automaticPresenceSimulation: true, ...options },
    })).authenticatorId,
    removeAuthenticator: (id = authenticatorId) => cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: id }),
    setUserVerified: (isUserVerified, id = authenticatorId) => cdp.send('WebAuthn.setUserVerified', { authenticatorId: id, isUserVerified }),
    clearCredentials: (id = authenticatorId) => cdp.send('WebAuthn.clearCredentials', { authenticatorId: id }),
    close: () => withTimeout(context.close().catch(() => {}), 10000),
  };
}
