#!/usr/bin/env bash
# Builds the tiny test guest used by every e2e test and the demo: a Debian cloud kernel
# (vmlinuz) and a gzip newc initramfs (initrd.img) holding static busybox, test/guest/init
# and the few kernel modules the guest needs. Nothing is installed on the host: the kernel
# .deb is fetched with `apt-get download` and unpacked with `dpkg -x` (no install scripts).
#
# Usage: scripts/make-test-guest.sh [OUTDIR]
#   OUTDIR defaults to $TSVIRT_GUEST_DIR, else <repo>/.cache/test-guest.
# Cached: when OUTDIR/stamp matches the inputs (kernel package and version, init script,
# this script, busybox binary) it exits 0 at once. Prints the output paths on stdout
# (kernel=PATH, initrd=PATH); progress goes to stderr.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${1:-${TSVIRT_GUEST_DIR:-$repo/.cache/test-guest}}
init_src=$repo/test/guest/init
meta_pkg=linux-image-cloud-amd64

# Modules the guest wants, by module name ('-' and '_' are the same). Missing ones are
# reported and skipped (the cloud kernel has no e1000/e1000e); built-in ones need no file.
wanted_modules=(
  evdev button                                  # ACPI power button -> /dev/input/eventN
  virtio_pci virtio_blk virtio_net virtio_console virtio_scsi virtio_balloon
  sd_mod                                        # /dev/sd* on virtio-scsi
  cdrom sr_mod                                  # /dev/sr0: a CD-ROM on virtio-scsi (media change tests)
  dm_mod                                        # device-mapper: logical volumes in the LVM test VM
  af_packet                                     # udhcpc raw sockets (built in: CONFIG_PACKET=y)
  e1000 e1000e
  vfio vfio_pci vfio_iommu_type1
  pvpanic pvpanic_mmio                          # <panic model='isa'/>: a panic reaches QEMU (on_crash)
  fuse virtiofs                                 # <filesystem> with virtiofs (the cloud kernel has no 9p)
)
# Extra insmod parameters, by module name: scan SCSI buses synchronously so /dev/sd* exist
# as soon as insmod returns.
declare -A module_params=([scsi_mod]='scan=sync')

log() { echo "make-test-guest: $*" >&2; }
die() { log "error: $*"; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "'$1' is missing: install the Debian package '$2' (apt-get install -y $2)"; }

need apt-get apt
need apt-cache apt
need dpkg dpkg
need dpkg-query dpkg
need gzip gzip
need sha256sum coreutils
need find findutils
[[ -f $init_src ]] || die "guest init script not found: $init_src"

# The guest needs a static busybox; Debian's dynamic 'busybox' package also owns /bin/busybox.
if ! dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed'; then
  die "busybox-static is not installed: install the Debian package 'busybox-static' (apt-get install -y busybox-static)"
fi
busybox=$(dpkg-query -L busybox-static | awk '/\/bin\/busybox$/ && !done { print; done = 1 }')
[[ -n $busybox ]] || die "busybox-static lists no /bin/busybox"
[[ -x $busybox ]] || die "$busybox is not executable: reinstall the Debian package 'busybox-static'"

