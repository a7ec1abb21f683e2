#!/usr/bin/env bash
# One command, a local Candor cluster on loopback (docs/CLUSTER.md):
#   three nats-server processes with JetStream (a Raft cluster, file storage),
#   SHARDS shards x 2 replicas (`candor shard`), one front end (`candor serve --nats`).
# Everything listens on 127.0.0.1 only; state (JetStream files, shard stores,
# the front end's governance store, the shared store key, logs) goes under
# $CANDOR_CLUSTER_DIR (default .cache/cluster). Ctrl-C stops every process.
#
#   bash scripts/cluster.sh                 # set up (scripts/setup.sh), then run
#   CANDOR_CLUSTER_NO_SETUP=1 bash scripts/cluster.sh   # skip the set-up
# Environment: CANDOR_CLUSTER_DEMO=1 (the front end is `candor demo --nats`:
# the demo gallery on the shards, demo accounts; state under <dir>/demo),
# CANDOR_CLUSTER_SHARDS (default 2), CANDOR_CLUSTER_PORT (front
# end HTTP port, default 8080), CANDOR_CLUSTER_NATS_PORT (first NATS client
# port, default 14222; the nodes use it, +1, +2, routes +100.., monitoring +200..).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${CANDOR_BUILD_DIR:-$ROOT/build}"
STATE="${CANDOR_CLUSTER_DIR:-$ROOT/.cache/cluster}"
SHARDS="${CANDOR_CLUSTER_SHARDS:-2}"
REPLICAS=2
HTTP_PORT="${CANDOR_CLUSTER_PORT:-8080}"
BASE="${CANDOR_CLUSTER_NATS_PORT:-14222}"
log() { echo "[cluster] $*" >&2; }

[ "${CANDOR_CLUSTER_NO_SETUP:-0}" = 1 ] || "$ROOT/scripts/setup.sh"
CANDOR="$BUILD/src/cli/candor"
command -v nats-server >/dev/null || { log "nats-server is not installed (scripts/setup.sh installs it)"; exit 1; }
"$CANDOR" shard --help >/dev/null 2>&1 || { log "$CANDOR was built without CANDOR_WITH_NATS (libnats-dev missing?)"; exit 1; }

mkdir -p "$STATE/logs"
pids=()
cleanup() {
  stopping=1
  trap - EXIT INT TERM
  log "stopping ${#pids[@]} processes"
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

# 1. Three JetStream nodes.
urls=""
for i in 0 1 2; do
  name="n$((i + 1))"
  mkdir -p "$STATE/nats/$name"
  routes=""
  for j in 0 1 2; do [ "$j" = "$i" ] || routes+="${routes:+,} nats://127.0.0.1:$((BASE + 100 + j))"; done
  cat > "$STATE/nats/$name/nats.conf" <<EOF
server_name: $name
listen: 127.0.0.1:$((BASE + i))
http: 127.0.0.1:$((BASE + 200 + i))
max_payload: 20MB
jetstream { store_dir: "$STATE/nats/$name/js", max_memory_store: 64MB, max_file_store: 16GB }
cluster { name: candor, listen: 127.0.0.1:$((BASE + 100 + i)), routes: [$routes ] }
EOF
  nats-server -c "$STATE/nats/$name/nats.conf" > "$STATE/logs/nats-$name.log" 2>&1 &
  pids+=($!)
  urls+="${urls:+,}nats://127.0.0.1:$((BASE + i))"
done
log "waiting for JetStream (meta leader election)"
for _ in $(seq 1 150); do
  if curl -fs "http://127.0.0.1:$((BASE + 200))/healthz?js-enabled-only=true" >/dev/null 2>&1 &&
     curl -fs "http://127.0.0.1:$((BASE + 200))/jsz" 2>/dev/null | grep -q '"meta_cluster"' &&
     curl -fs "http://127.0.0.1:$((BASE + 200))/jsz" 2>/dev/null | grep -q '"leader"'; then
    break
  fi
  sleep 0.2
done

# 2. The shared store key (every node seals and opens with keys derived from it).
[ -f "$STATE/store.key" ] || "$CANDOR" gallery keygen --out "$STATE/store.key" >/dev/null

# 3. Shards x replicas.
for s in $(seq 0 $((SHARDS - 1))); do
  for r in $(seq 0 $((REPLICAS - 1))); do
    "$CANDOR" shard --nats "$urls" --shards "$SHARDS" --replicas "$REPLICAS" \
      --shard "$s" --replica "$r" --store "$STATE/shard$s-r$r" --key-file "$STATE/store.key" \
      > "$STATE/logs/shard$s-r$r.log" 2>&1 &
    pids+=($!)
  done
done

# 4. The front end: the API and the web client over the cluster (its audit
#    log also in the cluster's audit stream).
if [ "${CANDOR_CLUSTER_DEMO:-0}" = 1 ]; then
  log "setting up the demo on the cluster (computes the photos' templates first)"
  "$CANDOR" demo --http "127.0.0.1:$HTTP_PORT" --state "$STATE/demo" \
    --key-file "$STATE/store.key" --nats "$urls" --shards "$SHARDS" --replicas "$REPLICAS" \
    > "$STATE/logs/front.log" 2>&1 &
  wait_s=600
else
  "$CANDOR" serve --http "127.0.0.1:$HTTP_PORT" --store "$STATE/front" \
    --key-file "$STATE/store.key" --nats "$urls" --shards "$SHARDS" --replicas "$REPLICAS" \
    > "$STATE/logs/front.log" 2>&1 &
  wait_s=90  # a loaded host may take tens of seconds to place the streams
fi
front_pid=$!
pids+=($front_pid)
for _ in $(seq 1 $((wait_s * 5))); do
  curl -fs "http://127.0.0.1:$HTTP_PORT/healthz" >/dev/null 2>&1 && break
  kill -0 "$front_pid" 2>/dev/null || break  # it exited: its log says why
  sleep 0.2
done
if ! curl -fs "http://127.0.0.1:$HTTP_PORT/healthz" >/dev/null 2>&1; then
  log "the front end did not come up; see $STATE/logs/front.log"
  exit 1
fi
log "NATS JetStream: $urls"
log "$SHARDS shards x $REPLICAS replicas; logs in $STATE/logs"
log "front end: http://127.0.0.1:$HTTP_PORT/ (API docs/openapi.yaml); Ctrl-C stops the cluster"
[ "${CANDOR_CLUSTER_DEMO:-0}" != 1 ] ||
  log "demo accounts: $STATE/demo/credentials.txt; what the demo printed: $STATE/logs/front.log"
wait -n || true
[ -n "${stopping:-}" ] || log "a process exited; see $STATE/logs"
