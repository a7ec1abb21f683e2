#!/usr/bin/env bash
# Builds Candor's libFuzzer targets with clang and runs one of them, nice'd,
# on one core. Usage (from the repository root):
#   fuzz/run_fuzzers.sh decode 600     # target, seconds
#   fuzz/run_fuzzers.sh template 120
# The seed corpus is assembled at run time: the small synthetic images of every
# supported format that candor_image_seeds writes (built in the ordinary build,
# $CANDOR_BUILD_DIR or build/; no image file is kept in git), fuzz/corpus_template/
# for templates, fuzz/corpus_server/ for requests, plus a sample of real files
# from $CANDOR_DATA (never copied into the repository). Findings land in
# build-fuzz/findings-<target>/.
set -euo pipefail
target=${1:-decode}
seconds=${2:-600}
root=$(cd "$(dirname "$0")/.." && pwd)
build=${CANDOR_FUZZ_BUILD:-$root/build-fuzz}
data=${CANDOR_DATA:-$root/../shared/data}

if [ ! -x "$build/fuzz/${target}_fuzzer" ]; then
  CC=clang CXX=clang++ cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCANDOR_FUZZ=ON \
    -DCANDOR_BUILD_TESTS=OFF -DCANDOR_BUILD_BENCH=OFF -DCANDOR_BUILD_TOOLS=OFF >/dev/null
  nice cmake --build "$build" --target "${target}_fuzzer" -j2
fi

corpus=$build/corpus-$target
findings=$build/findings-$target
mkdir -p "$corpus" "$findings"
set +o pipefail  # head closes pipes early on purpose
if [ "$target" = decode ]; then
  main_build=${CANDOR_BUILD_DIR:-$root/build}
  [ -f "$main_build/CMakeCache.txt" ] || cmake -S "$root" -B "$main_build" -DCMAKE_BUILD_TYPE=Release >/dev/null
  nice cmake --build "$main_build" --target candor_image_seeds -j2 >/dev/null
  "$main_build/src/image/candor_image_seeds" "$corpus"
  if [ -d "$data/faces" ]; then
    find "$data/faces/lfw" -name '*.jpg' 2>/dev/null | sort | head -40 | xargs -r cp -n -t "$corpus"
    find "$data/faces/att-orl/s1" -name '*.pgm' 2>/dev/null | head -5 | xargs -r cp -n -t "$corpus"
    find "$data/fingerprints" -name '*_1.tif' 2>/dev/null | head -3 | xargs -r cp -n -t "$corpus"
    cp -n "$data/faces/wild/img47.jpg" "$corpus/wild_img47_webp" 2>/dev/null || true
  fi
  extra=(-dict="$root/fuzz/image.dict" -max_len=65536)
elif [ "$target" = finger ]; then
  cp -n "$root"/fuzz/corpus_finger/* "$corpus"/ 2>/dev/null || true  # synthetic ISO records
  extra=(-max_len=4096)
elif [ "$target" = server ]; then
  cp -n "$root"/fuzz/corpus_server/* "$corpus"/ 2>/dev/null || true  # synthetic requests
  extra=(-max_len=8192)
else
  cp -n "$root"/fuzz/corpus_template/* "$corpus"/ 2>/dev/null || true
  extra=(-max_len=4096)
fi
cd "$findings"
exec nice -n 19 "$build/fuzz/${target}_fuzzer" "$corpus" "${extra[@]}" -max_total_time="$seconds" \
  -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 -artifact_prefix="$findings/"
