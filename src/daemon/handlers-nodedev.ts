// Node device API methods (nodedev.*), each mapped to one NodeDeviceService call.
import type { Handlers } from './dispatch.js';
import type { NodeDeviceService } from './nodedev-service.js';

type NodedevHandlers = Pick<Handlers, Extract<keyof Handlers, `nodedev.${string}`>>;

export function makeNodedevHandlers(s: NodeDeviceService): NodedevHandlers {
  return {
    'nodedev.list': async (p) => ({ devices: await s.list(p) }),
    'nodedev.getXml': async (p) => ({ xml: await s.getXml(p.name) }),
    'nodedev.detach': (p) => s.detach(p.name),
    'nodedev.reattach': async (p) => (await s.reattach(p.name), {}),
    'nodedev.reset': async (p) => (await s.reset(p.name), {}),
    'nodedev.setSriov': (p) => s.setSriov(p.name, p.numVfs, p.persistent),
  };
}
