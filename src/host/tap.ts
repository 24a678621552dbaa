// Tap devices for guest NICs.
//
// openTap() returns an open /dev/net/tun descriptor attached to a new tap, to be passed to
// QEMU. Node has no ioctl(), so the TUNSETIFF call is made by perl (perl-base is Essential
// in Debian, so it is on every Debian machine) on the descriptor Node opened and hands
// to it as its fd 3: both share one open file, so after perl exits Node's descriptor is the
// attached tap. The tap is not persistent: it disappears when the last descriptor (QEMU's)
// is closed, so a guest that stops or crashes leaves no tap behind.
//
// createPersistentTap() is for hot-plug: QMP getfd needs SCM_RIGHTS, which Node's sockets
// cannot send, so a live netdev_add names a persistent tap (ifname=) that QEMU opens itself;
// tsvirt deletes it when the NIC is detached or the guest stops.
import { closeSync, openSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { TsvirtError } from '../util/errors.js';
import { runOk } from '../util/spawn.js';
import { ownerAlias } from './link.js';

const IFF_TAP = 0x0002;
const IFF_NO_PI = 0x1000;
const IFF_VNET_HDR = 0x4000;
const TUNSETIFF = 0x400454ca;

const PERL_TUNSETIFF = 'open(my $f, "+<&=", 3) or die "fd 3: $!\\n";'
  + ' my $r = pack("Z16 s", $ARGV[0], $ARGV[1]);'
  + ' ioctl($f, $ARGV[2], $r) or die "TUNSETIFF $ARGV[0]: $!\\n"; print unpack("Z16", $r);';

/** Opens a new tap named after `template` ('vnet%d': the kernel picks the number). */
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

export async function createPersistentTap(name: string, owner: string): Promise<void> {
  await runOk('ip', ['tuntap', 'add', 'dev', name, 'mode', 'tap', 'vnet_hdr']);
  await runOk('ip', ['link', 'set', 'dev', name, 'alias', ownerAlias(owner)]);
}
