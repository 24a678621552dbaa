// Debian's chromium driven by playwright-core, for the web UI tests; optionally inside a
// network namespace (a wrapper runs it through `ip netns exec`), so it reaches a tsvirtd
// that listens on that namespace's loopback. Screenshots go to test-results/.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { REPO } from './daemon.js';

export const CHROMIUM = '/usr/bin/chromium';
export const SHOTS = path.join(REPO, 'test-results');
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function launchBrowser(opts: { netns?: string } = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (scripts/deps.sh)`);
  if (!existsSync(path.join(REPO, 'dist/web/index.html'))) throw new Error('the UI is not built: run npm run build:web');
  mkdirSync(SHOTS, { recursive: true });
  let executablePath = CHROMIUM;
  let wrapperDir: string | undefined;
  if (opts.netns) {
    wrapperDir = mkdtempSync(path.join(os.tmpdir(), 'tsvirt-chromium-'));
    executablePath = path.join(wrapperDir, 'chromium');
    writeFileSync(executablePath, `#!/bin/sh\nexec ip netns exec '${opts.netns}' ${CHROMIUM} "$@"\n`);
    chmodSync(executablePath, 0o755);
  }
  const browser = await chromium.launch({ executablePath, args: FLAGS });
  if (wrapperDir) browser.on('disconnected', () => rmSync(wrapperDir!, { recursive: true, force: true }));
  return browser;
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SHOTS, `web-${name}.png`) });
}
