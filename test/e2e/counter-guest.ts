// The counter guest: the busybox test guest with tsvirt.counter=MS prints "TSVIRT-COUNT n"
// (1, 2, 3, ...) on its serial console every MS ms, with state only in its memory (and, with
// tsvirt.counterdisk=DEV, every 10th value in DEV's first sector). After a migration, a
// restore or a snapshot revert the numbers must go on without a gap or a repeat.
import { promises as fs } from 'node:fs';
import { ensureTestGuest, guestCmdline, minimalDomainXml } from './guest.js';

export const COUNT_RE = /TSVIRT-COUNT (\d+)/g;

/** Domain XML of a counter guest whose serial output goes to `consoleLog`. */
export async function counterDomainXml(o: { name: string; consoleLog: string; periodMs?: number; diskFile?: string; diskFormat?: 'raw' | 'qcow2'; extraDevices?: string; uuid?: string }): Promise<string> {
  const g = await ensureTestGuest();
  const disk = o.diskFile
    ? `<disk type='file' device='disk'>
  <driver name='qemu' type='${o.diskFormat ?? 'qcow2'}'/>
  <source file='${o.diskFile}'/>
  <target dev='vdb' bus='virtio'/>
</disk>\n`
    : '';
  // the data disk is the guest's only virtio disk: Linux names it vda whatever its target says
  const extra = `tsvirt.counter=${o.periodMs ?? 10}${o.diskFile ? ' tsvirt.counterdisk=vda' : ''}`;
  let xml = minimalDomainXml({ name: o.name, kernel: g.kernel, initrd: g.initrd, cmdline: guestCmdline(extra), consoleLog: o.consoleLog, extraDevices: disk + (o.extraDevices ?? '') });
  if (o.uuid) xml = xml.replace('</name>', `</name>\n  <uuid>${o.uuid}</uuid>`);
  return xml;
}

/** Every counter value in `text`, in order. */
export function counts(text: string): number[] {
  return [...text.matchAll(COUNT_RE)].map((m) => Number(m[1]));
}

/** Where the sequence is not n, n+1, n+2, ...: gaps (a value skipped) and repeats (a value again or going back). */
export function discontinuities(values: number[]): { gaps: Array<[number, number]>; repeats: Array<[number, number]> } {
  const gaps: Array<[number, number]> = [];
  const repeats: Array<[number, number]> = [];
  for (let i = 1; i < values.length; i++) {
    const [a, b] = [values[i - 1], values[i]];
    if (b > a + 1) gaps.push([a, b]);
    else if (b <= a) repeats.push([a, b]);
  }
  return { gaps, repeats };
}

/**
 * Follows console logs (e.g. the source's, then the destination's) and stamps each counter
 * line with the time it was first seen (polled every `pollMs`): the largest pause between two
 * consecutive values is the downtime the guest saw, give or take the poll interval.
 */
export class CounterWatch {
  private readonly seen: Array<{ n: number; at: number }> = [];
  private readonly offsets = new Map<string, number>();
  /** the unfinished last line: shared, as the stream moves from one file to the next mid-line */
  private partial = '';
  private timer?: NodeJS.Timeout;

  constructor(private readonly files: string[], private readonly pollMs = 5) {}

  private stopped = false;

  start(): this {
    const tick = async () => {
      await this.poll();
      // stop() may come while poll() reads: no new timer then (one kept the test process alive)
      if (!this.stopped) this.timer = setTimeout(() => void tick(), this.pollMs);
    };
    void tick();
    return this;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  async poll(): Promise<void> {
    const now = Date.now();
    for (const f of this.files) {
      let buf: Buffer;
      try {
        buf = await fs.readFile(f);
      } catch {
        continue;
      }
      const from = this.offsets.get(f) ?? 0;
      if (buf.length <= from) continue;
      this.offsets.set(f, buf.length);
      const text = this.partial + buf.subarray(from).toString('latin1');
      const cut = text.lastIndexOf('\n');
      this.partial = cut < 0 ? text : text.slice(cut + 1);
      for (const n of counts(cut < 0 ? '' : text.slice(0, cut))) this.seen.push({ n, at: now });
    }
  }

  values(): number[] {
    return this.seen.map((s) => s.n);
  }

  last(): number | undefined {
    return this.seen.at(-1)?.n;
  }

  /** the largest time between two consecutive values seen, and after which value */
  largestGap(): { ms: number; after: number } {
    let best = { ms: 0, after: 0 };
    for (let i = 1; i < this.seen.length; i++) {
      const ms = this.seen[i].at - this.seen[i - 1].at;
      if (ms > best.ms) best = { ms, after: this.seen[i - 1].n };
    }
    return best;
  }
}
