# Sourced by scripts/demo.sh, scripts/test.sh and .ci/run: installs what tsvirt needs
# on a Debian machine, once. The one list of the project's Debian packages.
TSVIRT_DEBIAN_PACKAGES=(
  qemu-system-x86   # the hypervisor tsvirt drives
  qemu-utils        # qemu-img
  lvm2              # logical storage pools (pvcreate, vgcreate, lvcreate)
  busybox-static    # the test guest's userland
  e2fsprogs         # mkfs.ext4: the disk of the power-cut test VM (durable state folders)
  cpio              # packs the test guest's initramfs
  libvirt-clients   # virt-xml-validate (libvirt's schema check of the XML tsvirt writes) and stock virsh (speaks libvirt's protocol to tsvirtd)
  libxml2-utils     # xmllint, which virt-xml-validate runs (not a dependency of libvirt-clients)
  pci.ids           # PCI vendor/product/class names for nodedev-list/-dumpxml (/usr/share/misc/pci.ids)
  curl              # demo and debugging over the unix socket
  iputils-ping      # the demo says: ping the guest
  chromium          # the web UI's browser tests (playwright-core drives /usr/bin/chromium)
  iproute2          # ip: bridges, taps and addresses of virtual networks
  nftables          # nft: NAT and forwarding rules of virtual networks (a table per network)
  dnsmasq-base      # DHCP and DNS of virtual networks (no system service)
  swtpm             # the emulated TPM tsvirt starts for <tpm><backend type='emulator'/>
  ovmf              # UEFI firmware and its descriptors: <os firmware='efi'> auto-selection
  genisoimage       # cloud-init NoCloud seeds (tsvirt cloud-init)
)

# What only the tests need: libvirt's own clients, run against tsvirtd (issue: libvirt's protocol).
TSVIRT_TEST_PACKAGES=(
  python3-libvirt   # libvirt-python 9.0: the calls OpenStack Nova makes
  virtinst          # virt-install 4.1
  virt-manager      # virt-manager 4.1, run under Xvfb
  xvfb              # an X server without a screen
  xdotool           # finds virt-manager's window
  x11-utils         # xwininfo
  imagemagick       # `import`: a screenshot of the X display
  dbus-x11          # dbus-launch: virt-manager wants a session bus
  gir1.2-atspi-2.0  # the accessibility tree: the virt-manager test reads its window text
  openssh-server    # sshd, run by the remote test inside its namespace only: virsh qemu+ssh:// to tsvirtd's libvirt socket
  libvirt-daemon-driver-qemu  # libvirt 9.0's own QEMU driver, run embedded (qemu:///embed, no daemon) by the side-by-side dumpxml test
  # the real Debian guests of scripts/make-debian-image.sh (built without mounts or loop devices)
  mmdebstrap        # the Debian 12 tree
  grub-pc-bin       # GRUB for BIOS (boot.img + core.img in the MBR gap)
  grub-efi-amd64-bin  # GRUB for UEFI (\EFI\BOOT\BOOTX64.EFI)
  mtools            # fills the EFI system partition without mounting it
  dosfstools        # mkfs.vfat for the EFI system partition
  fdisk             # sfdisk: the MBR and GPT partition tables
  prometheus        # promtool checks /metrics; a real Prometheus scrapes it (test/e2e/metrics.test.ts)
)

# tsvirt_ensure_debian_packages [--tests]: the daemon's packages, with --tests also the test clients'
tsvirt_ensure_debian_packages() {
  local missing=() wanted=("${TSVIRT_DEBIAN_PACKAGES[@]}")
  [ "${1:-}" = --tests ] && wanted+=("${TSVIRT_TEST_PACKAGES[@]}")
  for p in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ] || [ "${CI:-}" = true ]; then
    if [ "$(id -u)" -ne 0 ]; then
      echo "tsvirt: these Debian packages are missing: ${missing[*]} (run as root to install them)" >&2
      return 1
    fi
    echo "tsvirt: installing Debian packages: ${missing[*]:-(refresh)}"
    # --error-on=any: an unreachable mirror fails here instead of as "Unable to locate package" later
    if ! DEBIAN_FRONTEND=noninteractive apt-get update -qq --error-on=any; then
      echo "tsvirt: cannot refresh the Debian package lists (apt-get update failed, see above): are the mirrors in /etc/apt/sources.list reachable (network, proxy)? Missing: ${missing[*]:-none}" >&2
      return 1
    fi
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${wanted[@]}" >/dev/null; then
      echo "tsvirt: apt-get install failed (see above); the packages tsvirt needs: ${missing[*]:-${wanted[*]}}" >&2
      return 1
    fi
  fi
}

tsvirt_ensure_node_modules() {
  local repo=$1
  if [ ! -d "$repo/node_modules" ] || [ "$repo/package-lock.json" -nt "$repo/node_modules/.package-lock.json" ] || [ "${CI:-}" = true ]; then
    if ! (cd "$repo" && npm ci --no-audit --no-fund); then
      echo "tsvirt: npm ci failed (see above): is the npm registry reachable (network, proxy; npm config get registry)?" >&2
      return 1
    fi
  fi
}
