#!/usr/bin/env bash
# Builds two real Debian 12 guests that boot by themselves from their disk, for the real-guest
# tests, the benchmark and the demo:
#   debian-bios.qcow2  MBR disk, one ext4 partition, GRUB for BIOS (SeaBIOS) in the MBR gap
#   debian-uefi.qcow2  GPT disk, an EFI system partition with GRUB for UEFI (OVMF), ext4 root
# Both hold linux-image-cloud-amd64, systemd, qemu-guest-agent, cloud-init (NoCloud, ConfigDrive), efibootmgr
# and tpm2-tools; a serial getty on ttyS0; DHCP on every Ethernet NIC by systemd-networkd.
# root's password is 'tsvirt' (a test image: tests log in on the serial console); the cloud-init
# default user 'debian' gets a login only from a seed (virt-install --cloud-init, tsvirt cloud-init).
#
# Nothing is mounted and no loop device is used: mmdebstrap makes the tree, mkfs.ext4 -d and
# mtools fill the file systems, and the boot loaders are images written at their offsets
# (GRUB's boot.img + core.img for BIOS, a GRUB EFI binary at the removable-media path for UEFI).
#
# Usage: scripts/make-debian-image.sh [OUTDIR]
#   OUTDIR defaults to $TSVIRT_DEBIAN_DIR, else <repo>/.cache/debian-image.
# Cached: when OUTDIR/stamp matches this script and the kernel version, it exits at once.
# Prints bios=PATH and uefi=PATH on stdout; progress goes to stderr.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${1:-${TSVIRT_DEBIAN_DIR:-$repo/.cache/debian-image}}
suite=bookworm
mirror=${TSVIRT_DEBIAN_MIRROR:-http://deb.debian.org/debian}
root_size_mib=1800
esp_size_mib=32

log() { echo "make-debian-image: $*" >&2; }
die() { log "error: $*"; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "'$1' is missing: install the Debian package '$2' (apt-get install -y $2)"; }

need mmdebstrap mmdebstrap
need mkfs.ext4 e2fsprogs
need mkfs.vfat dosfstools
need mcopy mtools
need sfdisk fdisk
need grub-mkimage grub-common
need qemu-img qemu-utils
need flock util-linux
[[ -f /usr/lib/grub/i386-pc/boot.img ]] || die "GRUB for BIOS is missing: install the Debian package 'grub-pc-bin'"
[[ -d /usr/lib/grub/x86_64-efi ]] || die "GRUB for UEFI is missing: install the Debian package 'grub-efi-amd64-bin'"
[[ $(id -u) == 0 ]] || die "run as root: mmdebstrap makes the tree as root and mkfs.ext4 -d keeps its owners"

kver=$(apt-cache show --no-all-versions linux-image-cloud-amd64 2>/dev/null | awk '/^Version:/ && !d { print $2; d = 1 }')
stamp_text="script-sha256=$(sha256sum "${BASH_SOURCE[0]}" | cut -d' ' -f1)
kernel-meta=${kver:-unknown}"
print_paths() { echo "bios=$out/debian-bios.qcow2"; echo "uefi=$out/debian-uefi.qcow2"; }
up_to_date() {
  [[ -f $out/debian-bios.qcow2 && -f $out/debian-uefi.qcow2 && -f $out/stamp ]] &&
    { [[ $(cat "$out/stamp") == "$stamp_text" ]] || [[ -z $kver ]]; }
}
if up_to_date; then print_paths; exit 0; fi

# Tests may run this at the same time: one builds, the others wait and reuse.
mkdir -p "$out"
exec 9>"$out/.lock"
flock 9
if up_to_date; then print_paths; exit 0; fi
tmp=$(mktemp -d "${TMPDIR:-/var/tmp}/tsvirt-debian.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
tree=$tmp/tree
root_uuid=$(cat /proc/sys/kernel/random/uuid)

# Only the modules a virtio or SCSI root and the CD-ROMs need go into the initramfs: small and quick
# under TCG. The CD drivers are there so that a cloud-init seed (a CD) is seen before cloud-init looks.
essential_hook='mkdir -p "$1/etc/initramfs-tools/conf.d" &&
  printf "MODULES=list\nRESUME=none\nCOMPRESS=gzip\n" >"$1/etc/initramfs-tools/conf.d/tsvirt" &&
  printf "virtio_pci\nvirtio_blk\nvirtio_scsi\nsd_mod\nahci\nata_piix\nsr_mod\ncdrom\next4\n" >>"$1/etc/initramfs-tools/modules"'

log "mmdebstrap $suite (a few minutes the first time)"
mmdebstrap --variant=minbase --mode=root --quiet \
  --include=systemd-sysv,udev,dbus,initramfs-tools,linux-image-cloud-amd64,qemu-guest-agent,cloud-init,efibootmgr,tpm2-tools,iproute2,procps,less \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
  --essential-hook="$essential_hook" \
  --skip=essential/unlink --setup-hook="mkdir -p '$out/debs' \"\$1/var/cache/apt/archives\"" \
  --setup-hook="sync-in '$out/debs' /var/cache/apt/archives/" --customize-hook="sync-out /var/cache/apt/archives '$out/debs'" \
  "$suite" "$tree" "$mirror" >&2 || die "mmdebstrap failed (is $mirror reachable?)"

vmlinuz=$(cd "$tree/boot" && ls vmlinuz-* | head -n1)
initrd=$(cd "$tree/boot" && ls initrd.img-* | head -n1)
[[ -n $vmlinuz && -n $initrd ]] || die "the tree has no /boot/vmlinuz-* or /boot/initrd.img-*"

log "configuring the guest"
echo debian >"$tree/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tdebian\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$tree/etc/hosts"
: >"$tree/etc/machine-id"
mkdir -p "$tree/etc/systemd/network"
printf '[Match]\nName=en* eth*\n\n[Network]\nDHCP=yes\n' >"$tree/etc/systemd/network/20-wired.network"
ln -sf /lib/systemd/system/systemd-networkd.service "$tree/etc/systemd/system/multi-user.target.wants/systemd-networkd.service"
# Nothing here waits for "online": a guest without a DHCP server still reaches login: at once.
ln -sf /dev/null "$tree/etc/systemd/system/systemd-networkd-wait-online.service"
for unit in apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer; do
  ln -sf /dev/null "$tree/etc/systemd/system/$unit"
done
# cloud-init looks only for a seed on a disk (NoCloud: a CD labelled cidata; ConfigDrive:
# OpenStack's config-2): without one, ds-identify turns it off for the boot (about 25 s less
# under TCG). A list of one would be taken as found without a check. C.UTF-8 is the one locale.
printf 'datasource_list: [ NoCloud, ConfigDrive ]\nlocale: C.UTF-8\n' >"$tree/etc/cloud/cloud.cfg.d/90-tsvirt.cfg"
chroot "$tree" chpasswd <<<'root:tsvirt' || die "chpasswd in the tree failed"
rm -rf "$tree/var/lib/apt/lists/"* "$tree/var/cache/apt/"*.bin "$tree/var/cache/apt/archives/"*.deb

# quiet: every line over the emulated UART costs time under TCG; login: still shows.
# fsck.mode=skip: the check of a clean root took ~4 s of the boot's critical path under TCG.
cmdline="root=UUID=$root_uuid ro quiet fsck.mode=skip console=tty0 console=ttyS0,115200"
grub_cfg() {
  cat <<EOF
serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial console
set timeout=0
menuentry 'Debian GNU/Linux 12' {
  linux /boot/$vmlinuz $cmdline
  initrd /boot/$initrd
}
EOF
}
# The first commands GRUB runs, built into its image: find the root and its grub.cfg.
printf 'search --no-floppy --fs-uuid --set=root %s\nset prefix=($root)/boot/grub\n' "$root_uuid" >"$tmp/early.cfg"
grub_modules=(part_msdos part_gpt ext2 fat search search_fs_uuid normal configfile linux echo test serial terminal boot)

mkdir -p "$tree/boot/grub"
grub_cfg >"$tree/boot/grub/grub.cfg"

make_root_fs() {  # $1: fstab text; writes $tmp/root.img
  printf '%b' "$1" >"$tree/etc/fstab"
  rm -f "$tmp/root.img"
  mkfs.ext4 -q -F -L debian-root -U "$root_uuid" -d "$tree" "$tmp/root.img" "${root_size_mib}M" >&2 || die "mkfs.ext4 -d failed"
}

# --- BIOS: MBR, partition 1 from 1 MiB; boot.img in the MBR, core.img in the gap after it ---
log "BIOS image"
cp -a /usr/lib/grub/i386-pc "$tree/boot/grub/i386-pc"
make_root_fs "UUID=$root_uuid / ext4 errors=remount-ro 0 1\n"
rm -rf "$tree/boot/grub/i386-pc"
grub-mkimage -O i386-pc -o "$tmp/core.img" -c "$tmp/early.cfg" -p /boot/grub biosdisk "${grub_modules[@]}" ||
  die "grub-mkimage (i386-pc) failed"
(($(stat -c %s "$tmp/core.img") < 2047 * 512)) || die "GRUB's core.img does not fit the MBR gap"
disk=$tmp/bios.raw
truncate -s $((1 + root_size_mib))M "$disk"
printf 'label: dos\nstart=2048, type=83, bootable\n' | sfdisk -q "$disk" >&2 || die "sfdisk (dos) failed"
dd if="$tmp/root.img" of="$disk" bs=1M seek=1 conv=notrunc,sparse status=none
# boot.img's first 440 bytes (the partition table stays); its default next sector is 1,
# and core.img as grub-mkimage writes it already lists its own length.
dd if=/usr/lib/grub/i386-pc/boot.img of="$disk" bs=440 count=1 conv=notrunc status=none
dd if="$tmp/core.img" of="$disk" bs=512 seek=1 conv=notrunc status=none
qemu-img convert -q -c -f raw -O qcow2 "$disk" "$tmp/debian-bios.qcow2" || die "qemu-img convert failed"
rm -f "$disk"

# --- UEFI: GPT, the EFI system partition, then the root; GRUB at \EFI\BOOT\BOOTX64.EFI ---
log "UEFI image"
cp -a /usr/lib/grub/x86_64-efi "$tree/boot/grub/x86_64-efi"
mkdir -p "$tree/boot/efi"
make_root_fs "UUID=$root_uuid / ext4 errors=remount-ro 0 1\nLABEL=ESP /boot/efi vfat umask=0077,nofail 0 1\n"
rm -rf "$tree/boot/grub/x86_64-efi"
grub-mkimage -O x86_64-efi -o "$tmp/grubx64.efi" -c "$tmp/early.cfg" -p /boot/grub "${grub_modules[@]}" ||
  die "grub-mkimage (x86_64-efi) failed"
mkfs.vfat -n ESP -C "$tmp/esp.img" $((esp_size_mib * 1024)) >/dev/null || die "mkfs.vfat failed"
mmd -i "$tmp/esp.img" ::/EFI ::/EFI/BOOT ::/EFI/debian
mcopy -i "$tmp/esp.img" "$tmp/grubx64.efi" ::/EFI/BOOT/BOOTX64.EFI
mcopy -i "$tmp/esp.img" "$tmp/grubx64.efi" ::/EFI/debian/grubx64.efi
disk=$tmp/uefi.raw
truncate -s $((2 + esp_size_mib + root_size_mib))M "$disk"
printf 'label: gpt\nstart=2048, size=%dMiB, type=U, name=ESP\nstart=%d, size=%dMiB, type=L, name=root\n' \
  "$esp_size_mib" $((2048 + esp_size_mib * 2048)) "$root_size_mib" | sfdisk -q "$disk" >&2 || die "sfdisk (gpt) failed"
dd if="$tmp/esp.img" of="$disk" bs=1M seek=1 conv=notrunc status=none
dd if="$tmp/root.img" of="$disk" bs=1M seek=$((1 + esp_size_mib)) conv=notrunc,sparse status=none
qemu-img convert -q -c -f raw -O qcow2 "$disk" "$tmp/debian-uefi.qcow2" || die "qemu-img convert failed"

mv "$tmp/debian-bios.qcow2" "$out/debian-bios.qcow2"
mv "$tmp/debian-uefi.qcow2" "$out/debian-uefi.qcow2"
echo "$stamp_text" >"$out/stamp"
log "done: $(du -h "$out/debian-bios.qcow2" | cut -f1) + $(du -h "$out/debian-uefi.qcow2" | cut -f1)"
print_paths
