// Hostile XML (test/fault/xml-fuzz.ts) through tsvirt's parsers, and the same bytes through
// libxml2's xmllint --noout: no input may crash or hang a parser, every rejection is a
// TsvirtError with a code, and whatever xmllint refuses as not well-formed tsvirt refuses too.
// FAULT_INPUTS sets the count (CI's short run: 10,000; `npm run fault`: 100,000), FAULT_SEED the seed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { run } from '../../src/util/spawn.js';
import { TsvirtError } from '../../src/util/errors.js';
import { decodeXmlBytes } from '../../src/util/xml-bytes.js';
import { parseXml } from '../../src/util/xml-parse.js';
import { parseAndPrepareDomain } from '../../src/conf/domain-xml.js';
import { parseNetworkXml } from '../../src/conf/network-xml.js';
import { parsePoolXml } from '../../src/conf/pool-xml.js';
import { parseVolumeXml } from '../../src/conf/volume-xml.js';
import { generate, type FuzzInput } from './xml-fuzz.js';
import { recordFigures } from './figures.js';

const COUNT = Number(process.env.FAULT_INPUTS ?? 10_000);
const SEED = Number(process.env.FAULT_SEED ?? 20261206);
const HANG_MS = 2000;

const MODEL: Record<FuzzInput['kind'], (xml: string) => unknown> = {
  domain: (x) => parseAndPrepareDomain(x), network: parseNetworkXml, pool: parsePoolXml, volume: parseVolumeXml, nodedev: parseXml,
};

/** xmllint --noout over many files at once: the files it reports an error for */
async function xmllintRejects(files: string[]): Promise<Set<string>> {
  const bad = new Set<string>();
  for (let i = 0; i < files.length; i += 500) {
    const batch = files.slice(i, i + 500);
    const r = await run('xmllint', ['--noout', '--nonet', ...batch], { timeoutMs: 300_000 });
    for (const m of r.stderr.matchAll(/^(\S+\.xml):\d+: /gm)) bad.add(m[1]);
    // a document xmllint cannot even start on names the file without a line number
    for (const m of r.stderr.matchAll(/^(?:warning: failed to load external entity|I\/O error).*"(\S+\.xml)"/gm)) bad.add(m[1]);
  }
  return bad;
}

test(`${COUNT} hostile XML inputs (seed ${SEED}): no crash, no hang, clear errors, and no document libxml2 refuses is accepted`, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tsvirt-xml-fuzz-'));
  try {
    const heapBefore = process.memoryUsage().heapUsed;
    const files: string[] = [];
    const wellFormed = new Map<string, FuzzInput & { index: number }>();
    let crashes = 0, hangs = 0, rejected = 0, accepted = 0, slowest = 0;
    const crashList: string[] = [];
    let index = 0;
    for (const input of generate(SEED, COUNT)) {
      const t0 = performance.now();
      let text: string | undefined;
      let parsed = false;
      try {
        text = decodeXmlBytes(input.bytes);
        parseXml(text);
        parsed = true;
        MODEL[input.kind](text);
        accepted++;
      } catch (e) {
        if (e instanceof TsvirtError && e.code && e.message) rejected++;
        else {
          crashes++;
          if (crashList.length < 10) crashList.push(`#${index} ${input.kind} ${input.mutation}: ${(e as Error)?.stack ?? String(e)}`);
        }
      }
      const ms = performance.now() - t0;
      slowest = Math.max(slowest, ms);
      if (ms > HANG_MS) hangs++;
      // xmllint reads what tsvirt found well-formed (where the two must agree) and a tenth of the rest
      if (parsed || index % 10 === 0) {
        const f = path.join(dir, `${index}.xml`);
        writeFileSync(f, input.bytes);
        files.push(f);
        if (parsed) wellFormed.set(f, { ...input, index });
      }
      index++;
    }
    const libxml2Rejects = await xmllintRejects(files);
    const disagree = [...wellFormed.entries()].filter(([f]) => libxml2Rejects.has(f));
    const heapAfter = process.memoryUsage().heapUsed;
    recordFigures('xml-fuzz', {
      seed: SEED, inputs: COUNT, accepted, rejected, crashes, hangs, slowestMs: Math.round(slowest),
      xmllintRead: files.length, xmllintRejected: libxml2Rejects.size, acceptedThoughXmllintRejects: disagree.length,
    });
    assert.equal(crashes, 0, `inputs that threw something other than a TsvirtError:\n${crashList.join('\n')}`);
    assert.equal(hangs, 0, `inputs that took over ${HANG_MS} ms (slowest ${slowest.toFixed(0)} ms)`);
    assert.deepEqual(disagree.slice(0, 10).map(([f, x]) => `#${x.index} ${x.kind} ${x.mutation} (${path.basename(f)})`), [],
      `well-formed to tsvirt, refused by xmllint (${disagree.length} in all)`);
    assert.ok(libxml2Rejects.size > COUNT / 30, `the mutations make documents libxml2 refuses (${libxml2Rejects.size} of the ${files.length} it read): the check can fail`);
    assert.ok(heapAfter < heapBefore + 256 * 1024 * 1024, `heap grew from ${heapBefore} to ${heapAfter}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
