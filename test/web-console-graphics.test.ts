// The web UI's graphical console tab: noVNC shows VNC only, so a SPICE-only domain gets a note
// that says so (and how to reach its display), and a domain with both shows its VNC display.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { browserConsole } from '../web/src/console-graphics.js';

test('a SPICE-only domain: the tab says clearly that only VNC is shown in the browser', () => {
  const c = browserConsole('win10', [{ type: 'spice', port: '5901', listen: '127.0.0.1' }]);
  assert.equal(c?.kind, 'none');
  assert.equal(c.kind === 'none' && c.note,
    "This virtual machine's display is SPICE (port 5901 on 127.0.0.1). The browser console shows VNC only. Connect a SPICE client such as remote-viewer (`virsh domdisplay win10` prints its URI), or add a <graphics type='vnc'> device to see the display here.");
});

test('VNC next to SPICE: the VNC display is the one shown, wherever it is in the list', () => {
  const vnc = { type: 'vnc', port: '5900', listen: '127.0.0.1' };
  assert.deepEqual(browserConsole('both', [{ type: 'spice', port: '5901', listen: '' }, vnc]), { kind: 'vnc', graphics: vnc });
});

test('no graphics: no console tab; other display types get the note without a port', () => {
  assert.equal(browserConsole('none', []), undefined);
  const c = browserConsole('x', [{ type: 'egl-headless', port: '', listen: '' }]);
  assert.equal(c?.kind === 'none' && c.note, "This virtual machine's display is egl-headless. The browser console shows VNC only. Add a <graphics type='vnc'> device to see the display here.");
});
