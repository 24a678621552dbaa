// A small progress bar for long volume work, on stderr and only on a terminal (like
// virsh's --progress lines, a script's output stays clean).
export interface ProgressBar {
  update(done: number, total: number): void;
  stop(): void;
}

export function formatBar(done: number, total: number, width = 30): string {
  const f = total > 0 ? Math.min(1, done / total) : 0;
  const fill = Math.round(f * width);
  return `[${'#'.repeat(fill)}${' '.repeat(width - fill)}] ${(f * 100).toFixed(0).padStart(3)} %`;
}

export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr): ProgressBar {
  const tty = stream.isTTY === true;
  let last = '';
  let shown = false;
  return {
    update(done, total) {
      if (!tty) return;
      const line = `\r${label} ${formatBar(done, total)}`;
      if (line === last) return;
      last = line;
      shown = true;
      stream.write(line);
    },
    stop() {
      if (shown) stream.write('\n');
      shown = false;
    },
  };
}

/** Polls `read` every `ms` while `work` runs, feeding the bar; the bar is closed at the end. */
export async function withProgress<T>(bar: ProgressBar, read: () => Promise<{ done: number; total: number } | undefined>, work: Promise<T>, ms = 250): Promise<T> {
  let finished = false;
  const poll = (async () => {
    while (!finished) {
      await new Promise((r) => setTimeout(r, ms));
      if (finished) break;
      const p = await read().catch(() => undefined);
      if (p) bar.update(p.done, p.total);
    }
  })();
  try {
    const r = await work;
    return r;
  } finally {
    finished = true;
    await poll;
    bar.stop();
  }
}
