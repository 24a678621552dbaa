#!/usr/bin/python3
# What libvirt 9.0 itself makes of domain XML: defines each file in an embedded QEMU driver
# (qemu:///embed, no daemon; state in a temporary root) and prints one JSON object
# {case: {"xml": dumpxml --inactive} | {"error": libvirt's message}}.
# Usage: libvirt-dumpxml.py FILE.xml...   (needs python3-libvirt and libvirt-daemon-driver-qemu)
import json, os, shutil, sys, tempfile
import libvirt

libvirt.virEventRegisterDefaultImpl()
libvirt.registerErrorHandler(lambda *_: None, None)  # errors are reported in the JSON
root = tempfile.mkdtemp(prefix='tsvirt-libvirt-embed-')
out = {}
try:
    conn = libvirt.open('qemu:///embed?root=' + root)
    for path in sys.argv[1:]:
        case = os.path.basename(path)[:-4]
        try:
            dom = conn.defineXML(open(path).read())
            out[case] = {'xml': dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE | libvirt.VIR_DOMAIN_XML_SECURE)}
            dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_NVRAM | libvirt.VIR_DOMAIN_UNDEFINE_KEEP_TPM)
        except libvirt.libvirtError as e:
            out[case] = {'error': e.get_error_message()}
    conn.close()
finally:
    shutil.rmtree(root, ignore_errors=True)
json.dump(out, sys.stdout, indent=1)
