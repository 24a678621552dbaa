// Runs the RPC client as tsvirtd does towards another daemon, from wherever it is started
// (a test runs it inside a network namespace): connects to URI, looks up NAME, asks for a
// missing domain, closes, and prints what it got as one JSON line.
import { RpcClient } from '../../src/daemon/libvirt/rpc-client.js';
import { loadTlsFiles } from '../../src/daemon/tls-files.js';

const [uri, name, tlsDir] = process.argv.slice(2);
const out: Record<string, unknown> = {};
try {
  const c = await RpcClient.connect(uri!, { tls: tlsDir ? loadTlsFiles('client', tlsDir) : undefined, timeoutMs: 10000 });
  const found = await c.call('DOMAIN_LOOKUP_BY_NAME', { name: name! });
  out.name = found.dom.name;
  out.xml = (await c.call('DOMAIN_GET_XML_DESC', { dom: found.dom, flags: 0 })).xml.includes(`<name>${name}</name>`);
  try {
    await c.call('DOMAIN_LOOKUP_BY_NAME', { name: 'no-such-domain' });
  } catch (e) {
    out.error = { code: (e as { code?: string }).code, message: (e as Error).message };
  }
  await c.close();
  out.closed = c.isClosed;
} catch (e) {
  out.failed = (e as Error).message;
}
process.stdout.write(`${JSON.stringify(out)}\n`);