# Exact kernel package and version: one apt-cache call (~1 s here, apt's cache is disabled).
# The meta package depends on the image with '(= VERSION)'.
resolve_kernel() {
  local dep
  # awk reads all input (no early exit), so pipefail never sees a SIGPIPE.
  dep=$(apt-cache show --no-all-versions "$meta_pkg" 2>/dev/null |
    awk '/^Depends:/ && !done { sub(/^Depends: */, ""); print; done = 1 }' |
    tr ',' '\n' | awk 'match($0, /linux-image-[0-9][^ ]*( \(= [^)]*\))?/) && !done { print substr($0, RSTART, RLENGTH); done = 1 }')
  [[ -n $dep ]] || return 1
  kpkg=${dep%% *}
  kver=$(sed -n 's/.*(= \(.*\))/\1/p' <<<"$dep")
  if [[ -z $kver ]]; then
    kver=$(apt-cache show --no-all-versions "$kpkg" 2>/dev/null | awk '/^Version:/ && !done { print $2; done = 1 }')
  fi
  [[ -n $kpkg && -n $kver ]]
}
kpkg='' kver=''
if ! resolve_kernel; then
  log "apt-cache knows no $meta_pkg; running apt-get update"
  if apt-get update -qq >&2 && resolve_kernel; then :
  elif [[ -f $out/vmlinuz && -f $out/initrd.img && -f $out/stamp ]]; then
    log "warning: cannot resolve $meta_pkg (offline?); reusing the guest already in $out"
    echo "kernel=$out/vmlinuz"; echo "initrd=$out/initrd.img"; exit 0
  else
    die "cannot resolve $meta_pkg with apt-cache (is a Debian bookworm main source configured, and are we root for apt-get update?)"
  fi
fi

hash_of() { sha256sum "$1" | cut -d' ' -f1; }
stamp_text="kernel-package=$kpkg
kernel-version=$kver
init-sha256=$(hash_of "$init_src")
script-sha256=$(hash_of "${BASH_SOURCE[0]}")
busybox-sha256=$(hash_of "$busybox")"

up_to_date() {
  [[ -f $out/vmlinuz && -f $out/initrd.img && -f $out/stamp ]] && [[ $(cat "$out/stamp") == "$stamp_text" ]]
}
if up_to_date; then
  echo "kernel=$out/vmlinuz"; echo "initrd=$out/initrd.img"; exit 0
fi

# Test processes may run this at the same time: one builds, the others wait and reuse.
mkdir -p "$out"
need flock util-linux
exec 9>"$out/.lock"
flock 9
if up_to_date; then
  echo "kernel=$out/vmlinuz"; echo "initrd=$out/initrd.img"; exit 0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tsvirt-guest.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# The .deb is kept in OUTDIR so that editing the init script rebuilds without a download.
deb_name="${kpkg}_${kver//:/%3a}_amd64.deb"
if [[ ! -f $out/$deb_name ]]; then
  log "downloading $kpkg $kver"
  mkdir "$tmp/dl"
  sandbox=()
  [[ $(id -u) == 0 ]] && sandbox=(-o APT::Sandbox::User=root)  # _apt cannot write to our mktemp dir
  (cd "$tmp/dl" && apt-get download -q "${sandbox[@]}" "$kpkg=$kver" >&2) || die "apt-get download $kpkg=$kver failed"
  deb=$(find "$tmp/dl" -name '*.deb' | head -n1)
  [[ -n $deb ]] || die "apt-get download left no .deb"
  find "$out" -maxdepth 1 -name 'linux-image-*.deb' ! -name "$deb_name" -delete
  mv "$deb" "$out/$deb_name.tmp" && mv "$out/$deb_name.tmp" "$out/$deb_name"
fi

log "unpacking $deb_name"
dpkg -x "$out/$deb_name" "$tmp/deb" || die "dpkg -x $out/$deb_name failed (corrupt download? delete it and rerun)"
vmlinuz=$(find "$tmp/deb/boot" -maxdepth 1 -name 'vmlinuz-*' | head -n1)
[[ -n $vmlinuz ]] || die "no boot/vmlinuz-* in $deb_name"
kdir=$(find "$tmp/deb/lib/modules" -mindepth 1 -maxdepth 1 -type d | head -n1)
[[ -n $kdir ]] || die "no lib/modules/<version> in $deb_name"
krel=$(basename "$kdir")

# The .deb has no modules.dep (depmod runs at install time): make one in the unpacked tree.
if [[ ! -f $kdir/modules.dep ]]; then
  "$busybox" depmod -b "$tmp/deb" "$krel" || die "busybox depmod failed on $kdir"
fi

