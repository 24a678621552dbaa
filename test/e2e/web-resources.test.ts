// The web UI's storage, network, host device and "add hardware" pages end to end: a real
// tsvirtd inside a network namespace this file makes (so the network it creates, with its
// bridge and dnsmasq, stays there), Chromium inside the same namespace, real qemu-img and
// a TCG guest that takes a DHCP lease. SR-IOV is set through the UI on the fake sysfs tree
// (an in-process tsvirtd whose host root is the fake kernel).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { run, runOk } from '../../src/util/spawn.js';
import { startDaemon } from '../../src/daemon/tsvirtd.js';
import { rootPaths } from '../../src/daemon/paths.js';
import { sampleHost } from '../../src/host/testing/fake-sysfs.js';
import { Client } from '../../src/client/client.js';
import { startWebHost } from './web-host.js';
import { ensureTestGuest, guestCmdline, minimalDomainXml } from './guest.js';
import { launchBrowser, shot } from './browser.js';

const NS = `tsvt-web-${process.pid}`;
const VM = 'hwvm';
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function openPage(browser: Browser, loginUrl: string): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  page.on('dialog', (dlg) => void dlg.accept());
  await page.goto(loginUrl);
  await page.waitForSelector('.conn.up');
  return page;
}

/** The storage page's "+ New volume" form: a raw volume of `mib` MiB, then its row. */
async function newRawVolume(page: Page, name: string, mib: number): Promise<void> {
  await page.click('button[name=add-volume]');
  await page.fill('input[name=vol-name]', name);
  await page.fill('input[name=vol-size]', String(mib));
  await page.selectOption('select[name=vol-unit]', 'MiB');
  await page.selectOption('select[name=vol-format]', 'raw');
  await page.click('button[name=create-volume]');
  await page.locator(`tr[data-vol="${name}"]`).waitFor();
}


