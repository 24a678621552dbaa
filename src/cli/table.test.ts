// Layouts compared with what real virsh (test driver, no daemon) prints for the same data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DomainSummary } from '../protocol/types.js';
import { filterDomains, formatList, sortDomains } from './commands/list.js';
import { parseArgs } from './parse-args.js';
import { findCommand } from './registry.js';
import { displayWidth, formatTable } from './table.js';

const hasVirsh = !spawnSync('virsh', ['--version']).error;

function virsh(script: string, quiet = false): string {
  const r = spawnSync('virsh', ['-c', 'test:///default', ...(quiet ? ['-q'] : []), script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

function listArgs(words: string[]) {
  return parseArgs(findCommand('list')!, words);
}

// The same three domains virsh's test driver ends up with after the script below.
const DOMS: DomainSummary[] = [
  { id: null, name: 'a-much-longer-name', uuid: 'u1', state: 'shutoff', reason: 'unknown', persistent: true, autostart: false, title: 'Hello title' },
  { id: 2, name: 'b', uuid: 'u2', state: 'running', reason: 'booted', persistent: true, autostart: false },
  { id: 1, name: 'test', uuid: 'u3', state: 'running', reason: 'booted', persistent: true, autostart: false },
];

/** Runs virsh on the test driver after defining the same domains as DOMS; returns the last command's output. */
function virshWithDomains(cmd: string, quiet = false): string {
  const dir = setupDir();
  const out = virsh(`define ${dir}/a.xml; define ${dir}/b.xml; start b; ${cmd}`, quiet);
  if (quiet) return out; // -q: no messages, no blank lines
  // every command's output ends with virsh's blank line: keep the last block
  const blocks = out.split(/\n\n/);
  return blocks.slice(3).join('\n\n');
}

test('virsh list layout: widths, dash line, trailing spaces of an empty last cell', { skip: !hasVirsh && 'virsh not installed' }, () => {
  for (const words of [['--all'], ['--all', '--title'], [], ['--inactive'], ['--state-shutoff']]) {
    const mine = formatList(sortDomains(filterDomains(DOMS, listArgs(words))), listArgs(words), false) + '\n';
    assert.equal(mine, virshWithDomains(`list ${words.join(' ')}`), `list ${words.join(' ')}`);
  }
});

test('virsh -q list: no header, widths from the rows only', { skip: !hasVirsh && 'virsh not installed' }, () => {
  const theirs = virshWithDomains('list --all', true);
  const mine = formatList(sortDomains(filterDomains(DOMS, listArgs(['--all']))), listArgs(['--all']), true);
  assert.equal(mine, theirs);
});

test('name/uuid/id listings', () => {
  const doms = sortDomains(DOMS);
  assert.equal(formatList(doms, listArgs(['--name']), false), 'test\nb\na-much-longer-name\n');
  assert.equal(formatList(doms, listArgs(['--id']), false), '1\n2\n');
  assert.equal(formatList(doms, listArgs(['--id', '--name']), false), '1 test\n2 b\n- a-much-longer-name\n');
  assert.equal(formatList(doms, listArgs(['--uuid', '--id', '--name']), false), 'u3 1 test\nu2 2 b\nu1 - a-much-longer-name\n');
});

test('filters: default active only, --inactive, --state-*, --autostart', () => {
  const names = (w: string[]) => sortDomains(filterDomains(DOMS, listArgs(w))).map((d) => d.name);
  assert.deepEqual(names([]), ['test', 'b']);
  assert.deepEqual(names(['--all']), ['test', 'b', 'a-much-longer-name']);
  assert.deepEqual(names(['--inactive']), ['a-much-longer-name']);
  assert.deepEqual(names(['--state-shutoff']), ['a-much-longer-name']);
  assert.deepEqual(names(['--state-running', '--state-shutoff']), ['test', 'b', 'a-much-longer-name']);
  assert.deepEqual(names(['--all', '--autostart']), []);
});

test('empty table and wide characters', () => {
  assert.equal(formatTable(['Id', 'Name', 'State'], []), ' Id   Name   State\n--------------------\n');
  assert.equal(displayWidth('日本'), 4);
  assert.equal(formatTable(['A', 'B'], [['日本', 'x']]), ' A      B\n-----------\n 日本   x\n');
});

let dirCache: string | undefined;
function setupDir(): string {
  if (!dirCache) {
    dirCache = mkdtempSync(join(tmpdir(), 'tsvirt-cli-table-'));
    writeFileSync(join(dirCache, 'a.xml'), "<domain type='test'><name>a-much-longer-name</name><memory>1024</memory><os><type>hvm</type></os><title>Hello title</title></domain>");
    writeFileSync(join(dirCache, 'b.xml'), "<domain type='test'><name>b</name><memory>1024</memory><os><type>hvm</type></os></domain>");
    process.on('exit', () => rmSync(dirCache!, { recursive: true, force: true }));
  }
  return dirCache;
}
