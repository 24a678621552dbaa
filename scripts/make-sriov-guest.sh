#!/usr/bin/env bash
# Builds the SR-IOV test VM's initramfs: the test guest's (scripts/make-test-guest.sh:
# busybox, kernel modules with load.list) plus /usr/bin/node with the libraries ldd names,
# pci.ids, and test/guest/sriov-check.ts bundled with esbuild (tsvirt's own src/host code).
# Its /init loads the modules, runs the check and powers off.
# Usage: scripts/make-sriov-guest.sh [OUTDIR]   (default <repo>/.cache/sriov-guest)
# Cached: rebuilt only when an input changes (stamp = hashes of the inputs).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$repo/.cache/sriov-guest}
base=${TSVIRT_GUEST_DIR:-$repo/.cache/test-guest}
log() { echo "make-sriov-guest: $*" >&2; }

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
"$esbuild" "$repo/test/guest/sriov-check.ts" --bundle --platform=node --format=esm --target=node18 \
  --outfile="$bundle/sriov-check.mjs" --log-level=warning
stamp=$( (sha256sum "$base/initrd.img" "$bundle/sriov-check.mjs" "$0"; stat -c '%s %Y' "$node_bin" "$pci_ids") | sha256sum | cut -d' ' -f1)
if [ -f "$out/initrd.img" ] && [ "$(cat "$out/stamp" 2>/dev/null)" = "$stamp" ]; then
  echo "$out"; exit 0
fi

log "building initramfs"
tree=$bundle/tree
mkdir -p "$tree"
(cd "$tree" && gzip -dc "$base/initrd.img" | cpio -id --quiet)
mkdir -p "$tree/usr/bin" "$tree/usr/share/misc" "$tree/opt/tsvirt"
cp "$node_bin" "$tree/usr/bin/node"
for lib in $(ldd "$node_bin" | grep -o '/[^ ]*'); do
  mkdir -p "$tree$(dirname "$lib")"
  cp -L "$lib" "$tree$lib"
done
cp "$pci_ids" "$tree/usr/share/misc/pci.ids"
cp "$bundle/sriov-check.mjs" "$tree/opt/tsvirt/sriov-check.mjs"
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
echo "TSVIRT-SRIOV-GUEST-UP"
node /opt/tsvirt/sriov-check.mjs || echo "TSVIRT-SRIOV-FAILED $?"
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
