# Sourced by scripts/demo.sh: waiting for the demo guest's boot in its serial log, which QEMU
# appends to across boots. Only lines after FROM (a byte offset) count, so a rerun never takes
# an earlier boot's lines (or its address) for the current one.

# demo_last_boot_offset LOG: where the last boot's lines begin (0 when there is none)
demo_last_boot_offset() {
  local at
  at=$(grep -boa 'TSVIRT-GUEST-UP' "$1" 2>/dev/null | tail -1 | cut -d: -f1)
  echo "${at:-0}"
}

# demo_wait_boot LOG FROM SECONDS: waits for TSVIRT-GUEST-READY after FROM and prints the
# address of eth0 (empty without one). Fails (1) when the guest did not come up in time; a guest
# that came up but is not ready in time is waited for no longer (0, with a warning on stderr).
demo_wait_boot() {
  local log=$1 from=$2 secs=$3 text='' i
  for ((i = 0; i < secs * 10; i++)); do
    text=$(tail -c +"$((from + 1))" "$log" 2>/dev/null | tr -d '\0' || true)
    grep -q TSVIRT-GUEST-READY <<<"$text" && break
    sleep 0.1
  done
  grep -q TSVIRT-GUEST-UP <<<"$text" || return 1
  grep -q TSVIRT-GUEST-READY <<<"$text" || echo "demo: the guest is up but not ready after ${secs} s (no address yet)" >&2
  grep -a 'TSVIRT-IP eth0' <<<"$text" | tail -1 | awk '{print $3}'
}
