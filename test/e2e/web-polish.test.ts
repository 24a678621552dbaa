// The web UI as a new user meets it (issue #18): the first screen says "connecting", not
// "reconnecting"; the whole menu is there from the first paint; /favicon.ico exists; the
// create form picks the active `default` network; Force off asks first; a broken XML edit
// shows the daemon's message, not the browser's parser page; underscores show in the serial
// console at 1x; the demo guest's VGA screen shows its banner. A real tsvirtd in a network
// namespace this file makes (the default network runs there), Debian's chromium in it too,
// the demo's own definition booting the test guest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { REPO } from './daemon.js';
import { startWebHost } from './web-host.js';
import { ensureTestGuest, waitForText, GUEST_READY } from './guest.js';
import { shot } from './browser.js';

const NS = `tsvt-wpol-${process.pid}`;
const VM = 'polvm';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Counts the ink pixels (not the terminal's background) of a screenshot, in the page itself. */
async function inkPixels(page: Page, png: Buffer): Promise<number> {
  return page.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.width;
    c.height = img.height;
    const g = c.getContext('2d')!;
    g.drawImage(img, 0, 0);
    const px = g.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    // the terminal's background is #101418; ink is anything clearly brighter
    for (let i = 0; i < px.length; i += 4) if (px[i] + px[i + 1] + px[i + 2] > 200) n++;
    return n;
  }, png.toString('base64'));
}

