// Which graphical console the browser can show: noVNC speaks VNC only. A domain whose displays
// are all of another type (SPICE, the default of virt-manager and virt-install) gets a clear
// note instead of a console that could never connect; with VNC and SPICE together, VNC is shown.

export interface GraphicsView {
  type: string;
  /** the live port ('' or '-1' when not known) */
  port: string;
  listen: string;
}

export type BrowserConsole = { kind: 'vnc'; graphics: GraphicsView } | { kind: 'none'; note: string };

const NAMES: Record<string, string> = { spice: 'SPICE', sdl: 'SDL', 'egl-headless': 'egl-headless', dbus: 'D-Bus', rdp: 'RDP', desktop: 'desktop' };

/** The console for a domain's <graphics> list; undefined when it has none. */
export function browserConsole(name: string, graphics: GraphicsView[]): BrowserConsole | undefined {
  if (graphics.length === 0) return undefined;
  const vnc = graphics.find((g) => g.type === 'vnc');
  if (vnc) return { kind: 'vnc', graphics: vnc };
  const g = graphics[0];
  const where = g.port && g.port !== '-1' && g.port !== '0' ? ` (port ${g.port} on ${g.listen || '127.0.0.1'})` : '';
  const type = NAMES[g.type] ?? g.type;
  const client = g.type === 'spice' ? ` Connect a SPICE client such as remote-viewer (\`virsh domdisplay ${name}\` prints its URI), or` : '';
  return { kind: 'none', note: `This virtual machine's display is ${type}${where}. The browser console shows VNC only.${client} add a <graphics type='vnc'> device to see the display here.`.replace('. add', '. Add') };
}
