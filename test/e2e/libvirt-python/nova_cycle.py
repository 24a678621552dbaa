#!/usr/bin/python3
"""OpenStack Nova's libvirt-driver cycle, with libvirt-python, against one connection URI.

Prints one JSON line per step: {"step": NAME, "ok": true, "value": ...} or
{"step": NAME, "ok": false, "error": MESSAGE, "code": virErrorNumber}. A failed step does
not end the run unless later steps cannot do without it. The caller (libvirt-python.test.ts)
checks each line. Lifecycle events arrive in this process's own event loop, as in Nova:
virEventRegisterDefaultImpl before the connection, a thread running virEventRunDefaultImpl.
"""
import argparse
import json
import sys
import threading
import time
import xml.etree.ElementTree as ET

import libvirt

p = argparse.ArgumentParser()
p.add_argument('--uri', required=True)
p.add_argument('--xml', required=True, help='domain XML file to define (the TCG test guest)')
p.add_argument('--console-log', required=True, help="the guest's serial log, to see it booted and hot-plugged disks")
p.add_argument('--disk', required=True, help='image file attached as vdb and detached again')
p.add_argument('--nodedev', action='append', default=[], help='node device to detach and reattach (PCI)')
p.add_argument('--nodedev-uri', help='where the node devices are (a daemon on a fake kernel tree); default --uri')
p.add_argument('--missing-nodedev', default='pci_0000_7f_1f_7')
p.add_argument('--sync', action='store_true', help='at each checkpoint wait for a line on stdin (the caller compares with tsvirt)')
args = p.parse_args()


def emit(step, ok, **kw):
    print(json.dumps({'step': step, 'ok': ok, **kw}, default=str), flush=True)


def checkpoint(name):
    emit('checkpoint', True, value=name)
    if args.sync:
        sys.stdin.readline()


def step(name, fn, *a):
    """runs fn(*a), prints its outcome, returns (ok, value)"""
    try:
        v = fn(*a)
        emit(name, True, value=v)
        return True, v
    except libvirt.libvirtError as e:
        emit(name, False, error=e.get_error_message(), code=e.get_error_code())
    except Exception as e:  # a wrong answer, seen by the script's own check
        emit(name, False, error=f'{type(e).__name__}: {e}', code=None)
    return False, None


# --- the event loop Nova runs (nova/virt/libvirt/host.py) ---
def run_event_loop():
    while True:
        libvirt.virEventRunDefaultImpl()


libvirt.virEventRegisterDefaultImpl()
threading.Thread(target=run_event_loop, daemon=True).start()

events = []
events_cv = threading.Condition()
EVENT = {0: 'Defined', 1: 'Undefined', 2: 'Started', 3: 'Suspended', 4: 'Resumed', 5: 'Stopped', 6: 'Shutdown'}


def on_lifecycle(conn, dom, event, detail, opaque):
    with events_cv:
        events.append([dom.name(), EVENT.get(event, str(event)), detail])
        events_cv.notify_all()


def on_device_removed(conn, dom, dev, opaque):
    with events_cv:
        events.append([dom.name(), 'DeviceRemoved', dev])
        events_cv.notify_all()


def wait_event(name, event, timeout=20):
    """the next event of this kind for the domain, with its detail number (device-removed: the alias)"""
    deadline = time.time() + timeout
    with events_cv:
        while True:
            for e in events:
                if e[0] == name and e[1] == event and not e[3:]:
                    e.append('seen')
                    return e[2]
            left = deadline - time.time()
            if left <= 0:
                raise TimeoutError(f'no {event} event for {name}; events so far: {events}')
            events_cv.wait(left)


def wait_console(text, timeout=30, count=1):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with open(args.console_log, encoding='latin1') as f:
                if f.read().count(text) >= count:
                    return True
        except FileNotFoundError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"'{text}' not in {args.console_log} after {timeout} s")


def poll(fn, timeout=20):
    deadline = time.time() + timeout
    while not fn():
        if time.time() > deadline:
            raise TimeoutError('condition not met')
        time.sleep(0.2)
    return True


def auth_cb(creds, opaque):
    return 0


# as Nova: errors are raised as exceptions, not printed by libvirt's default handler
libvirt.registerErrorHandler(lambda opaque, err: None, None)
conn = libvirt.openAuth(args.uri, [[libvirt.VIR_CRED_AUTHNAME, libvirt.VIR_CRED_NOECHOPROMPT], auth_cb, None], 0)
emit('openAuth', True, value=conn.getURI())
step('registerCloseCallback', lambda: conn.registerCloseCallback(lambda c, reason, o: None, None))
ok, cb_lifecycle = step('domainEventRegisterAny', conn.domainEventRegisterAny, None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, on_lifecycle, None)
_, cb_removed = step('domainEventRegisterAny(device-removed)', conn.domainEventRegisterAny, None, libvirt.VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED, on_device_removed, None)

# --- host facts (nova.virt.libvirt.host.Host) ---
step('getCapabilities', lambda: ET.fromstring(conn.getCapabilities()).findtext('host/cpu/arch'))
step('getVersion', conn.getVersion)
step('getLibVersion', conn.getLibVersion)
step('getHostname', conn.getHostname)
step('getInfo', lambda: conn.getInfo()[:3])
step('listAllDomains', lambda: sorted(d.name() for d in conn.listAllDomains(0)))

