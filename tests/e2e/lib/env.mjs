// One call to set up a browser test file: page server + Signet (tenant origins = the page origin)
// + headless chromium + the official @authsignal/node backend. Meant to be reused by the issue-4
// end-to-end flows (sign-up, sign-in, autofill, …).
//
//   const env = await startBrowserEnv({ extraTenants: 1 });
//   await env.withPage(async (p) => { ... p.evaluate(...), p.credentials() ... });
//   await env.stop();
import { Authsignal } from '@authsignal/node';
import { startSignet } from './server.mjs';
import { startPageServer } from './page-server.mjs';
import { launchBrowser, openPage } from './browser.mjs';

export async function startBrowserEnv({ name = 'Signet Browser Test', extraTenants = [], launchArgs = [] } = {}) {
  const env = {};
  try {
    env.pageServer = await startPageServer();
    // extraTenants may be a function of the page origin (e.g. a second tenant the page can also use).
    const extra = typeof extraTenants === 'function' ? extraTenants(env.pageServer.origin) : extraTenants;
    env.signet = await startSignet({ origins: [env.pageServer.origin], name, extraTenants: extra });
    env.backend = new Authsignal({ apiSecretKey: env.signet.secretKey, apiUrl: env.signet.baseUrl });
    env.chromium = await launchBrowser(launchArgs);
  } catch (e) {
    await stopEnv(env);
    throw e;
  }
  /** Open the test page (fresh context + virtual authenticator), run fn(p), always close. */
  env.withPage = async (fn, { authenticator, url = `${env.pageServer.origin}/`, browser = env.chromium.browser } = {}) => {
    const p = await openPage(browser, url, authenticator);
    try {
      return await fn(p);
    } finally {
      await p.close();
    }
  };
  /** Configure the official browser SDK on a page for this Signet (tenant 0 unless told). */
  env.initSdk = (p, { tenant = env.signet.tenants[0], onTokenExpired = true } = {}) =>
    p.evaluate((a) => window.signetTest.initSdk(a), { tenantId: tenant.tenantId, baseUrl: env.signet.baseUrl, onTokenExpired });
  env.stop = () => stopEnv(env);
  return env;
}

async function stopEnv(env) {
  await env.chromium?.close();
  await env.signet?.stop();
  await env.pageServer?.close();
}