test('web UI polish: first paint, menu, favicon, default network, Force off, XML errors, underscores', { timeout: 240_000 }, async (t) => {
  const guest = await ensureTestGuest();
  const { d, browser, loginUrl, base, ok } = await startWebHost(t, NS);
  await ok(['net-start', 'default']);
  // the demo's own definition (scripts/demo.sh): its disk volume in the default pool, the default network
  await ok(['vol-create-as', 'default', 'demo-disk.qcow2', '64M', '--format', 'qcow2']);
  const file = path.join(d.root, `${VM}.xml`);
  writeFileSync(file, readFileSync(path.join(REPO, 'scripts/demo-domain.xml'), 'utf8')
    .replace('<name>demo</name>', `<name>${VM}</name>`).replace('@KERNEL@', guest.kernel).replace('@INITRD@', guest.initrd));
  await ok(['define', file]);
  await ok(['start', VM]);

  // 1x pixels: where the underscores went missing
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, deviceScaleFactor: 1 });
  // every text the connection badge and the menu show, from the first paint on
  await context.addInitScript(() => {
    const seen = { badge: [] as string[], firstMenu: null as string[] | null };
    (window as unknown as { seen: typeof seen }).seen = seen;
    new MutationObserver(() => {
      const b = document.querySelector('.conn')?.textContent ?? undefined;
      if (b !== undefined && seen.badge.at(-1) !== b) seen.badge.push(b);
      const nav = document.querySelector('.top nav');
      if (nav && !seen.firstMenu) seen.firstMenu = [...nav.querySelectorAll('a')].map((a) => a.textContent ?? '');
    }).observe(document, { subtree: true, childList: true, characterData: true });
  });
  const page = await context.newPage();
  const dialogs: string[] = [];
  let answer = false;
  page.on('dialog', (dlg) => {
    dialogs.push(dlg.message());
    void (answer ? dlg.accept() : dlg.dismiss());
  });

  await t.test('/favicon.ico answers, also before the login', async () => {
    const r = await page.goto(`${base}/favicon.ico`);
    assert.equal(r?.status(), 200);
    assert.equal(r?.headers()['content-type'], 'image/x-icon');
    assert.ok((await r!.body()).length > 0);
  });

  await t.test('the first paint says connecting, and shows the whole menu', async () => {
    await page.goto(loginUrl);
    await page.waitForSelector('.conn.up');
    await page.waitForSelector(`tr[data-vm="${VM}"]`);
    const seen = await page.evaluate(() => (window as unknown as { seen: { badge: string[]; firstMenu: string[] } }).seen);
    assert.deepEqual(seen.badge, ['connecting…', 'connected']);
    assert.deepEqual(seen.firstMenu, ['Virtual machines', 'Storage', 'Networks', 'Host devices']);
  });

  await t.test('the create form picks the active default network', async () => {
    await page.goto(`${base}/#/new`);
    await page.waitForFunction(() => (document.querySelector('select[name=network]') as HTMLSelectElement | null)?.value === 'default', null, { timeout: 10_000 });
    await shot(page, 'polish-create-default-network');
  });

  await t.test('a broken XML edit shows the daemon\'s message', async () => {
    await page.goto(`${base}/#/vm/${VM}/xml`);
    const area = page.locator('textarea[name=xml]');
    await area.waitFor();
    const xml = await area.inputValue();
    await area.fill(xml.replace('</domain>', ''));
    await page.click('button[name=save-xml]');
    const err = page.locator('.xml-error');
    await err.waitFor();
    const text = await err.innerText();
    assert.match(text, /malformed XML: unclosed element <domain>/);
    assert.doesNotMatch(text, /rendering of the page|This page contains/);
  });

  await t.test('underscores show in the serial console at 1x', async () => {
    await page.goto(`${base}/#/vm/${VM}/serial`);
    await page.waitForSelector('.console-status[data-status=connected]');
    // the console shows only what comes after it connected: the boot is seen in the serial log,
    // up to the shell's prompt (after DHCP on the default network)
    const serial = path.join(d.root, 'var/log/tsvirt/qemu', VM, 'serial0.log');
    await waitForText(serial, GUEST_READY, 120_000);
    await waitForText(serial, 'tsvirt-guest:/#', 30_000);
    const row = page.locator('.xterm-rows > div', { hasText: /^_______:42/ });
    for (let i = 0; i < 20 && !(await row.count()); i++) {
      await page.locator('.xterm').click();
      // Ctrl+C drops a line mangled by the shell's cursor query (ESC[6n, answered by xterm as
      // input) racing the typing, which left a quote open; then type at a human pace
      if (i > 0) {
        await page.keyboard.press('Control+C');
        await sleep(300);
      }
      await page.keyboard.type('echo "_______:$((6*7))"\n', { delay: 15 });
      await row.first().waitFor({ timeout: 3000 }).catch(() => undefined);
    }
    if (!(await row.count())) {
      await shot(page, 'polish-serial-no-answer');
      const shown = await page.evaluate(() => [...document.querySelectorAll('.xterm-rows > div')].map((r) => r.textContent?.trimEnd()).filter(Boolean).join('\n'));
      assert.fail(`the echoed line never showed; the terminal shows:\n${shown}\nserial log tail:\n${readFileSync(serial, 'latin1').slice(-600)}`);
    }
    // the first 7 cells of that row hold only underscores: their ink must be in a shot of them.
    // Where they are is read in the page, and read again after the shot: the terminal may have
    // scrolled in between (a shell respawned after Ctrl+C prints its banner), then it is shot again
    const where = () => row.first().evaluate((el) => {
      const text = document.createTreeWalker(el, NodeFilter.SHOW_TEXT).nextNode()!;
      const r = document.createRange();
      r.setStart(text, 0);
      r.setEnd(text, 7);
      const b = r.getBoundingClientRect();
      const line = el.getBoundingClientRect();
      return { x: b.x, width: b.width, y: line.y, height: line.height };
    });
    let png: Buffer | undefined;
    for (let i = 0; i < 10 && !png; i++) {
      const before = await where();
      const shotOf = await page.screenshot({ clip: before });
      if (JSON.stringify(await where()) === JSON.stringify(before)) png = shotOf;
      else await sleep(300);
    }
    assert.ok(png, 'the terminal kept scrolling');
    await shot(page, 'polish-serial-underscores');
    assert.ok(await inkPixels(page, png) >= 7 * 3, 'the underscores of the echoed line have ink');
  });

  await t.test('the demo guest\'s VGA screen in the VNC tab shows its banner, not the BIOS', async () => {
    await page.goto(`${base}/#/vm/${VM}/graphics`);
    await page.waitForSelector('.console-status[data-status=connected]');
    // the banner line is white on VGA blue (#0000aa): thousands of such pixels
    await page.waitForFunction(() => {
      const c = document.querySelector('.vnc-screen canvas') as HTMLCanvasElement | null;
      if (!c || c.width < 100) return false;
      const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let blue = 0;
      for (let i = 0; i < px.length; i += 4) if (px[i] < 40 && px[i + 1] < 40 && px[i + 2] > 140) blue++;
      return blue > 3000;
    }, null, { timeout: 30_000 });
    await shot(page, 'polish-vga-banner');
  });

  await t.test('Force off asks first; no leaves the guest running, yes stops it', async () => {
    await page.goto(`${base}/#/vm/${VM}`);
    await page.click('.page-head button:has-text("Force off")');
    assert.match(dialogs.at(-1) ?? '', new RegExp(`force off '${VM}'`, 'i'));
    await new Promise((r) => setTimeout(r, 500));
    assert.match(await ok(['domstate', VM]), /^running/);
    answer = true;
    await page.click('.page-head button:has-text("Force off")');
    await page.waitForSelector('.page-head [data-state=shutoff]');
    assert.match(await ok(['domstate', VM]), /^shut off/);
  });
});
