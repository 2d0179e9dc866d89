#!/usr/bin/env bash
# Builds linklens-<version>-linux-x64.vsix: the extension bundle plus a FULLY STATIC (musl) linklens server,
# so the .vsix runs on any x86_64 Linux (glibc or musl distro, old or new) without a Rust toolchain.
# scripts/release.sh (repository root) calls it once per platform with a server it cross-built:
#   LINKLENS_VSCE_TARGET=win32-x64 LINKLENS_SERVER_BIN=path/linklens.exe LINKLENS_VSIX_DIR=dist package.sh
set -euo pipefail
EXT=$(cd "$(dirname "$0")/.." && pwd)
ROOT=$(cd "$EXT/.." && pwd)
TARGET=x86_64-unknown-linux-musl
VSCE_VERSION=3.9.2   # 4.x needs Node 22
VSCE_TARGET=${LINKLENS_VSCE_TARGET:-linux-x64}
SERVER_BIN=${LINKLENS_SERVER_BIN:-}
NAME=linklens
case $VSCE_TARGET in win32-*) NAME=linklens.exe ;; esac

# The server directory holds exactly one platform's binary.
rm -rf "$EXT/server"
mkdir -p "$EXT/server"
if [ -n "$SERVER_BIN" ]; then
  echo "== bundling $SERVER_BIN for $VSCE_TARGET"
  install -m 0755 "$SERVER_BIN" "$EXT/server/$NAME"
else

if [ "$VSCE_TARGET" != linux-x64 ]; then
  echo "error: without LINKLENS_SERVER_BIN only linux-x64 is built here; scripts/release.sh builds the others" >&2
  exit 1
fi
if command -v rustup >/dev/null && ! rustup target list --installed | grep -qx "$TARGET"; then
  echo "error: the Rust target $TARGET is not installed. Run:" >&2
  echo "  rustup target add $TARGET" >&2
  exit 1
fi

echo "== cargo build --release --target $TARGET -p linklens"
(cd "$ROOT" && cargo build --release --target "$TARGET" -p linklens)
BIN=$ROOT/target/$TARGET/release/linklens
install -m 0755 "$BIN" "$EXT/server/linklens"
fi

case $VSCE_TARGET in linux-*)

echo "== checking that the bundled server is static"
command -v file >/dev/null && file "$EXT/server/linklens"
if readelf -l "$EXT/server/linklens" | grep -q INTERP; then
  echo "error: $EXT/server/linklens has a program interpreter (PT_INTERP): it is dynamically linked" >&2
  readelf -l "$EXT/server/linklens" | grep -A1 INTERP >&2
  exit 1
fi
if readelf -d "$EXT/server/linklens" 2>/dev/null | grep -q NEEDED; then
  echo "error: $EXT/server/linklens needs shared libraries:" >&2
  readelf -d "$EXT/server/linklens" | grep NEEDED >&2
  exit 1
fi
echo "ok: no INTERP, no NEEDED"
;; esac

cd "$EXT"
[ -d node_modules/vscode-languageclient ] || npm ci --no-audit --no-fund
VSCE=${VSCE:-}
if [ -z "$VSCE" ]; then
  if [ -x "$ROOT/.vscode-e2e/tools/node_modules/.bin/vsce" ]; then VSCE=$ROOT/.vscode-e2e/tools/node_modules/.bin/vsce
  else VSCE="npx --yes @vscode/vsce@$VSCE_VERSION"; fi
fi
VERSION=$(node -p "require('./package.json').version")
OUT=${LINKLENS_VSIX_DIR:-$EXT}/linklens-$VERSION-$VSCE_TARGET.vsix
echo "== vsce package --target $VSCE_TARGET (runs vscode:prepublish = esbuild bundle)"
# The bundle inlines vscode-languageclient, so node_modules stays out of the .vsix.
$VSCE package --target "$VSCE_TARGET" --no-dependencies --allow-missing-repository --out "$OUT"
if command -v unzip >/dev/null; then unzip -l "$OUT" | sed -n '1,40p'; fi
echo "built $OUT ($(du -h "$OUT" | cut -f1))"
