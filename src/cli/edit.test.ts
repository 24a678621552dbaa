import { test } from 'node:test';
import assert from 'node:assert/strict';
import { askReedit, editorCommand, type PromptIo } from './commands/edit.js';

function io(keys: string[]): PromptIo & { text: string } {
  const r = {
    text: '',
    write(t: string) { r.text += t; },
    readChar: async () => keys.shift() ?? '',
  };
  return r;
}

test("virsh's question, help on '?', answers y/n/f/i", async () => {
  const a = io(['?', 'x', 'Y']);
  assert.equal(await askReedit(a, 'Failed.', true), 'y');
  assert.equal(a.text,
    '\rFailed. Try again? [y,n,i,f,?]: ' +
    '\r\ny - yes, start editor again\r\nn - no, throw away my changes\r\nf - force, try to redefine again\r\n' +
    'i - turn off validation and try to redefine again\r\n? - print this help\r\n' +
    '\rFailed. Try again? [y,n,i,f,?]: \rFailed. Try again? [y,n,i,f,?]: \r\n');
  assert.equal(await askReedit(io(['f']), 'Failed.', true), 'f');
  assert.equal(await askReedit(io(['i']), 'Failed.', true), 'i');
});

test("'i' is refused once validation is off; end of input means n", async () => {
  const a = io(['i', 'n']);
  assert.equal(await askReedit(a, 'Failed.', false), 'n');
  assert.match(a.text, /^\rFailed\. Try again\? \[y,n,f,\?\]: /);
  assert.equal(await askReedit(io([]), 'Failed.', true), 'n');
});

test('editor: $VISUAL, then $EDITOR, then vi', () => {
  assert.equal(editorCommand({ VISUAL: 'nano', EDITOR: 'emacs' }), 'nano');
  assert.equal(editorCommand({ EDITOR: 'emacs -nw' }), 'emacs -nw');
  assert.equal(editorCommand({}), 'vi');
});
