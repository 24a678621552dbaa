// One nftables table per virtual network, owned by tsvirt alone ('ip tsvirt_<bridge>'):
// masquerading for NAT, forward rules for NAT/route, and rejection of forwarding for
// isolated networks. Removing the network removes exactly that table.
import { run, runOk } from '../util/spawn.js';

export interface FirewallSpec {
  bridge: string;
  /** 'a.b.c.d/p' */
  subnet: string;
  mode: 'nat' | 'route' | 'isolated';
  natPorts?: { start: number; end: number };
}

export const tableName = (bridge: string) => `tsvirt_${bridge.replace(/[^A-Za-z0-9_]/g, '_')}`;

export function firewallRules(s: FirewallSpec): string {
  const br = JSON.stringify(s.bridge);
  const lines = [`table ip ${tableName(s.bridge)} {`];
  if (s.mode === 'nat') {
    const ports = s.natPorts ? ` to :${s.natPorts.start}-${s.natPorts.end}` : '';
    lines.push(
      '  chain postrouting {',
      '    type nat hook postrouting priority srcnat; policy accept;',
      `    ip saddr ${s.subnet} ip daddr 224.0.0.0/24 return`,
      `    ip saddr ${s.subnet} ip daddr 255.255.255.255 return`,
      `    ip saddr ${s.subnet} ip daddr != ${s.subnet} meta l4proto { tcp, udp } masquerade${ports}`,
      `    ip saddr ${s.subnet} ip daddr != ${s.subnet} masquerade`,
      '  }',
    );
  }
  lines.push('  chain forward {', '    type filter hook forward priority filter; policy accept;', `    iifname ${br} oifname ${br} accept`);
  if (s.mode === 'nat') {
    lines.push(`    iifname ${br} ip saddr ${s.subnet} accept`, `    oifname ${br} ip daddr ${s.subnet} ct state related,established accept`);
  } else if (s.mode === 'route') {
    lines.push(`    iifname ${br} ip saddr ${s.subnet} accept`, `    oifname ${br} ip daddr ${s.subnet} accept`);
  }
  lines.push(`    iifname ${br} reject`, `    oifname ${br} reject`, '  }', '}', '');
  return lines.join('\n');
}

export async function installFirewall(s: FirewallSpec): Promise<void> {
  await runOk('nft', ['-f', '-'], { input: firewallRules(s) });
}

export async function hasFirewall(bridge: string): Promise<boolean> {
  return (await run('nft', ['list', 'table', 'ip', tableName(bridge)])).code === 0;
}

/** Removes the network's table; an absent table is fine. */
export async function removeFirewall(bridge: string): Promise<void> {
  if (await hasFirewall(bridge)) await runOk('nft', ['delete', 'table', 'ip', tableName(bridge)]);
}