# --- spawn: define, start, look up, read back ---
xml = open(args.xml).read()
name = ET.fromstring(xml).findtext('name')
ok, dom = step('defineXML', lambda: conn.defineXML(xml))
if not ok:
    sys.exit(1)
uuid = dom.UUIDString()
step('event Defined', wait_event, name, 'Defined')
step('lookupByUUIDString', lambda: conn.lookupByUUIDString(uuid).name())
step('lookupByName', lambda: conn.lookupByName(name).UUIDString())
step('isActive(defined)', dom.isActive)
step('createWithFlags', dom.createWithFlags, 0)
step('event Started', wait_event, name, 'Started')
step('isActive', dom.isActive)
step('state', dom.state)
step('info', dom.info)
step('XMLDesc', lambda: [ET.fromstring(dom.XMLDesc(0)).get('id'), [t.get('dev') for t in ET.fromstring(dom.XMLDesc(0)).findall('devices/disk/target')]])
step('guest booted', wait_console, 'TSVIRT-GUEST-READY')
step('XMLDesc(text)', dom.XMLDesc, 0)
checkpoint('running')

# --- disks: attach and detach live and in the definition (nova volume attach) ---
FLAGS = libvirt.VIR_DOMAIN_AFFECT_LIVE | libvirt.VIR_DOMAIN_AFFECT_CONFIG
disk = f"<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='{args.disk}'/><target dev='vdb' bus='virtio'/></disk>"


def disks(flags):
    return [t.get('dev') for t in ET.fromstring(dom.XMLDesc(flags)).findall('devices/disk/target')]


attached, _ = step('attachDeviceFlags', dom.attachDeviceFlags, disk, FLAGS)
step('attached: live and config disks', lambda: [disks(0), disks(libvirt.VIR_DOMAIN_XML_INACTIVE)])
if attached:
    step('guest sees vdb', wait_console, 'TSVIRT-DISK-ADDED vdb')
checkpoint('attached')

# --- stats (nova's get_diagnostics, the periodic usage audit) ---
step('blockStats', dom.blockStats, 'vda')
step('blockStats(vdb)', dom.blockStats, 'vdb')
mac = ET.fromstring(dom.XMLDesc(0)).find('devices/interface/mac').get('address')
step('interfaceStats', dom.interfaceStats, mac)
step('memoryStats', dom.memoryStats)
step('vcpus', dom.vcpus)

if attached:
    step('detachDeviceFlags', dom.detachDeviceFlags, disk, FLAGS)
    # what Nova's live detach waits for (VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED): the alias
    step('event DeviceRemoved', wait_event, name, 'DeviceRemoved')
    # the guest lets go of the disk (ACPI unplug) a little later; Nova waits for it too
    step('detached: live and config disks', lambda: poll(lambda: disks(0) == ['vda']) and [disks(0), disks(libvirt.VIR_DOMAIN_XML_INACTIVE)])
    step('guest lost vdb', wait_console, 'TSVIRT-DISK-REMOVED vdb')
checkpoint('detached')

# --- pause and unpause, soft and hard power off ---
step('suspend', dom.suspend)
step('event Suspended', wait_event, name, 'Suspended')
step('state(paused)', dom.state)
checkpoint('paused')
step('resume', dom.resume)
step('event Resumed', wait_event, name, 'Resumed')
step('shutdownFlags', dom.shutdownFlags, 0)
step('event Stopped(shutdown)', wait_event, name, 'Stopped', 40)
step('state(shut off)', dom.state)
step('createWithFlags(again)', dom.createWithFlags, 0)
step('event Started(again)', wait_event, name, 'Started')
step('destroyFlags', dom.destroyFlags, 0)
step('event Stopped(destroyed)', wait_event, name, 'Stopped')
step('isActive(destroyed)', dom.isActive)
step('undefineFlags', dom.undefineFlags, libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE | libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA | libvirt.VIR_DOMAIN_UNDEFINE_NVRAM)
step('event Undefined', wait_event, name, 'Undefined')
step('lookupByName(undefined)', lambda: conn.lookupByName(name).name())

# --- node devices (PCI passthrough: nova.virt.libvirt.host / pci) ---
hconn = libvirt.open(args.nodedev_uri) if args.nodedev_uri else conn
step('listAllDevices', lambda: sorted(d.name() for d in hconn.listAllDevices(0)))
step('nodeDeviceLookupByName(missing)', lambda: hconn.nodeDeviceLookupByName(args.missing_nodedev).name())
for nd in args.nodedev:
    ok, dev = step(f'nodeDeviceLookupByName({nd})', lambda: hconn.nodeDeviceLookupByName(nd))
    if ok:
        step(f'dettach({nd})', dev.dettach)
        checkpoint(f'dettached {nd}')
        step(f'reAttach({nd})', dev.reAttach)

# --- what the event loop saw, then goodbye ---
with events_cv:
    emit('events', True, value=[e[:3] for e in events])
if cb_lifecycle is not None:
    step('domainEventDeregisterAny', conn.domainEventDeregisterAny, cb_lifecycle)
if cb_removed is not None:
    step('domainEventDeregisterAny(device-removed)', conn.domainEventDeregisterAny, cb_removed)
if hconn is not conn:
    hconn.close()
step('close', conn.close)
emit('done', True)
