// The web UI end to end: a real tsvirtd with --listen-http, the built UI (npm run build:web),
// Debian's chromium driven by playwright-core, and the test guest booted through the form.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import type { Browser } from 'playwright-core';
import { startTestDaemon } from './daemon.js';
import { ensureTestGuest, guestCmdline } from './guest.js';
import { launchBrowser, shot } from './browser.js';

const VM = 'webvm';

/** Resolves with the HTTP status a WebSocket upgrade got (101 when it opened). */
function upgradeStatus(url: string, protocol?: string): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, protocol ? [protocol] : []);
    ws.once('open', () => { ws.close(); resolve(101); });
    ws.once('unexpected-response', (_req, res) => { resolve(res.statusCode ?? 0); ws.terminate(); });
    ws.once('error', () => resolve(0));
  });
}

test('web UI: login, create, consoles, shutdown, XML errors, delete', { timeout: 240_000 }, async (t) => {
  const guest = await ensureTestGuest();
  const d = await startTestDaemon({ args: ['--listen-http', '127.0.0.1:0'] });
  let browser: Browser | undefined;
  t.after(async () => {
    await browser?.close();
    await d.stop();
  });

  const ui = await d.cli(['ui']);
  assert.equal(ui.code, 0, ui.stderr);
  const loginUrl = ui.stdout.trim();
  const base = new URL(loginUrl).origin;
  assert.match(loginUrl, /^http:\/\/127\.0\.0\.1:\d+\/login\?token=[\w-]{20,}$/);

  await t.test('without a session only the login page answers', async () => {
    for (const p of ['/v1/domain.list', '/v1/ui.createLoginToken', '/v1/domain.destroy']) {
      const r = await fetch(base + p, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
      assert.equal(r.status, 401, p);
      assert.equal((await r.json()).error.code, 'auth-failed');
    }
    for (const p of ['/', '/v1/openapi.json', '/assets/x.js', '/login?token=forged']) {
      const r = await fetch(base + p);
      assert.equal(r.status, 401, p);
      assert.doesNotMatch(await r.text(), /"paths"|<script/, p);
    }
    const forged = await fetch(base + '/v1/domain.list', { method: 'POST', body: '{}', headers: { cookie: 'tsvirt_session=forged' } });
    assert.equal(forged.status, 401);
    const ws = base.replace('http', 'ws');
    assert.equal(await upgradeStatus(`${ws}/v1/events`), 401);
    assert.equal(await upgradeStatus(`${ws}/v1/console?domain=${VM}`), 401);
    assert.equal(await upgradeStatus(`${ws}/v1/vnc?domain=${VM}`, 'binary'), 401);
  });

  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  page.on('dialog', (dlg) => void dlg.accept());

  await t.test('the login link opens a session once', async () => {
    await page.goto(loginUrl);
    await page.waitForSelector('text=Virtual machines');
    await page.waitForSelector('.conn.up');
    const cookie = (await context.cookies()).find((c) => c.name === 'tsvirt_session');
    assert.ok(cookie?.httpOnly, 'session cookie is HttpOnly');
    assert.equal(cookie?.sameSite, 'Strict');
    const again = await fetch(loginUrl, { redirect: 'manual' });
    assert.equal(again.status, 401, 'a login token works only once');
    await shot(page, 'empty-list');
  });

  await t.test('CSRF: a call with the session cookie but without its CSRF token, or from another Origin, is refused', async () => {
    const session = (await context.cookies()).find((c) => c.name === 'tsvirt_session')!.value;
    const csrf = (await context.cookies()).find((c) => c.name === 'tsvirt_csrf');
    assert.ok(csrf && !csrf.httpOnly && csrf.sameSite === 'Strict', 'the CSRF cookie is readable by the page, and Strict');
    const post = (headers: Record<string, string>) => fetch(base + '/v1/domain.list', { method: 'POST', body: '{}', headers: { cookie: `tsvirt_session=${session}`, 'content-type': 'application/json', ...headers } });
    const none = await post({});
    assert.equal(none.status, 403);
    assert.match((await none.json()).error.message, /CSRF token is missing/);
    assert.equal((await post({ 'x-tsvirt-csrf': 'forged' })).status, 403);
    assert.equal((await post({ 'x-tsvirt-csrf': csrf.value, origin: 'http://evil.example' })).status, 403);
    assert.equal((await post({ 'x-tsvirt-csrf': csrf.value })).status, 200);
    // a script on the page must send it too (the UI's own calls do: the rest of this file goes through them)
    assert.equal(await page.evaluate(async () => (await fetch('/v1/domain.list', { method: 'POST', body: '{}' })).status), 403, 'a script without the token');
  });

  await t.test('the storage, network and host device pages show their lists', async () => {
    for (const [link, name] of [['Storage', 'storage'], ['Networks', 'networks'], ['Host devices', 'hostdevs']]) {
      await page.click(`.top nav >> text=${link}`);
      await page.waitForSelector(`main h1:has-text("${link}")`);
      await page.waitForSelector('main table.grid, main .empty');
      assert.equal(await page.locator('main .form-error').count(), 0, `${link} page shows an error`);
      await shot(page, name);
    }
    await page.click('.top nav >> text=Virtual machines');
  });

  await t.test('create a VM through the form', async () => {
    await page.click('text=+ Create virtual machine');
    await page.fill('input[name=name]', VM);
    await page.fill('input[name=memory]', '128');
    await page.check('input[name=boot][value=kernel]');
    await page.fill('input[name=kernel]', guest.kernel);
    await page.fill('input[name=initrd]', guest.initrd);
    // tty0 too, so the VGA screen shows the kernel's messages; ttyS0 last keeps /init's markers on serial
    await page.fill('input[name=cmdline]', `console=tty0 ${guestCmdline().replace(' quiet', '')}`);
    // a new 64 MiB qcow2 volume in the default pool for its disk
    await page.check('input[name=new-volume]');
    await page.fill('input[name=new-volume-size]', '0.0625');
    // a cloud-init seed: made after define, attached as a CD-ROM (the test guest ignores it)
    await page.check('input[name=cloud-init]');
    await page.fill('input[name=cloud-init-password]', 'web-secret');
    await page.fill('textarea[name=cloud-init-ssh-keys]', 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHdlYnRlc3RrZXl3ZWJ0ZXN0a2V5d2VidGVzdGtleQ web@test');
    await shot(page, 'create-form');
    await page.click('button[name=create]');
    await page.waitForURL(`**/#/vm/${VM}`);
    await page.waitForSelector('[data-state=shutoff]');
    assert.match((await d.cli(['dumpxml', '--inactive', VM])).stdout, /<source pool='default' volume='webvm\.qcow2'\/>/);
    assert.match((await d.cli(['vol-info', '--pool', 'default', 'webvm.qcow2'])).stdout, /Capacity:\s+64\.00 MiB/);
    assert.match((await d.cli(['dumpxml', '--inactive', VM])).stdout, /<disk type='volume' device='cdrom'>[\s\S]*?<source pool='default' volume='webvm-cidata\.iso'\/>/);
    assert.match((await d.cli(['vol-list', 'default'])).stdout, /webvm-cidata\.iso/);
    await shot(page, 'details-overview');
  });

  await t.test('start it: the serial console shows the boot marker', async () => {
    await page.click('.tabs >> text=Serial console');
    await page.waitForSelector('text=The virtual machine is not running');
    await page.click('.page-head button:has-text("Start")');
    await page.waitForSelector('.page-head [data-state=running]');
    await page.waitForSelector('.console-status[data-status=connected]');
    await page.waitForFunction(() => document.querySelector('.xterm-rows')?.textContent?.includes('TSVIRT-GUEST-UP'), null, { timeout: 120_000 });
    await shot(page, 'serial-console');
  });

  await t.test('Send Ctrl+Alt+Del reaches the guest: its init ends and the guest boots again', async () => {
    await page.click('button[name=ctrl-alt-del]');
    await page.waitForSelector(`.msg.info:has-text("Sent Ctrl+Alt+Del to ${VM}")`);
    // the reboot's messages scroll the first marker away, then the second boot prints it again
    await page.waitForFunction(() => !document.querySelector('.xterm-rows')?.textContent?.includes('TSVIRT-GUEST-UP'), null, { timeout: 60_000 });
    await page.waitForFunction(() => document.querySelector('.xterm-rows')?.textContent?.includes('TSVIRT-GUEST-UP'), null, { timeout: 120_000 });
  });

  await t.test('the graphical console draws the guest screen', async () => {
    await page.click('.tabs >> text=Graphical console');
    await page.waitForSelector('.console-status[data-status=connected]');
    const canvas = page.locator('.vnc-screen canvas');
    await canvas.waitFor();
    // drawn = more than a handful of pixels differ from the top-left one (the screen is not one colour)
    await page.waitForFunction(() => {
      const c = document.querySelector('.vnc-screen canvas') as HTMLCanvasElement | null;
      if (!c || c.width < 100) return false;
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let differing = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i] !== data[0] || data[i + 1] !== data[1] || data[i + 2] !== data[2]) differing++;
      return differing > 500;
    }, null, { timeout: 60_000 });
    await shot(page, 'graphical-console');
  });

  await t.test('shut down from the list: the state changes without a reload', async () => {
    await page.click('.top nav >> text=Virtual machines');
    const row = page.locator(`tr[data-vm=${VM}]`);
    await row.locator('[data-state=running]').waitFor();
    await row.locator('.cpu .num').waitFor({ timeout: 10_000 }); // CPU usage needs two samples
    await shot(page, 'vm-list-running');
    await page.evaluate(() => ((window as unknown as { noReload: boolean }).noReload = true));
    await row.locator('button:has-text("Shut down")').click();
    await row.locator('[data-state=shutoff]').waitFor({ timeout: 60_000 });
    assert.equal(await page.evaluate(() => (window as unknown as { noReload?: boolean }).noReload), true, 'the page was not reloaded');
  });

  await t.test('an invalid XML edit shows the error', async () => {
    await page.goto(`${base}/#/vm/${VM}/xml`);
    const area = page.locator('textarea[name=xml]');
    await area.waitFor();
    const xml = await area.inputValue();
    assert.match(xml, /<name>webvm<\/name>/);
    await area.fill(xml.replace('<vcpu', '<vcpux').replace('</vcpu>', '</vcpux>'));
    await page.click('button[name=save-xml]');
    const err = page.locator('.xml-error');
    await err.waitFor();
    assert.match(await err.innerText(), /vcpux/);
    await shot(page, 'xml-error');
    await area.fill(xml.replace('</domain>', ''));
    await page.click('button[name=save-xml]');
    await page.waitForFunction(() => /malformed XML/.test(document.querySelector('.xml-error')?.textContent ?? ''));
  });

  await t.test('delete the VM', async () => {
    await page.goto(`${base}/#/vm/${VM}`);
    await page.click('.page-head button:has-text("Delete")');
    await page.click('button[name=confirm-delete]');
    await page.waitForURL((u) => u.hash === '#/');
    await page.waitForSelector('text=No virtual machines yet.');
    const r = await d.cli(['list', '--all', '--name']);
    assert.doesNotMatch(r.stdout, /webvm/);
    assert.match((await d.cli(['vol-list', 'default'])).stdout, /webvm\.qcow2/, 'deleted without its storage: the volume stays');
  });
});
