import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { commandHelp, groupedHelp, helpFor } from './commands/help.js';
import { COMMANDS, findCommand } from './registry.js';
import { prepare } from './run.js';

const hasVirsh = !spawnSync('virsh', ['--version']).error;

test('command help is virsh\'s layout (commands whose options are the same as virsh\'s)', { skip: !hasVirsh && 'virsh not installed' }, () => {
  for (const name of ['reset', 'suspend', 'resume', 'shutdown', 'reboot', 'autostart', 'domcapabilities', 'capabilities', 'define', 'help']) {
    const r = spawnSync('virsh', ['-c', 'test:///default', 'help', name], { encoding: 'utf8' });
    assert.equal(commandHelp(findCommand(name)!) + '\n', r.stdout, name);
  }
});

test('grouped help lists every command once under its virsh group', () => {
  const text = groupedHelp(COMMANDS);
  assert.match(text, /^Grouped commands:\n\n Domain Management \(help keyword 'domain'\):\n/);
  assert.match(text, /\n    list {27}list domains\n/);
  for (const c of COMMANDS) assert.equal(text.split(`\n    ${c.name.padEnd(30)} `).length, 2, c.name);
  assert.match(helpFor('events', COMMANDS), /^ Domain Events \(help keyword 'events'\):\n    event {26}Domain Events\n$/);
  assert.throws(() => helpFor('nosuch', COMMANDS), /command or command group 'nosuch' doesn't exist/);
});

test('--json shows in the help of read commands', () => {
  assert.match(commandHelp(findCommand('dominfo')!), /dominfo <domain> \[--json\]/);
});

test('COMMAND --help is `help COMMAND` on every command, as virsh; after -- it is data', () => {
  for (const c of COMMANDS) {
    const p = prepare([c.name, '--help']);
    assert.equal(p.cmd.name, 'help', c.name);
    assert.equal(p.args.str('command'), c.name, c.name);
  }
  // even beside options the command lacks or without its required ones
  assert.equal(prepare(['start', '--no-such', '--help']).cmd.name, 'help');
  assert.equal(prepare(['dominfo', '--', '--help']).args.str('domain'), '--help');
});

test('help of a command through its --help matches virsh for the same command', { skip: !hasVirsh && 'virsh not installed' }, () => {
  const r = spawnSync('virsh', ['-c', 'test:///default', 'reset', '--help'], { encoding: 'utf8' });
  assert.equal(r.status, 0);
  assert.equal(commandHelp(findCommand('reset')!) + '\n', r.stdout);
});
