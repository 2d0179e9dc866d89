#!/usr/bin/env bash
# One-time (idempotent) setup for the real-VS-Code e2e test: Debian chromium + ripgrep,
# code-server 4.100.3 (the newest that runs on Node 20), playwright-core and vsce.
# Follows shared/reference/vscode-real-client.md; every env var below fixes an offline pitfall.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
D=${D:-$ROOT/.vscode-e2e}
export HOME=$D/home TMPDIR=$D/tmp npm_config_cache=$D/npm-cache
export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
mkdir -p "$HOME" "$TMPDIR"

need_apt=
for b in /usr/bin/chromium /usr/bin/rg /usr/bin/pkg-config /usr/bin/make; do [ -x "$b" ] || need_apt=1; done
[ -e /usr/include/krb5.h ] || [ -e /usr/include/krb5/krb5.h ] || need_apt=1
if [ -n "$need_apt" ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium build-essential python3 pkg-config libkrb5-dev ripgrep
fi

CS_BIN=$D/cs/node_modules/.bin/code-server
if ! { [ -x "$CS_BIN" ] && "$CS_BIN" --version 2>/dev/null | grep -q '^4\.100\.3 '; }; then
  # node-gyp: use the headers shipped in /usr/include/node instead of downloading them.
  export npm_config_nodedir=/usr PYTHON=/usr/bin/python3
  # @vscode/ripgrep's postinstall downloads rg from GitHub unless it finds this cached asset
  # (the cache path comes from os.tmpdir(), so TMPDIR must stay the same as above).
  RGC=$TMPDIR/vscode-ripgrep-cache-1.15.11; mkdir -p "$RGC" "$D/rgtar"; cp /usr/bin/rg "$D/rgtar/rg"
  tar czf "$RGC/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$D/rgtar" rg
  export npm_config_unsafe_perm=true   # code-server's postinstall refuses to run as root otherwise
  mkdir -p "$D/cs" && cd "$D/cs" && { [ -f package.json ] || echo '{"private":true}' > package.json; }
  npm install --no-save code-server@4.100.3
fi

if ! [ -f "$D/tools/node_modules/playwright-core/package.json" ] || ! [ -x "$D/tools/node_modules/.bin/vsce" ]; then
  mkdir -p "$D/tools" && cd "$D/tools" && { [ -f package.json ] || echo '{"private":true}' > package.json; }
  npm install --no-save playwright-core@1.58.2 @vscode/vsce@3.9.2   # vsce 4.x needs Node 22
fi

"$CS_BIN" --version
echo "e2e setup OK in $D"
