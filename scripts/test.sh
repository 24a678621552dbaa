#!/usr/bin/env bash
# The README's test command: installs what is missing (Debian packages, npm modules),
# builds the test guest if needed, then runs typecheck, the layering check and every test.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
tsvirt_ensure_debian_packages --tests
tsvirt_ensure_node_modules "$PWD"
npm test
