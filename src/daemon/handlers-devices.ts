// Device API methods (domain.attachDevice / detachDevice / updateDevice) -> DeviceService.
import type { Handlers } from './dispatch.js';
import type { DeviceService } from './device-service.js';

type DeviceHandlers = Pick<Handlers, 'domain.attachDevice' | 'domain.detachDevice' | 'domain.updateDevice'>;

export function makeDeviceHandlers(d: DeviceService): DeviceHandlers {
  return {
    'domain.attachDevice': async (p) => (await d.attach(p.domain, p.xml, p), {}),
    'domain.detachDevice': async (p) => (await d.detach(p.domain, p.xml, p), {}),
    'domain.updateDevice': async (p) => (await d.update(p.domain, p.xml, p), {}),
  };
}