norm() { local n=${1##*/}; n=${n%.ko*}; echo "${n//-/_}"; }
declare -A path_of=() deps_of=()
while IFS= read -r line; do
  mod=${line%%:*}
  path_of[$(norm "$mod")]=$mod
  deps_of[$mod]=${line#*:}
done <"$kdir/modules.dep"
declare -A builtin=()
if [[ -f $kdir/modules.builtin ]]; then
  while IFS= read -r line; do builtin[$(norm "$line")]=1; done <"$kdir/modules.builtin"
fi

# Dependencies first (depth-first, post-order), each module once.
order=() ; declare -A seen=()
add_module() {
  local m=$1 d
  [[ -n ${seen[$m]:-} ]] && return 0
  seen[$m]=1
  for d in ${deps_of[$m]}; do add_module "$d"; done
  order+=("$m")
}
missing=() ; inbuilt=()
for name in "${wanted_modules[@]}"; do
  name=${name//-/_}
  if [[ -n ${path_of[$name]:-} ]]; then add_module "${path_of[$name]}"
  elif [[ -n ${builtin[$name]:-} ]]; then inbuilt+=("$name")
  else missing+=("$name"); fi
done
((${#inbuilt[@]})) && log "built into the kernel: ${inbuilt[*]}"
((${#missing[@]})) && log "not in this kernel (skipped): ${missing[*]}"

root=$tmp/root
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,run,etc,root,lib/modules/"$krel"}
cp "$busybox" "$root/bin/busybox"
# Applet links made here, not at boot: saves a few hundred symlink calls under TCG.
while IFS= read -r applet; do
  [[ -e $root/$applet || $applet == bin/busybox ]] && continue
  mkdir -p "$root/$(dirname "$applet")"
  ln -s /bin/busybox "$root/$applet"
done < <("$busybox" --list-full)
[[ -e $root/bin/sh ]] || ln -s /bin/busybox "$root/bin/sh"
install -m 0755 "$init_src" "$root/init"

mdir=$root/lib/modules/$krel
: >"$mdir/load.list"
: >"$mdir/modules.dep"
for m in "${order[@]}"; do
  mkdir -p "$mdir/$(dirname "$m")"
  cp "$kdir/$m" "$mdir/$m"
  params=${module_params[$(norm "$m")]:-}
  echo "$m${params:+ $params}" >>"$mdir/load.list"
  echo "$m:${deps_of[$m]}" >>"$mdir/modules.dep"   # lets `modprobe` work in the guest shell
done
log "modules: $(for m in "${order[@]}"; do norm "$m"; done | tr '\n' ' ')"

# newc cpio, sorted names and fixed owner for repeatable output; busybox cpio if GNU cpio is absent.
log "packing initramfs"
(
  cd "$root"
  if command -v cpio >/dev/null 2>&1; then
    find . -mindepth 1 -print0 | LC_ALL=C sort -z | cpio --null -o -H newc -R 0:0 --reproducible --quiet
  else
    find . -mindepth 1 | LC_ALL=C sort | "$busybox" cpio -o -H newc -R 0:0
  fi
) | gzip -9 -n >"$tmp/initrd.img"
[[ -s $tmp/initrd.img ]] || die "initramfs is empty"

cp "$vmlinuz" "$out/.vmlinuz.tmp" && mv -f "$out/.vmlinuz.tmp" "$out/vmlinuz"
cp "$tmp/initrd.img" "$out/.initrd.img.tmp" && mv -f "$out/.initrd.img.tmp" "$out/initrd.img"
echo "$stamp_text" >"$out/.stamp.tmp" && mv -f "$out/.stamp.tmp" "$out/stamp"
log "built $krel: initrd $(stat -c %s "$out/initrd.img") bytes, kernel $(stat -c %s "$out/vmlinuz") bytes"
echo "kernel=$out/vmlinuz"
echo "initrd=$out/initrd.img"
