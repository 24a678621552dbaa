// Tap devices for guest NICs.
//
// tsvirt creates each tap by name as a persistent device (`ip tuntap add`), so the same tap
// works for a cold start and for hot-plug, and its name is known before QEMU runs.
//
// Cold start: openTap() returns an open /dev/net/tun descriptor attached to that tap, which
// start.ts passes to QEMU. Node has no ioctl(), so the TUNSETIFF call is made by perl
// (perl-base is Essential in Debian: it is on every Debian machine; no native npm module,
// no download) on the descriptor Node opened and hands over as perl's fd 3: both share one
// open file, so after perl exits Node's descriptor is attached to the tap.
//
// Hot-plug: QMP getfd needs SCM_RIGHTS, which Node's sockets cannot send, so a live
// netdev_add names the tap (ifname=, script=no) and QEMU opens it itself (it runs as root).
//
// The tap outlives QEMU (persistent): the network resource provider deletes it in release(),
// which also runs after a crash and after a tsvirtd restart.
import { closeSync, openSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { TsvirtError } from '../util/errors.js';
import { run, runOk } from '../util/spawn.js';
import { getLink, ownerAlias } from './link.js';

const IFF_TAP = 0x0002;
const IFF_NO_PI = 0x1000;
const IFF_VNET_HDR = 0x4000;
const TUNSETIFF = 0x400454ca;

const PERL_TUNSETIFF = 'open(my $f, "+<&=", 3) or die "fd 3: $!\\n";'
  + ' my $r = pack("Z16 s", $ARGV[0], $ARGV[1]);'
  + ' ioctl($f, $ARGV[2], $r) or die "TUNSETIFF $ARGV[0]: $!\\n"; print unpack("Z16", $r);';

/** Opens a descriptor on the existing tap `name` (or a new one: 'vnet%d' lets the kernel pick). */
export async function openTap(template: string): Promise<{ fd: number; name: string }> {
  const fd = openSync('/dev/net/tun', 'r+');
  try {
    const name = await new Promise<string>((resolve, reject) => {
      const child = spawn('perl', ['-e', PERL_TUNSETIFF, template, String(IFF_TAP | IFF_NO_PI | IFF_VNET_HDR), String(TUNSETIFF)],
        { stdio: ['ignore', 'pipe', 'pipe', fd] });
      let out = '';
      let err = '';
      child.stdout!.on('data', (b) => { out += b; });
      child.stderr!.on('data', (b) => { err += b; });
      child.on('error', (e) => reject(new TsvirtError('system-error', `cannot run perl to create a tap: ${e.message}`)));
      child.on('close', (code) => (code === 0 && out
        ? resolve(out.trim())
        : reject(new TsvirtError('system-error', `cannot create tap device '${template}': ${err.trim() || `perl exit ${code}`}`))));
    });
    return { fd, name };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/** Creates a persistent tap with the first free name `<prefix>N`, marked as `owner`'s; returns its name. */
export async function createTap(owner: string, prefix = 'vnet'): Promise<string> {
  for (let n = 0; n < 4096; n++) {
    const name = `${prefix}${n}`;
    if (await getLink(name)) continue;
    const r = await run('ip', ['tuntap', 'add', 'dev', name, 'mode', 'tap', 'vnet_hdr']);
    if (r.code !== 0) {
      if (await getLink(name)) continue; // taken meanwhile
      throw new TsvirtError('operation-failed', `cannot create tap device ${name}: ${r.stderr.trim()}`);
    }
    await runOk('ip', ['link', 'set', 'dev', name, 'alias', ownerAlias(owner)]);
    return name;
  }
  throw new TsvirtError('operation-failed', `no free tap device name ${prefix}N`);
}
