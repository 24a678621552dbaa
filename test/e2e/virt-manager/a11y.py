#!/usr/bin/python3
# Reads virt-manager's windows through the accessibility bus (AT-SPI) of the session bus in
# DBUS_SESSION_BUS_ADDRESS, so a test checks the text the user sees, not only that a window exists.
#   a11y.py dump                      one JSON line per widget: {"window", "role", "name", "text"}
#   a11y.py press WINDOW ROLE NAME    runs the first action of that widget (a button's click)
#   a11y.py where WINDOW ROLE TEXT    prints the screen centre (x y), then x y width height, of the widget
#                                     whose name (or text) starts with TEXT
#   a11y.py showing WINDOW ROLE       the same for the largest widget of that role that is on screen
#                                     (e.g. the VNC display among the hidden graphs' drawing areas)
# Exit code 2: no such widget (yet).
import json
import sys

import gi
gi.require_version('Atspi', '2.0')
from gi.repository import Atspi


def text_of(a):
    if 'Text' not in a.get_interfaces():
        return ''
    return Atspi.Text.get_text(a, 0, Atspi.Text.get_character_count(a))


def walk(a, window, out, depth=0):
    if a is None or depth > 60:
        return
    try:
        role, name = a.get_role_name(), a.get_name() or ''
    except Exception:
        return  # a widget that went away while we read
    if role == 'frame':
        window = name
    try:
        text = text_of(a)
    except Exception:
        text = ''
    out.append((a, {'window': window, 'role': role, 'name': name, 'text': text}))
    for i in range(a.get_child_count()):
        walk(a.get_child_at_index(i), window, out, depth + 1)


def widgets():
    out = []
    desk = Atspi.get_desktop(0)
    for i in range(desk.get_child_count()):
        app = desk.get_child_at_index(i)
        if app is not None and app.get_name() == 'virt-manager':
            walk(app, '', out)
    return out


def main():
    cmd = sys.argv[1]
    if cmd == 'dump':
        for _, w in widgets():
            print(json.dumps(w))
        return 0
    if cmd == 'press':
        window, role, name = sys.argv[2:5]
        for a, w in widgets():
            if w['window'] == window and w['role'] == role and w['name'] == name:
                a.get_action_iface().do_action(0)
                return 0
        return 2
    if cmd == 'where':
        window, role, prefix = sys.argv[2:5]
        for a, w in widgets():
            if w['window'] == window and w['role'] == role and (w['name'] or w['text']).startswith(prefix):
                r = a.get_component_iface().get_extents(Atspi.CoordType.SCREEN)
                print(f'{r.x + r.width // 2} {r.y + r.height // 2} {r.x} {r.y} {r.width} {r.height}')
                return 0
        return 2
    if cmd == 'showing':
        window, role = sys.argv[2:4]
        best = None
        for a, w in widgets():
            if w['window'] == window and w['role'] == role and a.get_state_set().contains(Atspi.StateType.SHOWING):
                r = a.get_component_iface().get_extents(Atspi.CoordType.SCREEN)
                if best is None or r.width * r.height > best.width * best.height:
                    best = r
        if best is None:
            return 2
        print(f'{best.x + best.width // 2} {best.y + best.height // 2} {best.x} {best.y} {best.width} {best.height}')
        return 0
    print('unknown command ' + cmd, file=sys.stderr)
    return 1


sys.exit(main())
