#!/usr/bin/env bash
# End-to-end test of the web client in a real browser: installs Debian's
# chromium if missing, builds web/dist if stale, starts `candor serve` on
# loopback with a temporary store and bootstrap admin, and runs
# web/e2e/run.mjs (playwright-core) against it. Screenshots of every screen go
# to test-artifacts/screens/ (not committed: they show LFW face photos).
#
#   scripts/web_test.sh        # CANDOR_BUILD_DIR (default build/) must hold src/cli/candor
# Exit: 0 all passed, 1 a test failed, 77 skipped (no data, models or server).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${CANDOR_BUILD_DIR:-$ROOT/build}"
CANDOR="$BUILD/src/cli/candor"
export CANDOR_DATA="${CANDOR_DATA:-$ROOT/../shared/data}"
export CANDOR_MODELS="${CANDOR_MODELS:-$ROOT/models}"
log() { printf '\033[1m[web_test]\033[0m %s\n' "$*" >&2; }

T0=$(date +%s)
if [ ! -d "$CANDOR_DATA/faces/lfw" ]; then log "SKIP: no LFW under $CANDOR_DATA (set CANDOR_DATA)"; exit 77; fi
if ! ls "$CANDOR_MODELS"/*.onnx >/dev/null 2>&1; then log "SKIP: no converted models in $CANDOR_MODELS (run scripts/setup.sh)"; exit 77; fi
if [ ! -x "$CANDOR" ]; then log "SKIP: no candor binary at $CANDOR (build it, or set CANDOR_BUILD_DIR)"; exit 77; fi
# The help text is read whole first: with pipefail, grep -q closing the pipe early made
# a long help text's writer die of SIGPIPE and the check fail.
serve_help="$("$CANDOR" serve --help 2>/dev/null || true)"
if ! grep -q -- '--web-root' <<<"$serve_help"; then
  log "FAIL: $CANDOR serve cannot serve the web client (no --web-root): rebuild candor"; exit 1
fi
# The server takes its thresholds from the calibration of the gallery's model,
# bound to the converted file's SHA-256: a reconverted model without a new
# calibration cannot search at all. Say so plainly instead of timing out in the browser.
EMB="${CANDOR_EMBEDDER:-mobilefacenet}"
CAL="${CANDOR_CALIBRATION_DIR:-$ROOT/calibration}/$EMB.json"
if [ -f "$CANDOR_MODELS/$EMB.json" ] && [ -f "$CAL" ]; then
  want=$(grep -o '"onnx_sha256": *"[0-9a-f]*"' "$CANDOR_MODELS/$EMB.json" | grep -o '[0-9a-f]\{64\}')
  if ! grep -q "$want" "$CAL"; then
    log "FAIL: $CAL is for another build of $CANDOR_MODELS/$EMB.onnx (sha256 $want): searches are refused until the model is recalibrated (candor calibrate) or the conversion restored"
    exit 1
  fi
fi
# Node >= 20 (playwright-core); scripts/setup.sh puts one in .cache/node when the
# machine's is older.
[ -x "$ROOT/.cache/node/bin/node" ] && export PATH="$ROOT/.cache/node/bin:$PATH"
if ! command -v node >/dev/null 2>&1; then
  log "installing Debian nodejs and npm"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
if [ ! -x /usr/bin/chromium ]; then
  log "installing Debian chromium"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi

# The client (same idempotent step as scripts/setup.sh).
WEB="$ROOT/web"
if [ ! -f "$WEB/node_modules/.package-lock.json" ] || [ "$WEB/package-lock.json" -nt "$WEB/node_modules/.package-lock.json" ]; then
  log "npm ci in web/"
  (cd "$WEB" && npm ci --silent --no-audit --no-fund >/dev/null)
fi
if [ ! -f "$WEB/dist/.stamp" ] || [ -n "$(find "$WEB/src" "$WEB/build.mjs" "$WEB/tsconfig.json" -newer "$WEB/dist/.stamp" 2>/dev/null | head -1)" ]; then
  log "building web/dist"
  (cd "$WEB" && node build.mjs >/dev/null)
fi

TMP="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$TMP"
}
trap cleanup EXIT

STORE="$TMP/store"
mkdir -p "$STORE"
export CANDOR_STORE="$STORE"
"$CANDOR" gallery keygen --out "$TMP/store.key" >/dev/null
export CANDOR_E2E_ADMIN_PASSWORD="admin-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
CANDOR_PASSWORD="$CANDOR_E2E_ADMIN_PASSWORD" "$CANDOR" account bootstrap --store "$STORE" --username admin \
  --password-env CANDOR_PASSWORD --training-expires "$(date -u -d '+1 year' +%F)" >/dev/null

PORT="${CANDOR_WEB_TEST_PORT:-$(( 20000 + RANDOM % 20000 ))}"
"$CANDOR" serve --http "127.0.0.1:$PORT" --store "$STORE" --key-file "$TMP/store.key" \
  --web-root "$WEB/dist" > "$TMP/serve.log" 2>&1 &
SERVER_PID=$!
get() { node -e 'fetch(process.argv[1]).then(async r => { process.stdout.write(await r.text()); process.exit(r.ok ? 0 : 1); }, () => process.exit(1))' "$1"; }
for _ in $(seq 1 300); do  # up to 60 s: the face models load first
  get "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || { log "candor serve exited:"; cat "$TMP/serve.log" >&2; exit 1; }
  sleep 0.2
done
URL="http://127.0.0.1:$PORT"
if ! get "$URL/" | grep -q '<title>Candor</title>'; then
  log "FAIL: candor serve does not serve the web client at $URL/"; tail -20 "$TMP/serve.log" >&2; exit 1
fi

mkdir -p "$ROOT/test-artifacts/screens"
set +e
CANDOR_URL="$URL" CANDOR_E2E_SCREENS="$ROOT/test-artifacts/screens" node "$WEB/e2e/run.mjs"
rc=$?
set -e
if [ $rc -ne 0 ]; then log "server log (last 40 lines):"; tail -40 "$TMP/serve.log" >&2; fi
log "done in $(( $(date +%s) - T0 )) s (exit $rc)"
exit $rc
