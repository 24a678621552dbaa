import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commandsFromArgv, splitCommands } from './tokenize.js';

test('splits commands on ; and newlines, drops empty ones', () => {
  assert.deepEqual(splitCommands('define a.xml; start a\nlist --all;;'), [['define', 'a.xml'], ['start', 'a'], ['list', '--all']]);
  assert.deepEqual(splitCommands('  ;  \n'), []);
});

test('quotes and escapes as virsh', () => {
  assert.deepEqual(splitCommands(`domstate 'te'st`), [['domstate', 'test']]);
  assert.deepEqual(splitCommands(`domstate te"st"`), [['domstate', 'test']]);
  assert.deepEqual(splitCommands(`domstate "a b; c"`), [['domstate', 'a b; c']]);
  assert.deepEqual(splitCommands(`define my\\ file.xml`), [['define', 'my file.xml']]);
  assert.deepEqual(splitCommands(`echo "a\\"b" 'x\\y'`), [['echo', 'a"b', 'x\\y']]);
  assert.deepEqual(splitCommands(`start ""`), [['start', '']]);
});

test('# starts a comment up to the end of the line', () => {
  assert.deepEqual(splitCommands('domstate "a b" # hi; list\nlist'), [['domstate', 'a b'], ['list']]);
});

test('an unterminated quote is an error', () => {
  assert.throws(() => splitCommands('start "abc'), /missing "/);
});

test('argv: one argument is a command string, several are words with ; alone as separator', () => {
  assert.deepEqual(commandsFromArgv(['define a.xml; start a']), [['define', 'a.xml'], ['start', 'a']]);
  assert.deepEqual(commandsFromArgv(['start', 'a b']), [['start', 'a b']]);
  assert.deepEqual(commandsFromArgv(['start', 'a', ';', 'list']), [['start', 'a'], ['list']]);
});
