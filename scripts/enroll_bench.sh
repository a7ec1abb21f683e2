#!/usr/bin/env bash
# Bulk-enrollment throughput (issue 14): `candor enroll` of N LFW photos
# (250x250, whole identity folders in name order) into a fresh store and
# gallery, --workers W, once per inference back end, side by side. Prints each
# run's JSON summary (images_per_second includes decode, detection, facemesh,
# quality, alignment, embedding, sealing and the durable group commits) and
# the load average before and after.
#
#   scripts/enroll_bench.sh [--n 2000] [--workers 2] [--backends "opencv onednn"]
#
# Needs a built tree (CANDOR_BUILD_DIR, default build/), converted models
# (CANDOR_MODELS) and CANDOR_DATA. Scratch in a temporary directory, removed at exit.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${CANDOR_BUILD_DIR:-$ROOT/build}/src/cli/candor"
DATA="${CANDOR_DATA:-$ROOT/../shared/data}"
N=2000 WORKERS=2 BACKENDS="opencv onednn"
while (($#)); do
  case "$1" in
    --n) N="$2"; shift 2 ;;
    --workers) WORKERS="$2"; shift 2 ;;
    --backends) BACKENDS="$2"; shift 2 ;;
    *) echo "usage: $0 [--n N] [--workers W] [--backends \"opencv onednn\"]" >&2; exit 2 ;;
  esac
done
[ -x "$BIN" ] || { echo "no $BIN: build first" >&2; exit 1; }
[ -d "$DATA/faces/lfw" ] || { echo "no $DATA/faces/lfw: set CANDOR_DATA" >&2; exit 1; }
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

# N photos, whole folders (subject = folder), linked not copied.
count=0
for d in "$DATA"/faces/lfw/*/; do
  name="$(basename "$d")"
  mkdir -p "$TMP/in/$name"
  for f in "$d"*.jpg; do
    ln -s "$f" "$TMP/in/$name/"
    count=$((count + 1))
  done
  [ "$count" -ge "$N" ] && break
done
echo "photos: $count in $(ls "$TMP/in" | wc -l) folders" >&2

pw() { echo "$1-enroll-bench-pw"; }
for backend in $BACKENDS; do
  S="$TMP/$backend"
  mkdir -p "$S"
  export CANDOR_STORE="$S/store" CANDOR_KEY_FILE="$S/store.key"
  "$BIN" gallery keygen --out "$CANDOR_KEY_FILE" >/dev/null
  CANDOR_PASSWORD="$(pw admin)" "$BIN" account bootstrap --username admin >/dev/null
  CANDOR_PASSWORD="$(pw admin)" CANDOR_NEW_PASSWORD="$(pw enr)" "$BIN" account create --as admin \
    --username enr --role enroller --training-expires 2099-12-31 >/dev/null
  CANDOR_PASSWORD="$(pw admin)" "$BIN" gallery create --as admin --name bench --description "enroll bench" \
    --legal-basis consent --retention P1Y --search-basis warrant >/dev/null
  echo "[$backend] load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
  CANDOR_PASSWORD="$(pw enr)" "$BIN" --json enroll --as enr --gallery bench --dir "$TMP/in" --id-from folder \
    --face largest --workers "$WORKERS" --inference "$backend" --failures "$S/failures.csv" \
    2>/dev/null | sed "s/^/[$backend] /"
  echo "[$backend] load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
done
