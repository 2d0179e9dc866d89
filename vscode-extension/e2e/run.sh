#!/usr/bin/env bash
# End-to-end test in a real VS Code (code-server 4.100.3 + Debian chromium via playwright-core):
# installs the packaged .vsix, opens the shop example and drives the editor (see drive.js).
# Env: VSIX (skip packaging, use this file), PORT (8765), OUT (test-output/vscode), D (.vscode-e2e).
set -euo pipefail
E2E=$(cd "$(dirname "$0")" && pwd)
EXT=$(cd "$E2E/.." && pwd)
ROOT=$(cd "$EXT/.." && pwd)
D=${D:-$ROOT/.vscode-e2e}
PORT=${PORT:-8765}
OUT=${OUT:-$ROOT/test-output/vscode}
CS=$D/cs/node_modules/.bin/code-server
[ -x "$CS" ] && [ -d "$D/tools/node_modules/playwright-core" ] || { echo "missing $D: run $E2E/setup.sh first" >&2; exit 1; }
START=$(date +%s)

if [ -z "${VSIX:-}" ]; then
  VSCE=$D/tools/node_modules/.bin/vsce bash "$EXT/scripts/package.sh" > "$D/package.log" 2>&1 || { tail -30 "$D/package.log"; exit 1; }
  VSIX=$EXT/linklens-$(node -p "require('$EXT/package.json').version")-linux-x64.vsix
  echo "packaged $VSIX in $(( $(date +%s) - START ))s"
fi

export HOME=$D/home TMPDIR=$D/tmp GOTOOLCHAIN=local   # offline: never let go fetch a toolchain
mkdir -p "$HOME" "$TMPDIR"
# VS Code gives extensions the PATH of the user's *login shell* ($SHELL -ilc env), not ours: put Go
# there as a Go developer's ~/.profile would, or the server finds no `go` and cannot predict anything.
GO=$(command -v go) || { echo "the e2e needs Go on PATH" >&2; exit 1; }
printf 'export PATH="%s:$PATH"\n' "$(dirname "$(readlink -f "$GO")")" > "$HOME/.profile"
RUN=$(mktemp -d "$TMPDIR/run-XXXX"); mkdir -p "$RUN/data/User" "$RUN/ext" "$RUN/ws"
# The quick fix writes .vscode/settings.json: work on a copy so the checkout stays clean.
SRC=$ROOT/examples/shop
cp -r "$SRC" "$RUN/ws/shop"; WS=$RUN/ws/shop
# The project's real build: the first quick fix on the Go file edits this recipe, and drive.js runs it.
printf 'build:\n\tgo build -o bin/api ./cmd/api\n' > "$WS/Makefile"
echo "workspace: copy of ${SRC#$ROOT/} plus a Makefile"
cat > "$RUN/data/User/settings.json" <<'JSON'
{ "workbench.startupEditor": "none", "security.workspace.trust.enabled": false,
  "telemetry.telemetryLevel": "off", "update.mode": "none", "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false, "extensions.ignoreRecommendations": true, "workbench.tips.enabled": false,
  "git.enabled": false, "workbench.colorTheme": "Default Light Modern", "editor.hover.delay": 300,
  "window.commandCenter": false, "chat.commandCenter.enabled": false,
  "editor.stickyScroll.enabled": false }
JSON
"$CS" --user-data-dir "$RUN/data" --extensions-dir "$RUN/ext" --install-extension "$VSIX" > "$RUN/install.log" 2>&1 \
  || { cat "$RUN/install.log"; exit 1; }

setsid "$CS" --bind-addr "127.0.0.1:$PORT" --auth none --disable-telemetry --disable-update-check \
  --disable-workspace-trust --user-data-dir "$RUN/data" --extensions-dir "$RUN/ext" "$WS" > "$RUN/code-server.log" 2>&1 &
CSPID=$!
# The process group holds code-server, the extension host and the linklens child.
trap 'kill -- -$CSPID 2>/dev/null; sleep 0.5; rm -rf "$RUN"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done

# drive.js inspects the binary `make build` writes with the server the .vsix bundles.
LINKLENS=$(ls "$RUN"/ext/linklens.linklens-*/server/linklens 2>/dev/null | head -1)
[ -x "$LINKLENS" ] || { echo "no server in the installed extension under $RUN/ext" >&2; exit 1; }
mkdir -p "$OUT"; rm -f "$OUT"/*.png
set +e
PW=$D/tools/node_modules/playwright-core MACHINE_SETTINGS=$RUN/data/Machine/settings.json URL="http://127.0.0.1:$PORT/?folder=$WS" WS="$WS" OUT="$OUT" LINKLENS="$LINKLENS" \
  timeout 270 node "$E2E/drive.js"
rc=$?
set -e
# Keep the server side's view of the run next to the screenshots.
cp "$RUN/code-server.log" "$OUT/code-server.log" 2>/dev/null || true
find "$RUN/data/logs" -name '*linklens*' -exec cp {} "$OUT/" \; 2>/dev/null || true
[ -f "$WS/.vscode/settings.json" ] && cp "$WS/.vscode/settings.json" "$OUT/workspace-settings-after.json"
cp "$WS/Makefile" "$OUT/workspace-Makefile-after" 2>/dev/null || true
echo "e2e wall time: $(( $(date +%s) - START ))s"
[ $rc -eq 124 ] && echo "0 passed, 1 failed (drive.js timed out)"
exit $rc
