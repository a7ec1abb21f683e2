#!/usr/bin/env bash
# ctest fixture (tests/search/CMakeLists.txt): makes sure CACHE_DIR holds the
# default pipeline's embeddings of all of LFW, which tests of the search index
# on real mated pairs read. With MODEL (an embedder id, e.g. `fusion` for the
# 320-D fusion embedder) it fills that model's cache instead (ivf_bench --lfw
# at 320-D, docs/BENCHMARKS.md "10^7 × 320"). `candor eval identify` embeds what the cache lacks
# (nothing when it is complete) and runs a short evaluation (10 bootstrap
# replicates, one synthetic gallery size) whose report goes to a temporary
# folder. Exit 77 (skipped) without the LFW data or the converted models.
#   lfw_eval_cache.sh CANDOR_BINARY CACHE_DIR [MODEL]
set -euo pipefail
candor="$1"
cache="$2"
model_flag=()
if [ $# -ge 3 ] && [ -n "$3" ]; then model_flag=(--model "$3"); fi
data="${CANDOR_DATA:-$(dirname "$0")/../../shared/data}"
if [ ! -d "$data/faces/lfw" ]; then
  echo "lfw_eval_cache: skipped: no LFW at $data/faces/lfw (set CANDOR_DATA)"
  exit 77
fi
if ! "$candor" models >/dev/null 2>&1; then
  echo "lfw_eval_cache: skipped: the converted models are missing (run scripts/setup.sh)"
  exit 77
fi
mkdir -p "$cache"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
"$candor" eval identify "${model_flag[@]}" --data "$data/faces/lfw" --cache "$cache" --threads 2 --no-labels \
  --bootstrap 10 --synthetic-sizes 1000 --json-out "$out/identify.json" >"$out/log.txt" 2>&1 || { tail -20 "$out/log.txt"; exit 1; }
ls -l "$cache"
