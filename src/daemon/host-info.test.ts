import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { cpuinfoMhz, nodeInfo } from './host-info.js';

test("cpu MHz comes from /proc/cpuinfo's first processor, truncated as libvirt does", () => {
  const text = 'processor\t: 0\nmodel name\t: AMD EPYC\ncpu MHz\t\t: 2596.120\n\nprocessor\t: 1\ncpu MHz\t\t: 1800.000\n';
  assert.equal(cpuinfoMhz(text), 2596);
  assert.equal(cpuinfoMhz('processor\t: 0\nBogoMIPS\t: 50.00\n'), undefined);
  // on this machine: the figure nodeinfo reports is the one in /proc/cpuinfo (os.cpus() says 0 in a VM)
  const here = cpuinfoMhz(readFileSync('/proc/cpuinfo', 'utf8'));
  if (here !== undefined) assert.equal(nodeInfo().mhz, here);
});
