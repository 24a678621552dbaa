#!/usr/bin/env bash
# Builds the initramfs of a test VM that runs tsvirt's own code on a real kernel: the test
# guest's (scripts/make-test-guest.sh: busybox, kernel modules with load.list) plus
# /usr/bin/node with the libraries ldd names, pci.ids, test/guest/NAME-check.ts bundled with
# esbuild, and any host programs named after it (with their libraries, e.g. lvm2's lvm and
# its command links). Its /init loads the modules, runs the check and powers off.
# Usage: scripts/make-node-guest.sh NAME [PROGRAM...]   (into <repo>/.cache/NAME-guest)
#   sriov: src/host PCI/SR-IOV/VFIO code   lvm /sbin/lvm: the logical storage pool
# Cached: rebuilt only when an input changes (stamp = hashes of the inputs).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
name=${1:?usage: make-node-guest.sh NAME [PROGRAM...]}
shift
programs=("$@")
check=$repo/test/guest/$name-check.ts
[ -f "$check" ] || { echo "make-node-guest: $check does not exist" >&2; exit 1; }
out=$repo/.cache/$name-guest
base=${TSVIRT_GUEST_DIR:-$repo/.cache/test-guest}
log() { echo "make-node-guest: $*" >&2; }

"$repo/scripts/make-test-guest.sh" "$base" >/dev/null
node_bin=$(readlink -f "$(command -v node)")
pci_ids=/usr/share/misc/pci.ids
[ -f "$pci_ids" ] || { log "error: $pci_ids is missing: apt-get install -y pci.ids"; exit 1; }
esbuild=$repo/node_modules/.bin/esbuild
mkdir -p "$out"
exec 9>"$out/.lock"
flock 9

bundle=$(mktemp -d)
trap 'rm -rf "$bundle"' EXIT
"$esbuild" "$check" --bundle --platform=node --format=esm --target=node18 \
  --banner:js="import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);" \
  --outfile="$bundle/check.mjs" --log-level=warning
stamp=$( (sha256sum "$base/initrd.img" "$bundle/check.mjs" "$0"; stat -c '%s %Y' "$node_bin" "$pci_ids"; for p in "${programs[@]}"; do stat -c '%n %s %Y' "$(readlink -f "$p")"; done) | sha256sum | cut -d' ' -f1)
if [ -f "$out/initrd.img" ] && [ "$(cat "$out/stamp" 2>/dev/null)" = "$stamp" ]; then
  echo "$out"; exit 0
fi

log "building initramfs"
tree=$bundle/tree
mkdir -p "$tree"
(cd "$tree" && gzip -dc "$base/initrd.img" | cpio -id --quiet)
mkdir -p "$tree/usr/bin" "$tree/usr/share/misc" "$tree/opt/tsvirt"
cp "$node_bin" "$tree/usr/bin/node"
for bin in "$node_bin" "${programs[@]}"; do
  for lib in $(ldd "$bin" | grep -o '/[^ ]*'); do
    mkdir -p "$tree$(dirname "$lib")"
    cp -L "$lib" "$tree$lib"
  done
done
for p in "${programs[@]}"; do
  mkdir -p "$tree$(dirname "$p")"
  cp -L "$p" "$tree$p"
  # lvm's commands (pvcreate, vgcreate, ...) are links to it: bring the links along
  for l in $(find "$(dirname "$p")/" -maxdepth 1 -lname "$(basename "$p")" -printf '%f\n'); do ln -sf "$(basename "$p")" "$tree$(dirname "$p")/$l"; done
done
cp "$pci_ids" "$tree/usr/share/misc/pci.ids"
cp "$bundle/check.mjs" "$tree/opt/tsvirt/check.mjs"
mv "$tree/init" "$tree/init.test-guest"
cat >"$tree/init" <<'INIT'
#!/bin/sh
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
kmods=/lib/modules/$(uname -r)
if [ -f "$kmods/load.list" ]; then
  while read -r mod params; do insmod "$kmods/$mod" $params 2>/dev/null; done <"$kmods/load.list"
fi
mkdir -p /tmp /run/lock
echo "TSVIRT-NODE-GUEST-UP"
node /opt/tsvirt/check.mjs || echo "TSVIRT-CHECK-FAILED $?"
sync
poweroff -f
INIT
chmod +x "$tree/init"
(cd "$tree" && find . -mindepth 1 -print0 | LC_ALL=C sort -z | cpio --null -o -H newc -R 0:0 --quiet) | gzip -1 >"$out/initrd.tmp"
mv "$out/initrd.tmp" "$out/initrd.img"
cp "$base/vmlinuz" "$out/vmlinuz"
echo "$stamp" >"$out/stamp"
log "done: $(du -h "$out/initrd.img" | cut -f1)"
echo "$out"
