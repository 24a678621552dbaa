// Video models in the browser's VNC console: one busybox guest per <video> model (virtio, qxl,
// vga, bochs) with <graphics type='vnc'/>, all started on one daemon; for each, the web UI's
// noVNC canvas draws the guest's screen (not one colour) at the size QEMU's VNC server gives
// a second, plain RFB client (its ServerInit), i.e. the guest's resolution.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { startTestDaemon } from './daemon.js';
import { ensureTestGuest, GUEST_MARKER, guestCmdline, minimalDomainXml, waitForText } from './guest.js';
import { launchBrowser, shot } from './browser.js';

const MODELS = ['virtio', 'qxl', 'vga', 'bochs'] as const;
/** the QEMU device of each model as the primary card */
const DEVICE: Record<(typeof MODELS)[number], string> = { virtio: 'virtio-vga', qxl: 'qxl-vga', vga: 'VGA', bochs: 'bochs-display' };
/** bochs-display has no VGA text mode and the cloud kernel no DRM driver: its screen is UEFI's GOP framebuffer (efifb) */
const UEFI: readonly string[] = ['bochs'];
const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd';
const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd';

/** The framebuffer size a VNC server announces (RFB 3.8, security type None, ServerInit). */
function vncSize(port: number): Promise<{ width: number; height: number }> {
  return new Promise((resolve, reject) => {
    const s = net.createConnection({ host: '127.0.0.1', port });
    let buf = Buffer.alloc(0);
    let step = 0;
    const fail = (why: string) => { s.destroy(); reject(new Error(`VNC on port ${port}: ${why}`)); };
    s.setTimeout(10_000, () => fail('no answer'));
    s.on('error', (e) => fail(e.message));
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        if (step === 0 && buf.length >= 12) { // ProtocolVersion
          s.write('RFB 003.008\n'); buf = buf.subarray(12); step = 1;
        } else if (step === 1 && buf.length >= 1 && buf.length >= 1 + buf[0]!) { // security types
          const types = [...buf.subarray(1, 1 + buf[0]!)];
          if (!types.includes(1)) return fail(`no security type None in [${types}]`);
          buf = buf.subarray(1 + buf[0]!); s.write(Buffer.from([1])); step = 2;
        } else if (step === 2 && buf.length >= 4) { // SecurityResult
          if (buf.readUInt32BE(0) !== 0) return fail('security handshake failed');
          buf = buf.subarray(4); s.write(Buffer.from([1])); step = 3; // ClientInit: shared
        } else if (step === 3 && buf.length >= 4) { // ServerInit starts with width, height
          s.destroy();
          return resolve({ width: buf.readUInt16BE(0), height: buf.readUInt16BE(2) });
        } else return;
      }
    });
  });
}

test('web UI: the VNC console shows the guest screen for each video model', { timeout: 240_000 }, async (t) => {
  const guest = await ensureTestGuest();
  const d = await startTestDaemon({ args: ['--listen-http', '127.0.0.1:0'] });
  let browser: Browser | undefined;
  t.after(async () => {
    await browser?.close();
    await d.stop();
  });
  // tty0 as well: the kernel's messages fill the screen (ttyS0 last keeps /dev/console on serial)
  const cmdline = `console=tty0 ${guestCmdline().replace(' quiet', '')}`;
  for (const m of MODELS) {
    let xml = minimalDomainXml({
      name: `video-${m}`, kernel: guest.kernel, initrd: guest.initrd, cmdline,
      // OVMF needs more room than SeaBIOS to load the kernel: with 96 MiB it stops in its shell
      memoryMiB: UEFI.includes(m) ? 256 : undefined,
      extraDevices: `<graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1'/>\n<video><model type='${m}'/></video>`,
    });
    if (UEFI.includes(m)) {
      const loader = `<loader readonly='yes' type='pflash'>${OVMF_CODE}</loader><nvram template='${OVMF_VARS}'>${d.root}/video-${m}_VARS.fd</nvram>`;
      xml = xml.replace('hvm</type>', `hvm</type>${loader}`);
    }
    const file = path.join(d.root, `video-${m}.xml`);
    writeFileSync(file, xml);
    const def = await d.cli(['define', file]);
    assert.equal(def.code, 0, `define video-${m}: ${def.stderr}`);
  }
  // all four at once: each starts, or the error names the model
  const starts = await Promise.all(MODELS.map((m) => d.cli(['start', `video-${m}`])));
  starts.forEach((r, i) => assert.equal(r.code, 0, `start with <video><model type='${MODELS[i]}'/>: ${r.stderr}`));

  const ui = await d.cli(['ui']);
  assert.equal(ui.code, 0, ui.stderr);
  const loginUrl = ui.stdout.trim();
  const base = new URL(loginUrl).origin;
  browser = await launchBrowser();
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 860 } })).newPage();
  await page.goto(loginUrl);
  await page.waitForSelector('text=Virtual machines');

  for (const m of MODELS) {
    await t.test(`video model ${m}`, async () => {
      const name = `video-${m}`;
      const live = (await d.cli(['dumpxml', name])).stdout;
      const port = Number(/<graphics type='vnc' port='(\d+)'/.exec(live)?.[1]);
      assert.ok(port >= 5900, `live XML of ${name} names its VNC port: ${live.match(/<graphics[^>]*>/)?.[0]}`);
      const status = readFileSync(path.join(d.root, 'run/tsvirt/qemu', `${name}.xml`), 'utf8');
      const argv = readFileSync(`/proc/${/pid='(\d+)'/.exec(status)![1]}/cmdline`, 'utf8');
      assert.match(argv, new RegExp(`"driver":"${DEVICE[m]}","id":"video0"`), `${m}: QEMU runs ${DEVICE[m]}`);
      // booted: the kernel has drawn its messages on tty0 by now
      await waitForText(path.join(d.root, 'var/log/tsvirt/qemu', name, 'serial0.log'), GUEST_MARKER, 120_000);
      await page.goto(`${base}/#/vm/${name}/graphics`);
      await page.waitForSelector('.console-status[data-status=connected]');
      await page.locator('.vnc-screen canvas').waitFor();
      // drawn = many pixels differ from the top-left one (the screen is not one colour)
      await page.waitForFunction(() => {
        const c = document.querySelector('.vnc-screen canvas') as HTMLCanvasElement | null;
        if (!c || c.width < 100) return false;
        const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        let differing = 0;
        for (let i = 0; i < data.length; i += 4) if (data[i] !== data[0] || data[i + 1] !== data[1] || data[i + 2] !== data[2]) differing++;
        return differing > 500;
      }, null, { timeout: 60_000 });
      // the guest may still switch modes: wait until the canvas and the VNC server agree
      let want = await vncSize(port);
      const deadline = Date.now() + 20_000;
      let have = { width: 0, height: 0 };
      for (;;) {
        have = await page.evaluate(() => {
          const c = document.querySelector('.vnc-screen canvas') as HTMLCanvasElement;
          return { width: c.width, height: c.height };
        });
        if ((have.width === want.width && have.height === want.height) || Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 500));
        want = await vncSize(port);
      }
      assert.deepEqual(have, want, `${m}: the canvas has the guest's resolution`);
      assert.ok(want.width >= 640 && want.height >= 400, `${m}: a real screen, not ${want.width}x${want.height}`);
      await shot(page, `video-${m}`);
    });
  }
});
