#!/usr/bin/env bash
# Self-signed TLS certificate for local HTTPS (`candor serve --https`):
# .cache/tls/server.crt + server.key (0600), EC P-256, 825 days, SAN localhost,
# 127.0.0.1, ::1, plus any names given:
#
#   scripts/make_cert.sh                      # localhost only
#   scripts/make_cert.sh --lan                # + this host's LAN addresses and <hostname>.local
#   scripts/make_cert.sh 192.168.1.20 my-box  # + these addresses / DNS names
#
# Idempotent: keeps an existing, unexpired certificate that already names
# everything asked for; otherwise makes a new one (a phone that trusted the
# old one must trust the new one).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${CANDOR_TLS_DIR:-$ROOT/.cache/tls}"
names=()
for a in "$@"; do
  case "$a" in
    --lan)
      # IPv4 addresses of this host other than loopback, and its mDNS name.
      for ip in $(hostname -I 2>/dev/null || true); do
        [[ "$ip" =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ && "$ip" != 127.* ]] && names+=("$ip")
      done
      names+=("$(hostname -s 2>/dev/null || hostname).local") ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) names+=("$a") ;;
  esac
done
san="DNS:localhost,IP:127.0.0.1,IP:::1"
for n in "${names[@]}"; do
  if [[ "$n" =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ || "$n" == *:* ]]; then san+=",IP:$n"; else san+=",DNS:$n"; fi
done
mkdir -p "$DIR"
if [[ -f "$DIR/server.crt" && -f "$DIR/server.key" ]] &&
   openssl x509 -in "$DIR/server.crt" -noout -checkend 86400 >/dev/null 2>&1; then
  have="$(openssl x509 -in "$DIR/server.crt" -noout -ext subjectAltName 2>/dev/null | tr -d ' ' | tr ',' '\n')"
  missing=0
  for n in "${names[@]}"; do
    grep -qx -e "DNS:$n" -e "IPAddress:$n" <<<"$have" || missing=1
  done
  [ "$missing" -eq 0 ] && exit 0
fi
umask 077
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
  -keyout "$DIR/server.key.tmp" -out "$DIR/server.crt.tmp" -days 825 \
  -subj "/CN=localhost" \
  -addext "subjectAltName=$san" >/dev/null 2>&1
mv "$DIR/server.key.tmp" "$DIR/server.key"
mv "$DIR/server.crt.tmp" "$DIR/server.crt"
chmod 644 "$DIR/server.crt"
chmod 600 "$DIR/server.key"
echo "make_cert: self-signed certificate in $DIR for ${san//,/ } (local use only)"
