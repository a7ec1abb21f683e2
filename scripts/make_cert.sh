#!/usr/bin/env bash
# Self-signed TLS certificate for local HTTPS (`candor serve --https`):
# .cache/tls/server.crt + server.key (0600), EC P-256, 825 days, SAN localhost,
# 127.0.0.1, ::1. Idempotent: keeps an existing, unexpired certificate.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${CANDOR_TLS_DIR:-$ROOT/.cache/tls}"
mkdir -p "$DIR"
if [[ -f "$DIR/server.crt" && -f "$DIR/server.key" ]] &&
   openssl x509 -in "$DIR/server.crt" -noout -checkend 86400 >/dev/null 2>&1; then
  exit 0
fi
umask 077
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
  -keyout "$DIR/server.key.tmp" -out "$DIR/server.crt.tmp" -days 825 \
  -subj "/CN=localhost" \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" >/dev/null 2>&1
mv "$DIR/server.key.tmp" "$DIR/server.key"
mv "$DIR/server.crt.tmp" "$DIR/server.crt"
chmod 644 "$DIR/server.crt"
chmod 600 "$DIR/server.key"
echo "make_cert: self-signed certificate in $DIR (local use only)"
