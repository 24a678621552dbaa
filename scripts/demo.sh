#!/usr/bin/env bash
# The README's first command: on a fresh Debian machine (as root) installs what is
# missing, starts tsvirtd (the system instance), defines and boots a demo VM, and
# says how to reach it. Safe to run again: it reuses what is already there.
set -euo pipefail
REPO=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
cd "$REPO"
source scripts/deps.sh
source scripts/demo-boot.sh

if [ "$(id -u)" -ne 0 ]; then
  echo "demo: run as root (the system instance of tsvirtd manages QEMU for the whole host)" >&2
  exit 1
fi

echo "== 1/5 packages, build"
tsvirt_ensure_debian_packages
tsvirt_ensure_node_modules "$REPO"
# built already and nothing changed since: no 20 s rebuild on a rerun
# (the rule bin/tsvirt and bin/tsvirtd use to pick the bundle over tsx)
if [ -f dist/.stamp ] && [ -f dist/bundle/tsvirtd.mjs ] && [ -z "$(find src -name '*.ts' -newer dist/.stamp -print -quit)" ]; then
  echo "the daemon and CLI are built (dist/)"
else
  echo "building the daemon and CLI (about 20 s)..."
  npm run --silent build
fi
if [ -f dist/web/index.html ] && [ -z "$(find web src/protocol -newer dist/web/index.html -type f -print -quit)" ]; then
  echo "the web UI is built (dist/web)"
else
  echo "building the web UI (about 15 s)..."
  npm run --silent build:web >/dev/null
fi

echo "== 2/5 commands: /usr/local/bin/tsvirt and /usr/local/bin/tsvirtd"
ln -sf "$REPO/bin/tsvirt" /usr/local/bin/tsvirt
ln -sf "$REPO/bin/tsvirtd" /usr/local/bin/tsvirtd

echo "== 3/5 the demo guest (a Debian cloud kernel and a busybox initramfs)"
GUEST_DIR=/var/lib/tsvirt/images
mkdir -p "$GUEST_DIR"
TSVIRT_GUEST_DIR="$REPO/.cache/test-guest" bash scripts/make-test-guest.sh >/dev/null
install -m 0644 "$REPO/.cache/test-guest/vmlinuz" "$GUEST_DIR/demo-vmlinuz"
install -m 0644 "$REPO/.cache/test-guest/initrd.img" "$GUEST_DIR/demo-initrd.img"

echo "== 4/5 tsvirtd"
PIDFILE=/run/tsvirt/tsvirtd.pid
if [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
  echo "tsvirtd is already running (pid $(cat "$PIDFILE"))"
else
  mkdir -p /var/log/tsvirt
  # the web UI listens on loopback only; `tsvirt ui` prints a one-time login link.
  # Without libvirt on the host, tsvirtd also takes libvirt's socket paths: a bare `virsh` reaches it.
  COMPAT=()
  command -v libvirtd >/dev/null 2>&1 || command -v virtqemud >/dev/null 2>&1 || COMPAT=(--libvirt-compat-sockets)
  nohup "$REPO/bin/tsvirtd" --system --listen-http 127.0.0.1:8080 --pidfile "$PIDFILE" "${COMPAT[@]}" >>/var/log/tsvirt/tsvirtd.log 2>&1 &
  for _ in $(seq 1 300); do
    [ -S /run/tsvirt/tsvirtd.sock ] && tsvirt -q version >/dev/null 2>&1 && break
    sleep 0.1
  done
  tsvirt -q version >/dev/null || { echo "tsvirtd did not start; see /var/log/tsvirt/tsvirtd.log" >&2; exit 1; }
  echo "tsvirtd started (pid $(cat "$PIDFILE")), log in /var/log/tsvirt/tsvirtd.log"
fi

echo "== 5/5 the default network and pool, the demo VM"
# tsvirtd defines the NAT network 'default' (192.168.122.0/24) and the dir pool 'default' on first start
tsvirt -q net-info default | grep -q 'Active:.*yes' || tsvirt net-start default
tsvirt -q net-autostart default >/dev/null
tsvirt -q vol-info --pool default demo-disk.qcow2 >/dev/null 2>&1 || tsvirt vol-create-as default demo-disk.qcow2 64M --format qcow2
if ! tsvirt -q domuuid demo >/dev/null 2>&1; then
  # the demo's definition (also booted by test/e2e/web-polish.test.ts)
  sed -e "s#@KERNEL@#$GUEST_DIR/demo-vmlinuz#" -e "s#@INITRD@#$GUEST_DIR/demo-initrd.img#" scripts/demo-domain.xml > /tmp/tsvirt-demo.xml
  tsvirt define /tmp/tsvirt-demo.xml
  rm -f /tmp/tsvirt-demo.xml
fi
LOG=/var/log/tsvirt/qemu/demo/serial0.log
if [ "$(tsvirt domstate demo)" != "running" ]; then
  FROM=$(stat -c %s "$LOG" 2>/dev/null || echo 0)
  tsvirt start demo
else
  # running already: its boot is the last one in the log
  FROM=$(demo_last_boot_offset "$LOG")
fi
echo "waiting for the demo guest to boot (a few seconds under TCG, at most 30 s)..."
IP=$(demo_wait_boot "$LOG" "$FROM" 30) || { echo "the demo guest did not boot within 30 s; see $LOG" >&2; exit 1; }
VIRSH_URI='qemu+unix:///system?socket=/run/tsvirt/libvirt-sock'
[ -S /run/libvirt/libvirt-sock ] && ! command -v libvirtd >/dev/null 2>&1 && VIRSH_URI=''

cat <<TXT

The demo VM is running:
$(tsvirt list --all)

Reach it:
  tsvirt console demo        serial console with a shell (leave with Ctrl+])
  ping ${IP:-<its address>}        its address on the NAT network 'default' (tsvirt domifaddr demo)
  tsvirt vncdisplay demo     its VNC display: $(tsvirt vncdisplay demo 2>/dev/null || echo '?')
  tsvirt ui                  a one-time link to the web UI at http://127.0.0.1:8080
  $LOG   everything the guest printed
Manage it:
  tsvirt dominfo demo | tsvirt shutdown demo | tsvirt start demo | tsvirt dumpxml demo
  tsvirt pool-list --all | tsvirt vol-list default | tsvirt net-list --all | tsvirt nodedev-list --cap pci
  tsvirt help                all commands
libvirt's own tools speak to tsvirtd too (virsh, virt-manager, virt-install, libvirt-python):
  virsh ${VIRSH_URI:+-c '$VIRSH_URI' }list --all
TXT
