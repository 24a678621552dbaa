import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { parseArgs } from './parse-args.js';
import { findCommand } from './registry.js';
import { prepare } from './run.js';
import { CliError } from './types.js';

function cmd(name: string) {
  const c = findCommand(name);
  assert.ok(c, name);
  return c;
}

function errorOf(words: string[]): string {
  try {
    prepare(words);
  } catch (e) {
    assert.ok(e instanceof CliError, String(e));
    return `error: ${e.lines.join('\n')}`;
  }
  assert.fail(`no error for ${words.join(' ')}`);
}

/** virsh's own message for the same words, when virsh is installed (its test driver needs no daemon). */
function virshError(words: string[]): string | undefined {
  const r = spawnSync('virsh', ['-c', 'test:///default', ...words], { encoding: 'utf8' });
  if (r.error) return undefined;
  return r.stderr.trim();
}

test('positional data fills the first unset data option; --name and --name=value work', () => {
  assert.deepEqual(parseArgs(cmd('domstate'), ['test', '--reason']).values, { domain: 'test', reason: true });
  assert.deepEqual(parseArgs(cmd('domstate'), ['--domain', 'x']).values, { domain: 'x' });
  assert.deepEqual(parseArgs(cmd('domstate'), ['--domain=x y']).values, { domain: 'x y' });
  assert.deepEqual(parseArgs(cmd('shutdown'), ['d', '--mode', 'acpi,agent']).values, { domain: 'd', mode: 'acpi,agent' });
  assert.deepEqual(parseArgs(cmd('start'), ['--', '--odd-name']).values, { domain: '--odd-name' });
  assert.deepEqual(parseArgs(cmd('console'), ['d', 'serial1', '--force']).values, { domain: 'd', devname: 'serial1', force: true });
  assert.deepEqual(parseArgs(cmd('help'), ['list']).values, { command: 'list' });
});

test('--json exists only on read commands', () => {
  assert.equal(parseArgs(cmd('list'), ['--json']).json, true);
  assert.equal(parseArgs(cmd('dominfo'), ['x', '--json']).json, true);
  assert.match(errorOf(['start', 'x', '--json']), /command 'start' doesn't support option --json/);
  assert.match(errorOf(['dumpxml', 'x', '--json']), /command 'dumpxml' doesn't support option --json/);
});

test('error messages are virsh\'s, word for word', () => {
  const cases: string[][] = [
    ['nosuch'], ['list', '--foo'], ['start'], ['dominfo', 'a', 'b'], ['list', '--all', '--all'],
    ['shutdown', 'test', '--mode'], ['domstate', 'test', '--reason', 'extra'], ['define'],
  ];
  for (const words of cases) {
    const mine = errorOf(words);
    const theirs = virshError(words);
    if (theirs !== undefined) assert.equal(mine, theirs, words.join(' '));
  }
  assert.equal(errorOf(['nosuch']), "error: unknown command: 'nosuch'");
  assert.equal(errorOf(['list', '--foo']), "error: command 'list' doesn't support option --foo");
  assert.equal(errorOf(['start']), "error: command 'start' requires <domain> option");
  assert.equal(errorOf(['dominfo', 'a', 'b']), "error: unexpected data 'b'");
});

test('numbers are checked when read, with virsh\'s message', () => {
  const args = parseArgs(cmd('event'), ['--timeout', 'abc', '--all']);
  assert.throws(() => args.num('timeout'), (e: unknown) =>
    e instanceof CliError && e.lines[0] === "Numeric value 'abc' for <timeout> option is malformed or out of range");
  assert.equal(parseArgs(cmd('event'), ['--timeout', '5']).num('timeout'), 5);
});

test('a repeatable option (virsh VSH_OT_ARGV) collects every value, named or bare, in order', () => {
  const a = parseArgs(cmd('domfsfreeze'), ['dom1', '/', '--mountpoint', '/boot', '/var']);
  assert.equal(a.str('domain'), 'dom1');
  assert.deepEqual(a.list('mountpoint'), ['/', '/boot', '/var']);
  assert.deepEqual(parseArgs(cmd('domfsfreeze'), ['dom1']).list('mountpoint'), []);
});
