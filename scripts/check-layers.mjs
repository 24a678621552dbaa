// Fails when an import points up the layers of ../shared/ARCHITECTURE.md.
// Plain JS so it runs before anything is compiled.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
// layer -> the layers it may import (besides itself)
const allowed = {
  util: [],
  conf: ['util'],
  host: ['util', 'conf'],
  qemu: ['util', 'conf', 'host'],
  storage: ['util', 'conf', 'host'],
  network: ['util', 'conf', 'host'],
  protocol: ['util', 'conf'],
  daemon: ['util', 'conf', 'host', 'qemu', 'storage', 'network', 'protocol'],
  client: ['protocol'],
  cli: ['client', 'protocol', 'conf'],
  web: ['client', 'protocol'],
};
// protocol may use only plain types of conf: `import type` is checked below.
const typeOnly = { protocol: ['conf'], client: [], web: [] };

function layerOf(file) {
  const rel = relative(root, file).split('/');
  if (rel[0] === 'web') return 'web';
  if (rel[0] === 'src') return rel[1];
  return null;
}

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.(ts|tsx|mts)$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const files = [...walk(join(root, 'src')), ...(statSafe(join(root, 'web')) ? walk(join(root, 'web')) : [])];
function statSafe(p) { try { return statSync(p); } catch { return null; } }

const importRe = /^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;
const problems = [];
for (const file of files) {
  const from = layerOf(file);
  if (!from || !(from in allowed)) {
    problems.push(`${relative(root, file)}: folder is not a known layer`);
    continue;
  }
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(importRe)) {
    const spec = m[3] ?? m[4] ?? m[5];
    const isType = Boolean(m[2]);
    if (!spec || !spec.startsWith('.')) continue;
    const target = layerOf(resolve(dirname(file), spec));
    if (!target || target === from) continue;
    const line = text.slice(0, m.index).split('\n').length;
    const where = `${relative(root, file)}:${line}`;
    if (!allowed[from].includes(target)) {
      problems.push(`${where}: ${from} may not import ${target} ('${spec}')`);
    } else if ((typeOnly[from] ?? []).includes(target) && !isType) {
      problems.push(`${where}: ${from} may import only types from ${target} (use 'import type')`);
    }
  }
}
if (problems.length) {
  console.error(`layering check: ${problems.length} import(s) point the wrong way:`);
  for (const p of problems) console.error('  ' + p);
  process.exit(1);
}
console.log(`layering check: ${files.length} files, imports point down only`);
