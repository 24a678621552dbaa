// virsh's table layout (vshTable): a leading space, columns joined by three spaces,
// every column but the last padded to its widest cell, a dash line under the header.

/** Columns as wide as a terminal shows them: wide (CJK) characters count two. */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    w += cp >= 0x1100 && (cp <= 0x115f || (cp >= 0x2e80 && cp <= 0xa4cf) || (cp >= 0xac00 && cp <= 0xd7a3) ||
      (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
      (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1faff) || (cp >= 0x20000 && cp <= 0x3fffd)) ? 2 : 1;
  }
  return w;
}

/** Formats header + rows; with `quiet` (virsh -q) the header is neither printed nor measured. */
export function formatTable(header: string[], rows: string[][], quiet = false): string {
  const measured = quiet ? rows : [header, ...rows];
  const widths = header.map((_, i) => Math.max(0, ...measured.map((r) => displayWidth(r[i] ?? ''))));
  const line = (r: string[]) =>
    ' ' + r.map((cell, i) => (i < r.length - 1 ? cell + ' '.repeat(widths[i]! - displayWidth(cell)) : cell)).join('   ') + '\n';
  let out = '';
  if (!quiet) {
    out += line(header);
    const total = widths.reduce((a, b) => a + b, 0) + 3 * (widths.length - 1) + 3;
    out += '-'.repeat(total) + '\n';
  }
  for (const r of rows) out += line(r);
  return out;
}
