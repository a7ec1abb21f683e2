#!/usr/bin/env bash
# Sets up Candor (scripts/setup.sh) and runs the whole test suite with ctest.
# Tests that need ../shared/data (CANDOR_DATA) or converted models skip with a
# message when those are absent.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${CANDOR_BUILD_DIR:-$ROOT/build}"
"$ROOT/scripts/setup.sh"
export CANDOR_DATA="${CANDOR_DATA:-$ROOT/../shared/data}"
cd "$BUILD"
ctest --output-on-failure -j "${CANDOR_JOBS:-$(nproc)}" --timeout 1200 "$@"