test('web UI: pools, volumes with upload, networks with leases, adding a disk, a NIC and a PCI device', { timeout: 300_000 }, async (t) => {
  const guest = await ensureTestGuest();
  const { d, browser, loginUrl, ok } = await startWebHost(t, NS);
  const page = await openPage(browser, loginUrl);
  const poolDir = path.join(d.root, 'webpool');

  await t.test('add a dir pool through the form: built, started, autostarted', async () => {
    await page.click('.top nav >> text=Storage');
    await page.click('button[name=add-pool]');
    await page.fill('input[name=pool-name]', 'bad/name');
    await page.fill('input[name=pool-path]', poolDir);
    await page.click('button[name=create-pool]');
    await page.waitForSelector('form[name=add-pool] .form-error:has-text("letters, digits")');
    await page.fill('input[name=pool-name]', 'webpool');
    await page.click('button[name=create-pool]');
    await page.waitForURL('**/#/storage/webpool');
    await page.locator('tr[data-pool=webpool] .state:has-text("active")').waitFor();
    const info = await ok(['pool-info', 'webpool']);
    assert.match(info, /State:\s+running/);
    assert.match(info, /Autostart:\s+yes/);
  });

  const data = randomBytes(3 * 1024 * 1024 + 123);
  await t.test('create a raw volume, upload a file into it with progress; the bytes arrive exactly', async () => {
    await newRawVolume(page, 'up.raw', 8);
    const file = path.join(d.root, 'upload.bin');
    writeFileSync(file, data);
    await page.setInputFiles('input[name="upload-up.raw"]', file);
    await page.waitForSelector('.msg.info:has-text("Uploaded upload.bin to up.raw")');
    await shot(page, 'storage-volumes');
    const back = path.join(d.root, 'back.bin');
    await ok(['vol-download', '--pool', 'webpool', 'up.raw', back, '--length', String(data.length)]);
    assert.equal(sha(readFileSync(back)), sha(data));
    // an upload larger than the volume is refused with the daemon's message
    await newRawVolume(page, 'tiny.raw', 1);
    await page.setInputFiles('input[name="upload-tiny.raw"]', file);
    await page.waitForSelector('.msg.error:has-text("Upload to tiny.raw")');
  });

  await t.test('add an isolated network through the form: its bridge and dnsmasq run in the namespace', async () => {
    await page.click('.top nav >> text=Networks');
    await page.click('button[name=add-network]');
    await page.fill('input[name=net-name]', 'webnet');
    await page.selectOption('select[name=net-mode]', 'isolated');
    await page.fill('input[name=net-address]', '10.79.3.1');
    assert.equal(await page.inputValue('input[name=net-dhcp-start]'), '10.79.3.2', 'DHCP range follows the address');
    await page.click('button[name=create-network]');
    await page.locator('tr[data-network=webnet] .state:has-text("active")').waitFor();
    const xml = await ok(['net-dumpxml', 'webnet']);
    assert.doesNotMatch(xml, /<forward/, 'isolated: no forward element');
    assert.match(xml, /<range start='10\.79\.3\.2' end='10\.79\.3\.254'\/>/);
    const bridge = /<bridge name='([^']+)'/.exec(xml)![1]!;
    assert.match((await run('ip', ['netns', 'exec', NS, 'ip', '-br', 'addr', 'show', bridge])).stdout, /10\.79\.3\.1\/24/);
  });

  await t.test('add a disk from the pool and a NIC on the network to a VM; it boots and takes a lease', async () => {
    const xml = minimalDomainXml({ name: VM, kernel: guest.kernel, initrd: guest.initrd, cmdline: guestCmdline('tsvirt.dhcp=1') });
    writeFileSync(path.join(d.root, 'hw.xml'), xml);
    await ok(['define', path.join(d.root, 'hw.xml')]);
    await page.goto(new URL(`/#/vm/${VM}/devices`, loginUrl).href);
    await page.click('button[name=add-disk]');
    await page.selectOption('form[name=add-disk] select[name=device-choice]', 'webpool/up.raw');
    await page.click('form[name=add-disk] button[name=add-device]');
    await page.waitForSelector('.msg.info:has-text("Added disk webpool/up.raw")');
    await page.click('button[name=add-nic]');
    await page.selectOption('form[name=add-nic] select[name=device-choice]', 'webnet');
    await page.click('form[name=add-nic] button[name=add-device]');
    await page.waitForSelector('.msg.info:has-text("Added a NIC on webnet")');
    const inactive = await ok(['dumpxml', '--inactive', VM]);
    assert.match(inactive, /<source pool='webpool' volume='up\.raw'\/>\s*<target dev='vda' bus='virtio'\/>/);
    assert.match(inactive, /<interface type='network'>[\s\S]*<source network='webnet'\/>/);
    await page.click('button[name=add-hostdev]');
    await page.waitForSelector('form[name=add-hostdev] select[name=device-choice], form[name=add-hostdev] p:has-text("No PCI devices")');
    const options = await page.locator('form[name=add-hostdev] select[name=device-choice] option').allInnerTexts();
    // one choice per PCI device that is not a bridge, each with its group and viability
    const pci = JSON.parse(await ok(['nodedev-list', '--cap', 'pci', '--json'])) as Array<{ address: string; bridge?: boolean }>;
    assert.equal(options.length, pci.filter((x) => !x.bridge).length, options.join(' | '));
    for (const o of options) assert.match(o, /^\S+ .* · IOMMU group (\d+|—): (viable|not viable: .*|no IOMMU group)/, o);
    await shot(page, 'add-pci-device');
    await page.click('form[name=add-hostdev] button:has-text("Cancel")');
    await ok(['start', VM]);
    await page.goto(new URL('/#/networks/webnet', loginUrl).href);
    await page.waitForSelector('.leases td code:has-text("10.79.3.")', { timeout: 120_000 });
    await shot(page, 'network-leases');
  });

  await t.test('delete the VM with its storage: forced off, undefined, its pool volume deleted', async () => {
    await page.goto(new URL(`/#/vm/${VM}`, loginUrl).href);
    await page.click('.page-head button:has-text("Delete")');
    await page.check('input[name=delete-storage]');
    await page.locator('input[name=delete-vol-vda]').waitFor();
    await shot(page, 'delete-dialog');
    await page.click('button[name=confirm-delete]');
    await page.waitForSelector(`.msg.info:has-text("Deleted ${VM} and 1 volume")`);
    assert.doesNotMatch(await ok(['list', '--all', '--name']), new RegExp(VM));
    const vols = await ok(['vol-list', 'webpool']);
    assert.doesNotMatch(vols, /up\.raw/);
    assert.match(vols, /tiny\.raw/);
  });

  await t.test('stop and delete the network: its bridge is gone', async () => {
    await page.goto(new URL('/#/networks', loginUrl).href);
    await page.locator('tr[data-network=webnet] button:has-text("Stop")').click();
    await page.locator('tr[data-network=webnet] .state:has-text("inactive")').waitFor();
    await page.locator('tr[data-network=webnet] button:has-text("Delete")').click();
    await page.locator('tr[data-network=webnet]').waitFor({ state: 'detached' });
    assert.doesNotMatch(await ok(['net-list', '--all']), /webnet/);
    assert.doesNotMatch((await run('ip', ['netns', 'exec', NS, 'ip', '-br', 'link'])).stdout, /virbr/);
  });

  await t.test('the host devices page lists PCI devices with their IOMMU groups; Ethernet only filters', async () => {
    await page.click('.top nav >> text=Host devices');
    await page.waitForSelector('main table.hostdevs, main .empty');
    const all = await page.locator('table.hostdevs tbody tr').count();
    await page.check('input[name=only-ethernet]');
    await page.waitForFunction((n) => document.querySelectorAll('table.hostdevs tbody tr').length < n || !!document.querySelector('main .empty'), all);
    const eth = (await ok(['nodedev-list', '--cap', 'pci', '--class', 'ethernet'])).trim().split('\n').filter(Boolean);
    assert.equal(await page.locator('table.hostdevs tbody tr').count(), eth.length);
  });
});

