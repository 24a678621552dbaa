#!/usr/bin/env bash
# Runs node:test through tsx. Node 20 has no glob for --test, so the file list is explicit.
# Usage: run-tests.sh unit|e2e|all [extra files...]
# test/fault/ (hostile input, QEMU faults, access control) runs with e2e, in its short version
# (FAULT_INPUTS unset); `npm run fault` runs it in full and prints its figures.
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:-all}
case "$kind" in
  unit) files=$(find src test -name '*.test.ts' -not -path 'test/e2e/*' -not -path 'test/fault/*' | sort) ;;
  e2e)  files=$(find test/e2e test/fault -name '*.test.ts' | sort) ;;
  all)  files=$(find src test -name '*.test.ts' -not -path 'test/e2e/*' -not -path 'test/fault/*' | sort; find test/e2e test/fault -name '*.test.ts' | sort) ;;
  *) echo "usage: $0 unit|e2e|all" >&2; exit 2 ;;
esac
# The test guest (cached after the first build) is there before any test looks for it.
bash scripts/make-test-guest.sh >/dev/null
# The real Debian guests (BIOS and UEFI images, ~2-3 min the first time, then cached).
if [ "$kind" != unit ]; then bash scripts/make-debian-image.sh >/dev/null; fi
# e2e tests share one machine's 2 cores: files run one after another, except those that boot
# the real Debian guests (they import test/e2e/debian-guest.ts): each keeps one TCG vCPU busy
# for a minute or two and little else, so two of them run side by side, after the rest.
real=$(grep -l "from './debian-guest.js'" $files || true)
rest=$(for f in $files; do grep -qxF "$f" <<<"$real" || echo "$f"; done)
status=0
# --test-force-exit: a file whose tests are done ends even if a stray timer would keep it alive
# (its after() hooks have run); without it one such timer held a CI run until its 90 min limit
node --import tsx --test --test-force-exit --test-concurrency=1 --test-reporter=spec $rest || status=$?
if [ -n "$real" ]; then
  node --import tsx --test --test-force-exit --test-concurrency=2 --test-reporter=spec $real || status=$?
fi
exit $status
