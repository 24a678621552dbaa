#!/usr/bin/python3
# Types a line into a guest's serial console through libvirt's console stream (virDomainOpenConsole,
# taking the console over): serial-send.py URI DOMAIN TEXT
import sys

import libvirt

uri, name, text = sys.argv[1:4]
conn = libvirt.open(uri)
st = conn.newStream(0)
conn.lookupByName(name).openConsole(None, st, libvirt.VIR_DOMAIN_CONSOLE_FORCE)
st.send((text + '\n').encode())
st.finish()