test('web UI: set the number of SR-IOV VFs of a PF (fake sysfs), refused above the total', { timeout: 120_000 }, async (t) => {
  const h = sampleHost({ vfioLoaded: true });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tsvirt-web-sriov-'));
  const daemon = await startDaemon(rootPaths(dir), { kvmProbe: false, log: { info: () => {}, warn: () => {} }, hostRoot: h.root, listenHttp: '127.0.0.1:0' });
  let browser: Browser | undefined;
  t.after(async () => {
    await browser?.close();
    await daemon.close();
    h.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });
  const c = new Client({ uri: `qemu+unix:///system?socket=${daemon.paths.socket}` });
  const { url } = await c.call('ui.createLoginToken', {});
  browser = await launchBrowser();
  const page = await openPage(browser, url);
  await page.click('.top nav >> text=Host devices');
  const pf = page.locator('tr[data-address="0000:03:00.0"]');
  await pf.locator('.sriov:has-text("of 7 VFs")').waitFor();
  assert.match(await page.locator('tr[data-address="0000:00:04.0"] .group').innerText(), /not viable: 0000:00:1f\.2 \(ahci\)/);
  await pf.locator('input[name="vfs-0000:03:00.0"]').fill('3');
  await pf.locator('button[name="set-vfs-0000:03:00.0"]').click();
  await page.waitForSelector('.msg.info:has-text("0000:03:00.0 has 3 VFs")');
  await page.locator('tr[data-address="0000:03:10.4"] .sriov:has-text("VF of 0000:03:00.0")').waitFor();
  assert.equal(readFileSync(path.join(h.dir, 'sys/bus/pci/devices/0000:03:00.0/sriov_numvfs'), 'utf8').trim(), '3');
  await shot(page, 'sriov');
  const before = h.snapshot();
  await pf.locator('input[name="vfs-0000:03:00.0"]').fill('8');
  await pf.locator('button[name="set-vfs-0000:03:00.0"]').click();
  await page.waitForSelector('.msg.error:has-text("SR-IOV on 0000:03:00.0")');
  assert.match(await page.locator('.msg.error').last().innerText(), /7/);
  assert.deepEqual(h.snapshot(), before, 'a refused count changes nothing');
});
