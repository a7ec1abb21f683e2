#!/usr/bin/env bash
# Sets up Candor and runs the main job on the embedded default store.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${CANDOR_BUILD_DIR:-$ROOT/build}"
"$ROOT/scripts/setup.sh"
export CANDOR_DATA="${CANDOR_DATA:-$ROOT/../shared/data}"
exec "$BUILD/src/cli/candor" demo "$@"
