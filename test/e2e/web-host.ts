// A tsvirtd with its web UI inside a network namespace made for one test (its networks' bridges
// and dnsmasq run there), Chromium in the same namespace, and a login link. Everything it made
// ends with the test (t.after), in reverse order: the browser, the daemon and its QEMUs, the namespace.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import type { Browser } from 'playwright-core';
import { startTestDaemon, type TestDaemon } from './daemon.js';
import { addNetns, removeNetns } from './netns.js';
import { launchBrowser } from './browser.js';

export interface WebHost {
  d: TestDaemon;
  browser: Browser;
  /** the one-time link `tsvirt ui` printed */
  loginUrl: string;
  /** http://127.0.0.1:PORT */
  base: string;
  /** a tsvirt command that must succeed: its output */
  ok(args: string[]): Promise<string>;
}

export async function startWebHost(t: TestContext, ns: string): Promise<WebHost> {
  let d: TestDaemon | undefined;
  let browser: Browser | undefined;
  t.after(async () => {
    await browser?.close();
    await d?.stop();
    await removeNetns(ns);
  });
  await addNetns(ns);
  d = await startTestDaemon({ netns: ns, args: ['--listen-http', '127.0.0.1:0'] });
  const daemon = d;
  const ok = async (args: string[]) => {
    const r = await daemon.cli(args);
    assert.equal(r.code, 0, `tsvirt ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const loginUrl = (await ok(['ui'])).trim();
  browser = await launchBrowser({ netns: ns });
  return { d, browser, loginUrl, base: new URL(loginUrl).origin, ok };
}
