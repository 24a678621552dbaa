#!/bin/sh
# Assembles probe.S into a 512-byte boot sector and prints its base64,
# which is embedded in ../kvm-probe.ts (production needs no assembler).
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
as --64 -o "$tmp/probe.o" probe.S
ld -m elf_x86_64 -Ttext=0x7c00 -e _start --oformat=binary -o "$tmp/probe.bin" "$tmp/probe.o"
size=$(wc -c < "$tmp/probe.bin")
[ "$size" -eq 512 ] || { echo "the boot sector is $size bytes, expected 512" >&2; exit 1; }
base64 -w0 "$tmp/probe.bin"
echo
