import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sshKeyLines } from './cloud-init.js';

test('cloud-init reads authorized_keys lines, leaving out blanks and comments', () => {
  assert.deepEqual(sshKeyLines('# mine\nssh-ed25519 AAAA a@b\r\n\n  ssh-rsa AAAAB3 other  \n'), ['ssh-ed25519 AAAA a@b', 'ssh-rsa AAAAB3 other']);
  assert.deepEqual(sshKeyLines('\n# only a comment\n'), []);
});
