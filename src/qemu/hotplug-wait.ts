// Waiting for QEMU's DEVICE_DELETED after device_del: the guest has to let go first.
import { TsvirtError } from '../util/errors.js';
import * as qmp from './qmp-commands.js';
import type { QemuVm } from './vm.js';

/** Starts listening now (before device_del is sent); the promise resolves on DEVICE_DELETED for `id`. */
export function deviceDeleted(vm: QemuVm, id: string, timeoutMs = 30_000): { done: Promise<void>; cancel: () => void } {
  let cancel = () => {};
  const done = new Promise<void>((resolve, reject) => {
    const onEvent = (ev: { event: string; data?: Record<string, unknown> }) => {
      if (ev.event === 'DEVICE_DELETED' && ev.data?.device === id) {
        cleanup();
        resolve();
      }
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new TsvirtError('operation-timeout', `the guest did not release device '${id}' within ${timeoutMs / 1000} s (it may still do so later)`));
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      vm.monitor.off('event', onEvent);
    };
    cancel = cleanup;
    vm.monitor.on('event', onEvent);
  });
  return { done, cancel };
}

/** device_del of `id`, then waits for DEVICE_DELETED (the listener is set up first). */
export async function unplugDevice(vm: QemuVm, id: string, timeoutMs?: number): Promise<void> {
  const wait = deviceDeleted(vm, id, timeoutMs);
  try {
    await qmp.deviceDel(vm.monitor, id);
  } catch (e) {
    wait.cancel();
    throw e;
  }
  await wait.done;
}
